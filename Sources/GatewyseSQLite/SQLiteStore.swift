import CSQLiteSetup
import Foundation
import GRDB
import GatewyseCore
import GatewyseStorage

/// The embedded default backend: one SQLite file in WAL mode through GRDB's `DatabasePool`
/// (concurrent readers, one writer). SQL sits next to the method that runs it. SQLite's single
/// writer serializes commits, so reading a chain's head and appending to it in one write
/// transaction keeps every audit chain linear.
public final class SQLiteStore: GatewayStore {
    let database: any DatabaseWriter
    /// The latest time of the usage rows earlier versions wrote (`legacyUsageEnd(_:)`).
    let legacyUsageEnd: Int64?

    /// Opens (creating folders and file as needed) and migrates the database at `path`;
    /// `":memory:"` gives a private in-memory database.
    public convenience init(path: String) throws {
        try self.init(path: path, upTo: nil)
    }

    /// Opens the database and applies migrations up to and including `lastMigration` (nil: all).
    /// Tests use a partial migration to build databases as older versions left them.
    public init(path: String, upTo lastMigration: String?) throws {
        database = try Self.openDatabase(path: path)
        if let lastMigration {
            try SQLiteMigrations.migrator.migrate(database, upTo: lastMigration)
        } else {
            try SQLiteMigrations.migrator.migrate(database)
        }
        legacyUsageEnd = try database.read(Self.legacyUsageEnd)
    }

    /// Opens and migrates the database at `path` (`gatewyse migrate`): every applied migration,
    /// and those this call applied.
    public static func migrate(path: String) throws -> (applied: [String], new: [String]) {
        let database = try openDatabase(path: path)
        let before = try database.read { try SQLiteMigrations.migrator.appliedMigrations($0) }
        try SQLiteMigrations.migrator.migrate(database)
        let after = try database.read { try SQLiteMigrations.migrator.appliedMigrations($0) }
        return (after, after.filter { !before.contains($0) })
    }

    /// SQLite's process-wide settings, made once before the first connection opens
    /// (decisions/0031): multi-thread mode and no memory statistics. Nonzero when SQLite was
    /// already initialized by someone else; it then stays serialized, which is slower, not wrong.
    static let processSetup: Int32 = gatewyse_sqlite_configure()

    private static func openDatabase(path: String) throws -> any DatabaseWriter {
        _ = processSetup
        if path == ":memory:" { return try DatabaseQueue() }
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent()
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var configuration = Configuration()
        configuration.busyMode = .timeout(5)
        return try DatabasePool(path: path, configuration: configuration)
    }

    /// Applied migration identifiers, in order.
    public func appliedMigrations() throws -> [String] {
        try database.read { try SQLiteMigrations.migrator.appliedMigrations($0) }
    }

    // MARK: Resources

    static let columns = "kind, tenant_id, id, unique_key, body, version, created_at, updated_at"

    public func fetch(_ kind: ResourceKind, tenantID: String, id: String) async throws -> StoredResource? {
        try await database.read { db in
            try Row.fetchOne(db, sql: "SELECT \(Self.columns) FROM resources WHERE kind = ? AND tenant_id = ? AND id = ?",
                             arguments: [kind.rawValue, tenantID, id]).map(Self.resource)
        }
    }

    public func fetch(_ kind: ResourceKind, uniqueKey: String) async throws -> StoredResource? {
        try await database.read { db in
            try Row.fetchOne(db, sql: "SELECT \(Self.columns) FROM resources WHERE kind = ? AND unique_key = ?",
                             arguments: [kind.rawValue, uniqueKey]).map(Self.resource)
        }
    }

    public func list(_ kind: ResourceKind, tenantID: String, after cursor: String?, limit: Int) async throws -> [StoredResource] {
        try await database.read { db in
            try Row.fetchAll(db, sql: """
                SELECT \(Self.columns) FROM resources WHERE kind = ? AND tenant_id = ? AND id > ? ORDER BY id LIMIT ?
                """, arguments: [kind.rawValue, tenantID, cursor ?? "", max(0, limit)]).map(Self.resource)
        }
    }

