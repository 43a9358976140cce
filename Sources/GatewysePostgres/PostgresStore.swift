import GatewyseCore
import GatewyseStorage
import Logging
import NIOSSL
import PostgresNIO

/// The multi-replica backend: N gateways share one PostgreSQL (decisions/0007). Same tables and
/// semantics as `SQLiteStore`; where SQLite relies on its single writer, this store takes
/// row locks (`SELECT … FOR UPDATE` before a versioned update) and a transaction-scoped advisory
/// lock per audit chain, so concurrent commits from several processes still make one chain.
/// Every commit that changes a resource notifies `gatewyse_changes` with the new revision in
/// the same transaction (`RevisionWatching`).
///
/// Lifecycle: the connection pool (`PostgresClient`) only works while its `run()` is running;
/// the store starts it in a task it owns when it opens and stops it in `close()` (or when the
/// store is released). `open` also applies the migrations.
public final class PostgresStore: GatewayStore, RevisionWatching {
    /// Where the store connects (`description` hides the password).
    public let url: PostgresURL
    /// Every applied migration, and those this store applied when it opened (`gatewyse migrate`).
    public let migrations: (applied: [String], new: [String])

    let client: PostgresClient
    let logger: Logger
    private let runTask: Task<Void, Never>

    /// Opens a pool to `url` (`postgres://user:pass@host:port/db`, `postgresql://…`, unix sockets
    /// as `?host=/socket/dir`) and migrates the database.
    public static func open(url: String, logger: Logger = Logger(label: "gatewyse.postgres")) async throws -> PostgresStore {
        guard let parsed = PostgresURL.parse(url) else { throw StoreError.unsupportedDatabase(PostgresURL.redacted(url)) }
        return try await open(parsed, logger: logger)
    }

    public static func open(_ url: PostgresURL, logger: Logger = Logger(label: "gatewyse.postgres")) async throws -> PostgresStore {
        let client = PostgresClient(configuration: configuration(url), backgroundLogger: logger)
        let runTask = await startRunning(client)
        do {
            let migrations = try await client.withConnection { try await PostgresMigrations.migrate($0, logger: logger) }
            return PostgresStore(url: url, migrations: migrations, client: client, logger: logger, runTask: runTask)
        } catch {
            runTask.cancel()
            await runTask.value
            throw error
        }
    }

    private init(url: PostgresURL, migrations: (applied: [String], new: [String]), client: PostgresClient, logger: Logger,
                 runTask: Task<Void, Never>) {
        self.url = url
        self.migrations = migrations
        self.client = client
        self.logger = logger
        self.runTask = runTask
    }

    deinit { runTask.cancel() }

    /// Closes the pool: queries after this fail. Waits for its connections to close.
    public func close() async {
        runTask.cancel()
        await runTask.value
    }

    /// Starts the pool's `run()` in a task and returns once that task has begun, so that the
    /// first lease does not find the pool not yet running.
    private static func startRunning(_ client: PostgresClient) async -> Task<Void, Never> {
        let (started, signal) = AsyncStream<Void>.makeStream()
        let task = Task {
            signal.finish()
            await client.run()
        }
        for await _ in started {}
        await Task.yield()
        return task
    }

    static func configuration(_ url: PostgresURL) -> PostgresClient.Configuration {
        var configuration: PostgresClient.Configuration
        if let socket = url.unixSocketPath {
            configuration = .init(unixSocketPath: socket, username: url.username, password: url.password, database: url.database)
        } else {
            let tls: PostgresClient.Configuration.TLS = switch url.tls {
            case .disable: .disable
            case .prefer: .prefer(.makeClientConfiguration())
            case .require: .require(.makeClientConfiguration())
            }
            configuration = .init(host: url.host ?? "localhost", port: url.port, username: url.username, password: url.password,
                                  database: url.database, tls: tls)
        }
        configuration.options.maximumConnections = url.maximumConnections
        configuration.options.minimumConnections = 0
        return configuration
    }

    /// BEGIN, the body, COMMIT; ROLLBACK and the body's own error when it throws (postgres-nio's
    /// `withTransaction` wraps errors, and callers match on `StoreError`).
    static func transaction<Result: Sendable>(_ connection: PostgresConnection, logger: Logger,
                                              _ body: (PostgresConnection) async throws -> Result) async throws -> Result {
        try await connection.query("BEGIN", logger: logger)
        let result: Result
        do {
            result = try await body(connection)
        } catch {
            try? await connection.query("ROLLBACK", logger: logger)
            throw error
        }
        try await connection.query("COMMIT", logger: logger)
        return result
    }

    func transaction<Result: Sendable>(_ body: @escaping @Sendable (PostgresConnection) async throws -> Result) async throws -> Result {
        try await client.withConnection { connection in try await Self.transaction(connection, logger: self.logger, body) }
    }

