import GatewyseCore

/// Tenants (ARCHITECTURE rule 7: one protocol per domain, implemented by every backend).
public protocol TenantStore: Sendable {
    /// Creates the tenant, or renames it if it exists.
    func upsertTenant(_ tenant: Tenant) async throws
    func tenant(id: String) async throws -> Tenant?
    func allTenants() async throws -> [Tenant]
}

/// Gateway API keys. Reads are rare (startup and change): the request path serves keys from
/// `APIKeyCache`, never from here.
public protocol APIKeyStore: Sendable {
    func insertKey(_ key: APIKeyRecord) async throws
    /// Inserts, or replaces the digest of, the config-imported key with this tenant and name.
    func upsertConfigKey(_ key: APIKeyRecord) async throws
    func keys(tenantID: String) async throws -> [APIKeyRecord]
    func allKeys() async throws -> [APIKeyRecord]
    func revokeKey(id: String, tenantID: String, at time: Int64) async throws -> Bool
}

/// Everything one backend provides.
public typealias GatewayStore = TenantStore & APIKeyStore & RouteStore

/// Errors a store reports for conditions the caller can act on.
public enum StoreError: Error, Equatable, CustomStringConvertible {
    case unknownTenant(String)
    case duplicate(String)
    case unsupportedDatabase(String)

    public var description: String {
        switch self {
        case .unknownTenant(let id): "unknown tenant '\(id)'"
        case .duplicate(let what): "\(what) already exists"
        case .unsupportedDatabase(let url): "unsupported database URL '\(url)'"
        }
    }
}
