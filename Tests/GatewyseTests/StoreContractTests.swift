import Foundation
import GatewyseCore
import GatewyseEngine
import GatewyseSQLite
import GatewyseStorage
import Testing

/// One contract, every backend (ARCHITECTURE rule 7). PostgreSQL joins when it lands.
@Suite("Store contract")
struct StoreContractTests {
    enum Backend: String, CaseIterable, CustomTestStringConvertible {
        case memory, sqliteMemory, sqliteFile
        var testDescription: String { rawValue }

        func make() throws -> any GatewayStore {
            switch self {
            case .memory: InMemoryStore()
            case .sqliteMemory: try SQLiteStore(path: ":memory:")
            case .sqliteFile: try SQLiteStore(path: FileManager.default.temporaryDirectory.appendingPathComponent("gw-\(UUID().uuidString)/db.sqlite").path)
            }
        }
    }

    static func key(_ tenant: String, _ name: String, source: APIKeyRecord.Source = .created, key: String = APIKeyMaterial.generate()) -> APIKeyRecord {
        APIKeyRecord(id: "key_" + IDGenerator.hex(bytes: 6), tenantID: tenant, name: name, prefix: APIKeyMaterial.displayPrefix(key),
                     digest: APIKeyMaterial.digest(key), createdAt: 100, source: source)
    }

    @Test("tenants upsert and read back", arguments: Backend.allCases)
    func tenants(backend: Backend) async throws {
        let store = try backend.make()
        try await store.upsertTenant(Tenant(id: "acme", name: "Acme", createdAt: 1))
        try await store.upsertTenant(Tenant(id: "acme", name: "Acme Inc", createdAt: 2))
        try await store.upsertTenant(Tenant(id: "beta", name: "Beta", createdAt: 3))
        #expect(try await store.tenant(id: "acme") == Tenant(id: "acme", name: "Acme Inc", createdAt: 1))
        #expect(try await store.allTenants().map(\.id) == ["acme", "beta"])
        #expect(try await store.tenant(id: "nope") == nil)
    }

    @Test("keys belong to a tenant, are unique, and revoke per tenant", arguments: Backend.allCases)
    func keys(backend: Backend) async throws {
        let store = try backend.make()
        await #expect(throws: StoreError.unknownTenant("ghost")) { try await store.insertKey(Self.key("ghost", "k")) }
        try await store.upsertTenant(Tenant(id: "acme", name: "Acme", createdAt: 1))
        try await store.upsertTenant(Tenant(id: "beta", name: "Beta", createdAt: 1))
        let key = Self.key("acme", "laptop")
        try await store.insertKey(key)
        await #expect(throws: StoreError.duplicate("API key")) { try await store.insertKey(key) }
        #expect(try await store.keys(tenantID: "acme") == [key])
        #expect(try await store.keys(tenantID: "beta").isEmpty)
        // Tenant isolation: beta cannot revoke acme's key.
        #expect(try await store.revokeKey(id: key.id, tenantID: "beta", at: 5) == false)
        #expect(try await store.revokeKey(id: key.id, tenantID: "acme", at: 5) == true)
        #expect(try await store.keys(tenantID: "acme").first?.revokedAt == 5)
    }

    @Test("config keys are replaced by name, not duplicated", arguments: Backend.allCases)
    func configKeys(backend: Backend) async throws {
        let store = try backend.make()
        try await store.upsertTenant(Tenant(id: "acme", name: "Acme", createdAt: 1))
        try await store.upsertConfigKey(Self.key("acme", "ci", source: .config))
        let rotated = Self.key("acme", "ci", source: .config)
        try await store.upsertConfigKey(rotated)
        let keys = try await store.keys(tenantID: "acme")
        #expect(keys.count == 1)
        #expect(keys.first?.digest == rotated.digest)
    }