    // MARK: Resources

    static let columns = "kind, tenant_id, id, unique_key, body, version, created_at, updated_at"

    public func fetch(_ kind: ResourceKind, tenantID: String, id: String) async throws -> StoredResource? {
        try await resources(PostgresQuery(unsafeSQL: "SELECT \(Self.columns) FROM resources WHERE kind = $1 AND tenant_id = $2 AND id = $3",
                                          binds: Self.binds(kind.rawValue, tenantID, id))).first
    }

    public func fetch(_ kind: ResourceKind, uniqueKey: String) async throws -> StoredResource? {
        try await resources(PostgresQuery(unsafeSQL: "SELECT \(Self.columns) FROM resources WHERE kind = $1 AND unique_key = $2",
                                          binds: Self.binds(kind.rawValue, uniqueKey))).first
    }

    public func list(_ kind: ResourceKind, tenantID: String, after cursor: String?, limit: Int) async throws -> [StoredResource] {
        var binds = Self.binds(kind.rawValue, tenantID, cursor ?? "")
        try binds.append(max(0, limit))
        return try await resources(PostgresQuery(unsafeSQL: """
            SELECT \(Self.columns) FROM resources WHERE kind = $1 AND tenant_id = $2 AND id > $3 ORDER BY id LIMIT $4
            """, binds: binds))
    }

    public func listAll(_ kind: ResourceKind) async throws -> [StoredResource] {
        try await resources(PostgresQuery(unsafeSQL: "SELECT \(Self.columns) FROM resources WHERE kind = $1 ORDER BY tenant_id, id",
                                          binds: Self.binds(kind.rawValue)))
    }

    private func resources(_ query: PostgresQuery) async throws -> [StoredResource] {
        var result: [StoredResource] = []
        let rows = try await client.query(query, logger: logger)
        for try await row in rows { result.append(try Self.resource(row)) }
        return result
    }

    static func resource(_ row: PostgresRow) throws -> StoredResource {
        let (kind, tenantID, id, uniqueKey, body, version, createdAt, updatedAt) =
            try row.decode((String, String, String, String?, String, Int64, Int64, Int64).self)
        guard let resourceKind = ResourceKind(rawValue: kind) else { throw StoreError.corrupt("resource kind '\(kind)'") }
        return StoredResource(kind: resourceKind, tenantID: tenantID, id: id, uniqueKey: uniqueKey, body: body, version: version,
                              createdAt: createdAt, updatedAt: updatedAt)
    }

    static func binds(_ values: String...) -> PostgresBindings {
        var binds = PostgresBindings(capacity: values.count)
        for value in values { binds.append(value) }
        return binds
    }

    // MARK: Commit

    public func commit(_ changes: [ResourceChange], audit: [AuditDraft]) async throws -> [AuditEntry] {
        try await transaction { connection in
            for change in changes { try await self.apply(change, connection: connection) }
            if changes.contains(where: \.kind.changesSnapshot) {
                // The row lock on control_revision orders revision bumps by commit, so the
                // notifications replicas receive only grow.
                let rows = try await connection.query("UPDATE control_revision SET revision = revision + 1 WHERE id = 1 RETURNING revision",
                                                      logger: self.logger)
                var revision: Int64 = 0
                for try await value in rows.decode(Int64.self) { revision = value }
                try await connection.query("SELECT pg_notify('gatewyse_changes', \(String(revision)))", logger: self.logger)
            }
            return try await self.append(audit, connection: connection)
        }
    }

    private func apply(_ change: ResourceChange, connection: PostgresConnection) async throws {
        switch change {
        case .insert(let resource):
            try await Self.insert(resource, connection: connection, logger: logger)
        case .update(let resource, let expectedVersion):
            let kind = resource.kind.rawValue
            var version: Int64?
            let rows = try await connection.query("""
                SELECT version FROM resources WHERE kind = \(kind) AND tenant_id = \(resource.tenantID) AND id = \(resource.id) FOR UPDATE
                """, logger: logger)
            for try await value in rows.decode(Int64.self) { version = value }
            guard let version else { throw StoreError.notFound("\(kind) '\(resource.id)'") }
            if let expectedVersion, version != expectedVersion { throw StoreError.conflict("\(kind) '\(resource.id)'") }
            do {
                try await connection.query("""
                    UPDATE resources SET unique_key = \(resource.uniqueKey), body = \(resource.body), version = version + 1,
                        updated_at = \(resource.updatedAt)
                    WHERE kind = \(kind) AND tenant_id = \(resource.tenantID) AND id = \(resource.id)
                    """, logger: logger)
            } catch let error as PSQLError where error.isUniqueViolation {
                throw StoreError.duplicate("\(kind) '\(resource.uniqueKey ?? resource.id)'")
            }
        case .delete(let kind, let tenantID, let id):
            let rows = try await connection.query("""
                DELETE FROM resources WHERE kind = \(kind.rawValue) AND tenant_id = \(tenantID) AND id = \(id) RETURNING 1
                """, logger: logger)
            var deleted = 0
            for try await _ in rows { deleted += 1 }
            if deleted == 0 { throw StoreError.notFound("\(kind.rawValue) '\(id)'") }
        }
    }

