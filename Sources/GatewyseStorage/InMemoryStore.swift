import GatewyseCore
import Synchronization

/// A complete store in memory, for tests and `--database memory:`. Holds the same rules as the
/// SQL backends (unknown tenant, duplicate key) so the contract suite runs against it too.
public final class InMemoryStore: GatewayStore {
    private struct State {
        var tenants: [String: Tenant] = [:]
        var keys: [APIKeyRecord] = []
        var routes: [RouteRecord] = []
    }
    private let state = Mutex(State())

    public init() {}

    public func upsertTenant(_ tenant: Tenant) async throws {
        state.withLock {
            if let existing = $0.tenants[tenant.id] {
                $0.tenants[tenant.id] = Tenant(id: tenant.id, name: tenant.name, createdAt: existing.createdAt)
            } else {
                $0.tenants[tenant.id] = tenant
            }
        }
    }

    public func tenant(id: String) async throws -> Tenant? { state.withLock { $0.tenants[id] } }

    public func allTenants() async throws -> [Tenant] { state.withLock { $0.tenants.values.sorted { $0.id < $1.id } } }

    public func insertKey(_ key: APIKeyRecord) async throws {
        try state.withLock {
            guard $0.tenants[key.tenantID] != nil else { throw StoreError.unknownTenant(key.tenantID) }
            guard !$0.keys.contains(where: { $0.id == key.id || $0.digest == key.digest }) else { throw StoreError.duplicate("API key") }
            $0.keys.append(key)
        }
    }

    public func upsertConfigKey(_ key: APIKeyRecord) async throws {
        try state.withLock {
            guard $0.tenants[key.tenantID] != nil else { throw StoreError.unknownTenant(key.tenantID) }
            if let i = $0.keys.firstIndex(where: { $0.source == .config && $0.tenantID == key.tenantID && $0.name == key.name }) {
                $0.keys[i].digest = key.digest
                $0.keys[i].prefix = key.prefix
                $0.keys[i].revokedAt = nil
            } else {
                $0.keys.append(key)
            }
        }
    }

    public func keys(tenantID: String) async throws -> [APIKeyRecord] { state.withLock { $0.keys.filter { $0.tenantID == tenantID } } }

    public func allKeys() async throws -> [APIKeyRecord] { state.withLock { $0.keys } }

    public func revokeKey(id: String, tenantID: String, at time: Int64) async throws -> Bool {
        state.withLock {
            guard let i = $0.keys.firstIndex(where: { $0.id == id && $0.tenantID == tenantID }) else { return false }
            $0.keys[i].revokedAt = time
            return true
        }
    }

    public func upsertRoute(_ route: RouteRecord) async throws {
        try state.withLock {
            if let tenant = route.tenantID, $0.tenants[tenant] == nil { throw StoreError.unknownTenant(tenant) }
            $0.routes.removeAll { $0.tenantID == route.tenantID && $0.capability == route.capability && $0.alias == route.alias }
            $0.routes.append(route)
        }
    }

    public func routes(tenantID: String?) async throws -> [RouteRecord] {
        state.withLock { $0.routes.filter { $0.tenantID == tenantID }.sorted { ($0.capability.rawValue, $0.alias) < ($1.capability.rawValue, $1.alias) } }
    }

    public func allRoutes() async throws -> [RouteRecord] {
        state.withLock { $0.routes }
    }

    public func deleteRoute(tenantID: String?, capability: Capability, alias: String) async throws -> Bool {
        state.withLock {
            let before = $0.routes.count
            $0.routes.removeAll { $0.tenantID == tenantID && $0.capability == capability && $0.alias == alias }
            return $0.routes.count < before
        }
    }
}