    public func listAll(_ kind: ResourceKind) async throws -> [StoredResource] {
        try await database.read { db in
            try Row.fetchAll(db, sql: "SELECT \(Self.columns) FROM resources WHERE kind = ? ORDER BY tenant_id, id",
                             arguments: [kind.rawValue]).map(Self.resource)
        }
    }

    public func commit(_ changes: [ResourceChange], audit: [AuditDraft]) async throws -> [AuditEntry] {
        try await database.write { db in
            for change in changes { try Self.apply(change, db: db) }
            if changes.contains(where: \.kind.changesSnapshot) {
                try db.execute(sql: "UPDATE control_revision SET revision = revision + 1 WHERE id = 1")
            }
            return try audit.map { try Self.append($0, db: db) }
        }
    }

    static func apply(_ change: ResourceChange, db: Database) throws {
        switch change {
        case .insert(let resource):
            try insert(resource, db: db)
        case .update(let resource, let expectedVersion):
            guard let version = try Int64.fetchOne(db, sql: "SELECT version FROM resources WHERE kind = ? AND tenant_id = ? AND id = ?",
                                                   arguments: [resource.kind.rawValue, resource.tenantID, resource.id])
            else { throw StoreError.notFound("\(resource.kind.rawValue) '\(resource.id)'") }
            if let expectedVersion, version != expectedVersion { throw StoreError.conflict("\(resource.kind.rawValue) '\(resource.id)'") }
            do {
                try db.execute(sql: """
                    UPDATE resources SET unique_key = ?, body = ?, version = version + 1, updated_at = ?
                    WHERE kind = ? AND tenant_id = ? AND id = ?
                    """, arguments: [resource.uniqueKey, resource.body, resource.updatedAt, resource.kind.rawValue, resource.tenantID, resource.id])
            } catch let error as DatabaseError where error.resultCode == .SQLITE_CONSTRAINT {
                throw StoreError.duplicate("\(resource.kind.rawValue) '\(resource.uniqueKey ?? resource.id)'")
            }
        case .delete(let kind, let tenantID, let id):
            try db.execute(sql: "DELETE FROM resources WHERE kind = ? AND tenant_id = ? AND id = ?", arguments: [kind.rawValue, tenantID, id])
            if db.changesCount == 0 { throw StoreError.notFound("\(kind.rawValue) '\(id)'") }
        }
    }

    static func insert(_ resource: StoredResource, db: Database) throws {
        do {
            try db.execute(sql: "INSERT INTO resources (\(columns)) VALUES (?, ?, ?, ?, ?, 1, ?, ?)", arguments: [
                resource.kind.rawValue, resource.tenantID, resource.id, resource.uniqueKey, resource.body, resource.createdAt, resource.updatedAt,
            ])
        } catch let error as DatabaseError where error.resultCode == .SQLITE_CONSTRAINT {
            throw StoreError.duplicate("\(resource.kind.rawValue) '\(resource.id)'")
        }
    }

    static func resource(_ row: Row) -> StoredResource {
        StoredResource(kind: ResourceKind(rawValue: row["kind"]) ?? .tenant, tenantID: row["tenant_id"], id: row["id"],
                       uniqueKey: row["unique_key"], body: row["body"], version: row["version"],
                       createdAt: row["created_at"], updatedAt: row["updated_at"])
    }

    // MARK: Audit

    static let auditColumns = "chain, sequence, time, tenant_id, actor_id, actor_type, action, target_type, target_id, summary, previous_hash, hash"