    static func insert(_ resource: StoredResource, connection: PostgresConnection, logger: Logger) async throws {
        do {
            try await connection.query("""
                INSERT INTO resources (kind, tenant_id, id, unique_key, body, version, created_at, updated_at)
                VALUES (\(resource.kind.rawValue), \(resource.tenantID), \(resource.id), \(resource.uniqueKey), \(resource.body), 1,
                        \(resource.createdAt), \(resource.updatedAt))
                """, logger: logger)
        } catch let error as PSQLError where error.isUniqueViolation {
            throw StoreError.duplicate("\(resource.kind.rawValue) '\(resource.id)'")
        }
    }

    // MARK: Revision and key use

    public func revision() async throws -> Int64 {
        var revision: Int64 = 0
        for try await value in try await client.query("SELECT revision FROM control_revision WHERE id = 1", logger: logger).decode(Int64.self) {
            revision = value
        }
        return revision
    }

    public func recordKeyUse(_ uses: [KeyUse]) async throws {
        guard !uses.isEmpty else { return }
        try await transaction { connection in
            for use in uses {
                try await connection.query("""
                    INSERT INTO key_uses (tenant_id, key_id, last_used_at) VALUES (\(use.tenantID), \(use.keyID), \(use.time))
                    ON CONFLICT (tenant_id, key_id) DO UPDATE SET last_used_at = GREATEST(key_uses.last_used_at, excluded.last_used_at)
                    """, logger: self.logger)
            }
        }
    }

    public func keyUses(tenantID: String) async throws -> [String: Int64] {
        var uses: [String: Int64] = [:]
        let rows = try await client.query("SELECT key_id, last_used_at FROM key_uses WHERE tenant_id = \(tenantID)", logger: logger)
        for try await (keyID, time) in rows.decode((String, Int64).self) { uses[keyID] = time }
        return uses
    }

    // MARK: Test and operator hooks

    /// Runs raw SQL, one statement (tests: proving the triggers refuse edits).
    public func execute(sql: String) async throws {
        try await client.query(PostgresQuery(unsafeSQL: sql), logger: logger)
    }

    /// Test hook: what the table's owner (or a superuser) could do — disable the append-only
    /// trigger, edit an audit row, enable the trigger again.
    public func tamperWithAudit(chain: String, sequence: Int64, summary: String) async throws {
        try await transaction { connection in
            try await connection.query("ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update_delete", logger: self.logger)
            try await connection.query("UPDATE audit_log SET summary = \(summary) WHERE chain = \(chain) AND sequence = \(sequence)",
                                       logger: self.logger)
            try await connection.query("ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_update_delete", logger: self.logger)
        }
    }

    /// Creates a database on the server `serverURL` points at (tests: one database per test).
    public static func createDatabase(_ name: String, serverURL: PostgresURL, logger: Logger = Logger(label: "gatewyse.postgres")) async throws {
        try await withAdminConnection(serverURL, logger: logger) { connection in
            try await connection.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(quotedIdentifier(name))"), logger: logger)
        }
    }

    /// Drops a database, closing the connections still open to it.
    public static func dropDatabase(_ name: String, serverURL: PostgresURL, logger: Logger = Logger(label: "gatewyse.postgres")) async throws {
        try await withAdminConnection(serverURL, logger: logger) { connection in
            try await connection.query(PostgresQuery(unsafeSQL: "DROP DATABASE IF EXISTS \(quotedIdentifier(name)) WITH (FORCE)"), logger: logger)
        }
    }

    private static func withAdminConnection(_ url: PostgresURL, logger: Logger, _ body: (PostgresConnection) async throws -> Void) async throws {
        let client = PostgresClient(configuration: configuration(url), backgroundLogger: logger)
        let runTask = await startRunning(client)
        do {
            try await client.withConnection { try await body($0) }
        } catch {
            runTask.cancel()
            await runTask.value
            throw error
        }
        runTask.cancel()
        await runTask.value
    }

    static func quotedIdentifier(_ name: String) -> String {
        "\"" + name.split(separator: "\"", omittingEmptySubsequences: false).joined(separator: "\"\"") + "\""
    }
}

extension PSQLError {
    /// SQLSTATE 23505: a primary key or unique index refused the row.
    var isUniqueViolation: Bool { serverInfo?[.sqlState] == "23505" }
}
