import Foundation
import GatewyseCore
import GatewyseEngine
import GatewysePostgres
import GatewyseSQLite
import GatewyseStorage
import Synchronization
import Testing

/// One contract, every backend (ARCHITECTURE rule 7): in memory, SQLite (in memory and on
/// disk) and PostgreSQL. PostgreSQL runs whenever `GATEWYSE_TEST_POSTGRES_URL` names a server
/// (`make test` starts a private cluster, tests/postgres/cluster.sh); each test gets a fresh
/// database, dropped after. With `CI=true` and no URL the PostgreSQL cases fail instead of
/// being skipped.
@Suite("Store contract")
struct StoreContractTests {
    enum Backend: String, CustomTestStringConvertible, Sendable {
        case memory, sqliteMemory, sqliteFile, postgres
        var testDescription: String { rawValue }

        static var postgresURL: String? {
            ProcessInfo.processInfo.environment["GATEWYSE_TEST_POSTGRES_URL"].flatMap { $0.isEmpty ? nil : $0 }
        }

        static var postgresRequired: Bool { postgresURL != nil || ProcessInfo.processInfo.environment["CI"] == "true" }

        /// Every backend this run can reach.
        static var all: [Backend] { [.memory, .sqliteMemory, .sqliteFile] + (postgresRequired ? [.postgres] : []) }
        /// Backends with SQL and triggers.
        static var sql: [Backend] { [.sqliteMemory, .sqliteFile] + (postgresRequired ? [.postgres] : []) }
        /// Backends where two store instances can share one database.
        static var shared: [Backend] { [.sqliteFile] + (postgresRequired ? [.postgres] : []) }

        /// Runs `body` with an opener of store instances on one fresh database (every call to a
        /// memory backend returns the same instance), then closes them and drops the database.
        func withDatabase(_ body: (_ open: @escaping @Sendable () async throws -> any GatewayStore) async throws -> Void) async throws {
            switch self {
            case .memory:
                let store = InMemoryStore()
                try await body { store }
            case .sqliteMemory:
                let store = try SQLiteStore(path: ":memory:")
                try await body { store }
            case .sqliteFile:
                let path = FileManager.default.temporaryDirectory.appendingPathComponent("gw-\(UUID().uuidString)/db.sqlite").path
                try await body { try SQLiteStore(path: path) }
                try? FileManager.default.removeItem(atPath: URL(fileURLWithPath: path).deletingLastPathComponent().path)
            case .postgres:
                guard let text = Self.postgresURL else {
                    Issue.record("CI=true but GATEWYSE_TEST_POSTGRES_URL is not set: the PostgreSQL store contract cannot run")
                    throw StoreError.unsupportedDatabase("GATEWYSE_TEST_POSTGRES_URL unset")
                }
                guard let server = PostgresURL.parse(text) else { throw StoreError.unsupportedDatabase(PostgresURL.redacted(text)) }
                let name = "gw_test_" + IDGenerator.hex(bytes: 8)
                try await PostgresStore.createDatabase(name, serverURL: server)
                let opened = OpenedStores()
                do {
                    try await body {
                        let store = try await PostgresStore.open(server.with(database: name))
                        opened.add(store)
                        return store
                    }
                } catch {
                    await opened.closeAll()
                    try? await PostgresStore.dropDatabase(name, serverURL: server)
                    throw error
                }
                await opened.closeAll()
                try await PostgresStore.dropDatabase(name, serverURL: server)
            }
        }

        /// One store on a fresh database.
        func withStore(_ body: (any GatewayStore) async throws -> Void) async throws {
            try await withDatabase { open in try await body(try await open()) }
        }
    }

    /// The PostgreSQL stores a test opened, closed when it ends.
    final class OpenedStores: Sendable {
        private let stores = Mutex<[PostgresStore]>([])
        func add(_ store: PostgresStore) { stores.withLock { $0.append(store) } }
        func closeAll() async {
            for store in stores.withLock({ $0 }) { await store.close() }
        }
    }