    static func append(_ draft: AuditDraft, db: Database) throws -> AuditEntry {
        let head = try Row.fetchOne(db, sql: "SELECT sequence, hash FROM audit_log WHERE chain = ? ORDER BY sequence DESC LIMIT 1",
                                    arguments: [draft.chain])
        let entry = AuditEntry(draft: draft, after: head.map { (sequence: $0["sequence"], hash: $0["hash"]) })
        try db.execute(sql: "INSERT INTO audit_log (\(auditColumns)) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", arguments: [
            entry.chain, entry.sequence, entry.time, entry.tenantID, entry.actorID, entry.actorType, entry.action,
            entry.targetType, entry.targetID, entry.summary, entry.previousHash, entry.hash,
        ])
        return entry
    }

    public func auditEntries(chain: String, filter: AuditFilter, afterSequence: Int64?, limit: Int) async throws -> [AuditEntry] {
        try await database.read { db in
            var sql = "SELECT \(Self.auditColumns) FROM audit_log WHERE chain = ? AND sequence > ?"
            var arguments: StatementArguments = [chain, afterSequence ?? 0]
            if let from = filter.from { sql += " AND time >= ?"; _ = arguments.append(contentsOf: [from]) }
            if let to = filter.to { sql += " AND time < ?"; _ = arguments.append(contentsOf: [to]) }
            if let action = filter.action { sql += " AND action = ?"; _ = arguments.append(contentsOf: [action]) }
            if let actor = filter.actorID { sql += " AND actor_id = ?"; _ = arguments.append(contentsOf: [actor]) }
            if let target = filter.targetType { sql += " AND target_type = ?"; _ = arguments.append(contentsOf: [target]) }
            sql += " ORDER BY sequence LIMIT ?"
            _ = arguments.append(contentsOf: [max(0, limit)])
            return try Row.fetchAll(db, sql: sql, arguments: arguments).map { row in
                AuditEntry(chain: row["chain"], sequence: row["sequence"], time: row["time"], tenantID: row["tenant_id"],
                           actorID: row["actor_id"], actorType: row["actor_type"], action: row["action"], targetType: row["target_type"],
                           targetID: row["target_id"], summary: row["summary"], previousHash: row["previous_hash"], hash: row["hash"])
            }
        }
    }

    // MARK: Revision and key use

    public func revision() async throws -> Int64 {
        try await database.read { db in try Int64.fetchOne(db, sql: "SELECT revision FROM control_revision WHERE id = 1") ?? 0 }
    }

    public func recordKeyUse(_ uses: [KeyUse]) async throws {
        guard !uses.isEmpty else { return }
        try await database.write { db in
            for use in uses {
                try db.execute(sql: """
                    INSERT INTO key_uses (tenant_id, key_id, last_used_at) VALUES (?, ?, ?)
                    ON CONFLICT(tenant_id, key_id) DO UPDATE SET last_used_at = max(last_used_at, excluded.last_used_at)
                    """, arguments: [use.tenantID, use.keyID, use.time])
            }
        }
    }

    public func keyUses(tenantID: String) async throws -> [String: Int64] {
        try await database.read { db in
            var uses: [String: Int64] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT key_id, last_used_at FROM key_uses WHERE tenant_id = ?", arguments: [tenantID]) {
                uses[row["key_id"]] = row["last_used_at"]
            }
            return uses
        }
    }

    /// Test hook: what a tamperer with the database file would do — drop the append-only
    /// trigger, edit an audit row, put the trigger back.
    public func tamperWithAudit(chain: String, sequence: Int64, summary: String) throws {
        try database.write { db in
            try db.execute(sql: "DROP TRIGGER audit_log_no_update")
            try db.execute(sql: "UPDATE audit_log SET summary = ? WHERE chain = ? AND sequence = ?", arguments: [summary, chain, sequence])
            try db.execute(sql: """
                CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
                    BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
                """)
        }
    }

    /// Runs raw SQL (tests: proving the triggers refuse edits).
    public func execute(sql: String) throws {
        try database.write { db in try db.execute(sql: sql) }
    }

    /// The first column of a raw query's rows (tests: reading the schema a migration left).
    public func fetchStrings(sql: String) throws -> [String] {
        try database.read { db in try String.fetchAll(db, sql: sql) }
    }
}
