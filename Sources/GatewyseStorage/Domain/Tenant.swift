import GatewyseCore

/// A customer of the gateway; every other record belongs to one (product-spec §7.1).
public struct Tenant: DomainResource {
    public static let kind = ResourceKind.tenant
    public var id: String
    public var name: String
    public var status: Status
    /// Aliases or `provider/model` names the tenant's keys may use; empty means any.
    public var allowedModels: [String]
    /// Capabilities the tenant's keys may use; empty means every one.
    public var enabledCapabilities: [String]
    public var source: RecordSource
    /// Unix seconds.
    public var createdAt: Int64

    public enum Status: String, Sendable, Codable { case active, suspended }

    /// Tenants belong to the system scope: only a super-admin lists or changes them.
    public var tenantID: String { SystemScope.tenantID }

    public init(id: String, name: String, status: Status = .active, allowedModels: [String] = [], enabledCapabilities: [String] = [],
                source: RecordSource = .api, createdAt: Int64) {
        self.id = id
        self.name = name
        self.status = status
        self.allowedModels = allowedModels
        self.enabledCapabilities = enabledCapabilities
        self.source = source
        self.createdAt = createdAt
    }

    private enum CodingKeys: String, CodingKey {
        case id, name, status, allowedModels, enabledCapabilities, source, createdAt
    }
}

/// An organization inside a tenant (tenant → organization → department → user).
public struct Organization: DomainResource {
    public static let kind = ResourceKind.organization
    public var id: String
    public var tenantID: String
    public var name: String
    public var createdAt: Int64

    public init(id: String, tenantID: String, name: String, createdAt: Int64) {
        self.id = id
        self.tenantID = tenantID
        self.name = name
        self.createdAt = createdAt
    }
}

/// A department of one organization.
public struct Department: DomainResource {
    public static let kind = ResourceKind.department
    public var id: String
    public var tenantID: String
    public var name: String
    public var organizationID: String
    public var createdAt: Int64

    public init(id: String, tenantID: String, name: String, organizationID: String, createdAt: Int64) {
        self.id = id
        self.tenantID = tenantID
        self.name = name
        self.organizationID = organizationID
        self.createdAt = createdAt
    }
}