    /// Raw SQL on a SQL backend (proving the triggers refuse edits).
    static func execute(_ sql: String, on store: any GatewayStore) async throws {
        if let sqlite = store as? SQLiteStore { try sqlite.execute(sql: sql) }
        else if let postgres = store as? PostgresStore { try await postgres.execute(sql: sql) }
        else { Issue.record("no SQL on \(type(of: store))") }
    }

    /// What someone with write access to the storage (the table's owner) could do to an entry.
    static func tamper(_ store: any GatewayStore, chain: String, sequence: Int64, summary: String) async throws {
        if let sqlite = store as? SQLiteStore { try sqlite.tamperWithAudit(chain: chain, sequence: sequence, summary: summary) }
        else if let postgres = store as? PostgresStore { try await postgres.tamperWithAudit(chain: chain, sequence: sequence, summary: summary) }
        else if let memory = store as? InMemoryStore { memory.tamperWithAudit(chain: chain, sequence: sequence, summary: summary) }
    }

    static func key(_ tenant: String, _ name: String, source: APIKeyRecord.Source = .created, key: String = APIKeyMaterial.generate()) -> APIKeyRecord {
        APIKeyRecord(id: "key_" + IDGenerator.hex(bytes: 6), tenantID: tenant, name: name, prefix: APIKeyMaterial.displayPrefix(key),
                     digest: APIKeyMaterial.digest(key), createdAt: 100, source: source)
    }

    @Test("tenants upsert and read back", arguments: Backend.all)
    func tenants(backend: Backend) async throws {
        try await backend.withStore { store in
            try await store.upsertTenant(Tenant(id: "acme", name: "Acme", createdAt: 1))
            try await store.upsertTenant(Tenant(id: "acme", name: "Acme Inc", createdAt: 2))
            try await store.upsertTenant(Tenant(id: "beta", name: "Beta", createdAt: 3))
            #expect(try await store.tenant(id: "acme") == Tenant(id: "acme", name: "Acme Inc", createdAt: 1))
            #expect(try await store.allTenants().map(\.id) == ["acme", "beta"])
            #expect(try await store.tenant(id: "nope") == nil)
        }
    }

    @Test("keys belong to a tenant, are unique, and revoke per tenant", arguments: Backend.all)
    func keys(backend: Backend) async throws {
        try await backend.withStore { store in
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
    }

    @Test("config keys are replaced by name, not duplicated", arguments: Backend.all)
    func configKeys(backend: Backend) async throws {
        try await backend.withStore { store in
            try await store.upsertTenant(Tenant(id: "acme", name: "Acme", createdAt: 1))
            try await store.upsertConfigKey(Self.key("acme", "ci", source: .config))
            let rotated = Self.key("acme", "ci", source: .config)
            try await store.upsertConfigKey(rotated)
            let keys = try await store.keys(tenantID: "acme")
            #expect(keys.count == 1)
            #expect(keys.first?.digest == rotated.digest)
        }
    }

    @Test("routes are scoped by tenant and replaced by alias", arguments: Backend.all)
    func routes(backend: Backend) async throws {
        try await backend.withStore { store in
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
    }

    @Test("SQLite applies numbered migrations from zero, and reopening keeps data")
    func migrations() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("gw-\(UUID().uuidString)/db.sqlite").path
        let store = try SQLiteStore(path: path)
        #expect(try store.appliedMigrations() == ["0001_tenants_and_api_keys", "0002_routes", "0003_control_plane", "0004_usage_records", "0005_usage_scope_indexes",
                                                   "0006_usage_records_by_tenant_time", "0007_usage_records_without_time_index",
                                                   "0008_usage_records_without_rowid", "0009_usage_batches"])
        try await store.upsertTenant(Tenant(id: "acme", name: "Acme", createdAt: 1))
        let reopened = try SQLiteStore(path: path)
        #expect(try await reopened.tenant(id: "acme") != nil)
    }
}