    @Test("routes are scoped by tenant and replaced by alias", arguments: Backend.allCases)
    func routes(backend: Backend) async throws {
        let store = try backend.make()
        try await store.upsertTenant(Tenant(id: "acme", name: "Acme", createdAt: 1))
        try await store.upsertTenant(Tenant(id: "beta", name: "Beta", createdAt: 1))
        let global = RouteRecord(tenantID: nil, alias: "fast", strategy: "failover",
                                 targets: [.init(provider: "groq", model: "m", priority: 1, weight: 2.5)], fallbacks: ["slow"], updatedAt: 1)
        var acme = RouteRecord(tenantID: "acme", alias: "fast", strategy: "weighted", targets: [.init(provider: "openai", model: "x")], updatedAt: 2)
        try await store.upsertRoute(global)
        try await store.upsertRoute(global)
        try await store.upsertRoute(acme)
        acme.strategy = "random"
        try await store.upsertRoute(acme)
        await #expect(throws: StoreError.unknownTenant("ghost")) {
            try await store.upsertRoute(RouteRecord(tenantID: "ghost", alias: "a", strategy: "priority", targets: [], updatedAt: 1))
        }
        #expect(try await store.routes(tenantID: nil) == [global])
        #expect(try await store.routes(tenantID: "acme") == [acme])
        #expect(try await store.routes(tenantID: "beta").isEmpty)
        #expect(try await store.allRoutes().count == 2)
        // Tenant isolation: beta cannot delete acme's route.
        #expect(try await store.deleteRoute(tenantID: "beta", capability: .chat, alias: "fast") == false)
        #expect(try await store.deleteRoute(tenantID: "acme", capability: .chat, alias: "fast") == true)
        #expect(try await store.routes(tenantID: "acme").isEmpty)
    }

    @Test("SQLite applies numbered migrations from zero, and reopening keeps data")
    func migrations() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("gw-\(UUID().uuidString)/db.sqlite").path
        let store = try SQLiteStore(path: path)
        #expect(try store.appliedMigrations() == ["0001_tenants_and_api_keys", "0002_routes", "0003_control_plane"])
        try await store.upsertTenant(Tenant(id: "acme", name: "Acme", createdAt: 1))
        let reopened = try SQLiteStore(path: path)
        #expect(try await reopened.tenant(id: "acme") != nil)
    }
}

@Suite("API key authentication")
struct AuthenticatorTests {
    @Test("accepts active keys, refuses unknown, malformed, revoked and expired ones")
    func authenticate() throws {
        let good = APIKeyMaterial.generate()
        let revoked = APIKeyMaterial.generate()
        let expired = APIKeyMaterial.generate()
        var revokedRecord = StoreContractTests.key("acme", "r", key: revoked)
        revokedRecord.revokedAt = 10
        var expiredRecord = StoreContractTests.key("acme", "e", key: expired)
        expiredRecord.expiresAt = 999
        let authenticator = APIKeyAuthenticator(keys: [StoreContractTests.key("acme", "good", key: good), revokedRecord, expiredRecord])

        #expect(try authenticator.authenticate(authorization: "Bearer \(good)", now: 1000).tenantID == "acme")
        #expect(try authenticator.authenticate(authorization: "bearer \(good)", now: 1000).keyName == "good")
        #expect(throws: GatewayError.authRequired) { try authenticator.authenticate(authorization: nil as String?, now: 1000) }
        #expect(throws: GatewayError.authRequired) { try authenticator.authenticate(authorization: "Bearer ", now: 1000) }
        #expect(throws: GatewayError.invalidAPIKey) { try authenticator.authenticate(authorization: "Bearer sk-openai", now: 1000) }
        // Same prefix, different secret part.
        #expect(throws: GatewayError.invalidAPIKey) { try authenticator.authenticate(authorization: "Bearer " + good.prefix(20) + String(repeating: "0", count: 36), now: 1000) }
        #expect(throws: GatewayError.invalidAPIKey) { try authenticator.authenticate(authorization: "Bearer \(revoked)", now: 1000) }
        #expect(throws: GatewayError.invalidAPIKey) { try authenticator.authenticate(authorization: "Bearer \(expired)", now: 1000) }
    }

    @Test("generated keys have the documented shape")
    func keyShape() {
        let key = APIKeyMaterial.generate()
        #expect(key.hasPrefix("aigw_sk_") && key.count == 56)
        #expect(APIKeyMaterial.displayPrefix(key).count == 16)
        #expect(APIKeyMaterial.generate() != key)
    }
}
