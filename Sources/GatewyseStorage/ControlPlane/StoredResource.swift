import GatewyseCore

/// One control-plane resource as a backend stores it: its address (kind, tenant, id), an
/// optional key that must be unique among resources of its kind across every tenant (a user's
/// e-mail, an API key's digest, a route's tenant/capability/alias), and the resource itself as a
/// JSON document. `version` counts the changes of this resource (optimistic concurrency).
public struct StoredResource: Sendable, Equatable {
    public var kind: ResourceKind
    public var tenantID: String
    public var id: String
    public var uniqueKey: String?
    /// The resource, JSON text (`DomainResource` encodes and decodes it).
    public var body: String
    public var version: Int64
    /// Unix seconds.
    public var createdAt: Int64
    public var updatedAt: Int64

    public init(kind: ResourceKind, tenantID: String, id: String, uniqueKey: String? = nil, body: String,
                version: Int64 = 1, createdAt: Int64, updatedAt: Int64) {
        self.kind = kind
        self.tenantID = tenantID
        self.id = id
        self.uniqueKey = uniqueKey
        self.body = body
        self.version = version
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

/// One write of a commit. Every change names its tenant: a backend never touches a resource
/// of another tenant, whatever id it is given.
public enum ResourceChange: Sendable, Equatable {
    /// Fails with `StoreError.duplicate` when the id or the unique key is taken.
    case insert(StoredResource)
    /// Replaces the body (and unique key) of the resource with this kind, tenant and id. With
    /// `expectedVersion`, fails with `StoreError.conflict` when another writer got there first.
    /// Fails with `StoreError.notFound` when there is no such resource.
    case update(StoredResource, expectedVersion: Int64?)
    /// Fails with `StoreError.notFound` when there is no such resource.
    case delete(kind: ResourceKind, tenantID: String, id: String)

    public var kind: ResourceKind {
        switch self {
        case .insert(let resource), .update(let resource, _): resource.kind
        case .delete(let kind, _, _): kind
        }
    }
}
