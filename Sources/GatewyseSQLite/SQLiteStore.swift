import Foundation
import GRDB
import GatewyseCore
import GatewyseStorage

/// The embedded default backend (routes: `SQLiteStore+Routes.swift`): one SQLite file in WAL mode through GRDB's `DatabasePool`
/// (concurrent readers, one writer). SQL sits next to the method that runs it.
public final class SQLiteStore: GatewayStore {
    let database: any DatabaseWriter

    /// Opens (creating folders and file as needed) and migrates the database at `path`;
    /// `":memory:"` gives a private in-memory database.
    public init(path: String) throws {
        if path == ":memory:" {
            database = try DatabaseQueue()
        } else {
            let directory = URL(fileURLWithPath: path).deletingLastPathComponent()
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            var configuration = Configuration()
            configuration.busyMode = .timeout(5)
            database = try DatabasePool(path: path, configuration: configuration)
        }
        try SQLiteMigrations.migrator.migrate(database)
    }

    /// Applied migration identifiers, in order.
    public func appliedMigrations() throws -> [String] {
        try database.read { try SQLiteMigrations.migrator.appliedMigrations($0) }
    }

    // MARK: TenantStore

    public func upsertTenant(_ tenant: Tenant) async throws {
        try await database.write { db in
            try db.execute(sql: """
                INSERT INTO tenants (id, name, created_at) VALUES (?, ?, ?)
                ON CONFLICT(id) DO UPDATE SET name = excluded.name
                """, arguments: [tenant.id, tenant.name, tenant.createdAt])
        }
    }

    public func tenant(id: String) async throws -> Tenant? {
        try await database.read { db in
            try Row.fetchOne(db, sql: "SELECT id, name, created_at FROM tenants WHERE id = ?", arguments: [id]).map(Self.tenant)
        }
    }

    public func allTenants() async throws -> [Tenant] {
        try await database.read { db in
            try Row.fetchAll(db, sql: "SELECT id, name, created_at FROM tenants ORDER BY id").map(Self.tenant)
        }
    }

    static func tenant(_ row: Row) -> Tenant {
        Tenant(id: row["id"], name: row["name"], createdAt: row["created_at"])
    }

    // MARK: APIKeyStore

    static let keyColumns = "id, tenant_id, name, prefix, digest, created_at, expires_at, revoked_at, source"

    public func insertKey(_ key: APIKeyRecord) async throws {
        try await database.write { db in
            guard try Bool.fetchOne(db, sql: "SELECT 1 FROM tenants WHERE id = ?", arguments: [key.tenantID]) != nil else {
                throw StoreError.unknownTenant(key.tenantID)
            }
            do {
                try db.execute(sql: "INSERT INTO api_keys (\(Self.keyColumns)) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", arguments: Self.arguments(key))
            } catch let error as DatabaseError where error.resultCode == .SQLITE_CONSTRAINT {
                throw StoreError.duplicate("API key")
            }
        }
    }

    public func upsertConfigKey(_ key: APIKeyRecord) async throws {
        try await database.write { db in
            guard try Bool.fetchOne(db, sql: "SELECT 1 FROM tenants WHERE id = ?", arguments: [key.tenantID]) != nil else {
                throw StoreError.unknownTenant(key.tenantID)
            }
            try db.execute(sql: """
                UPDATE api_keys SET digest = ?, prefix = ?, revoked_at = NULL
                WHERE tenant_id = ? AND name = ? AND source = 'config'
                """, arguments: [key.digest.hexString, key.prefix, key.tenantID, key.name])
            if db.changesCount == 0 {
                try db.execute(sql: "INSERT INTO api_keys (\(Self.keyColumns)) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", arguments: Self.arguments(key))
            }
        }
    }

    public func keys(tenantID: String) async throws -> [APIKeyRecord] {
        try await database.read { db in
            try Row.fetchAll(db, sql: "SELECT \(Self.keyColumns) FROM api_keys WHERE tenant_id = ? ORDER BY created_at, id",
                             arguments: [tenantID]).map(Self.key)
        }
    }

    public func allKeys() async throws -> [APIKeyRecord] {
        try await database.read { db in
            try Row.fetchAll(db, sql: "SELECT \(Self.keyColumns) FROM api_keys ORDER BY created_at, id").map(Self.key)
        }
    }

    public func revokeKey(id: String, tenantID: String, at time: Int64) async throws -> Bool {
        try await database.write { db in
            try db.execute(sql: "UPDATE api_keys SET revoked_at = ? WHERE id = ? AND tenant_id = ? AND revoked_at IS NULL",
                           arguments: [time, id, tenantID])
            return db.changesCount > 0
        }
    }

    static func arguments(_ key: APIKeyRecord) -> StatementArguments {
        [key.id, key.tenantID, key.name, key.prefix, key.digest.hexString, key.createdAt, key.expiresAt, key.revokedAt, key.source.rawValue]
    }

    static func key(_ row: Row) -> APIKeyRecord {
        APIKeyRecord(id: row["id"], tenantID: row["tenant_id"], name: row["name"], prefix: row["prefix"],
                     digest: [UInt8](hexString: row["digest"]) ?? [], createdAt: row["created_at"],
                     expiresAt: row["expires_at"], revokedAt: row["revoked_at"],
                     source: APIKeyRecord.Source(rawValue: row["source"]) ?? .created)
    }
}
