import Foundation
import GatewyseCore
import GatewyseEngine
import GatewysePostgres
import GatewyseSQLite
import GatewyseStorage
import Synchronization
import Testing

/// What only one backend has: SQLite's carried-over tables, PostgreSQL's migrations and
/// change notifications, URL parsing.
extension StoreContractTests {
    @Test("SQLite at migration 0002 with tenants, keys and routes carries them into resources")
    func legacyMigration() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("gw-\(UUID().uuidString)/db.sqlite").path
        let old = try SQLiteStore(path: path, upTo: "0002_routes")
        #expect(try old.appliedMigrations() == ["0001_tenants_and_api_keys", "0002_routes"])
        let digest = String(repeating: "ab", count: 32)
        try old.execute(sql: """
            INSERT INTO tenants (id, name, created_at) VALUES ('acme', 'Acme', 11), ('beta', 'Beta', 12);
            INSERT INTO api_keys (id, tenant_id, name, prefix, digest, created_at, expires_at, revoked_at, source)
                VALUES ('key_1', 'acme', 'laptop', 'aigw_sk_12345678', '\(digest)', 20, NULL, 25, 'created'),
                       ('key_2', 'beta', 'ci', 'aigw_sk_87654321', '\(String(repeating: "cd", count: 32))', 21, 99, NULL, 'config');
            INSERT INTO routes (tenant_id, capability, alias, strategy, targets, fallbacks, enabled, updated_at)
                VALUES ('', 'chat', 'fast', 'failover', '[{"provider":"groq","model":"m","priority":1,"weight":2}]', 'slow', 1, 30),
                       ('acme', 'chat', 'smart', 'priority', '[{"provider":"openai","model":"x"}]', '', 0, 31);
            """)
        let store = try SQLiteStore(path: path)
        #expect(try store.appliedMigrations() == ["0001_tenants_and_api_keys", "0002_routes", "0003_control_plane", "0004_usage_records", "0005_usage_scope_indexes",
                                                   "0006_usage_records_by_tenant_time", "0007_usage_records_without_time_index",
                                                   "0008_usage_records_without_rowid", "0009_usage_batches"])
        #expect(try await store.allTenants() == [Tenant(id: "acme", name: "Acme", createdAt: 11), Tenant(id: "beta", name: "Beta", createdAt: 12)])
        let keys = try await store.allKeys()
        #expect(keys.map(\.id) == ["key_1", "key_2"])
        #expect(keys[0].tenantID == "acme" && keys[0].revokedAt == 25 && keys[0].digest == [UInt8](hexString: digest))
        #expect(keys[1].source == .config && keys[1].expiresAt == 99)
        #expect(try await store.find(APIKeyRecord.self, uniqueKey: keys[0].stored(createdAt: 0, updatedAt: 0).uniqueKey ?? "")?.id == "key_1")
        let global = try await store.routes(tenantID: nil)
        #expect(global.map(\.alias) == ["fast"] && global.first?.fallbacks == ["slow"] && global.first?.targets.first?.weight == 2)
        let acme = try await store.routes(tenantID: "acme")
        #expect(acme.map(\.alias) == ["smart"] && acme.first?.enabled == false)
    }

    @Test("SQLite's usage records keep their rows and columns through migrations 0006 and 0008, are read beside the batches of 0009, and a replayed record is still taken once")
    func usageRecordsMigration() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("gw-\(UUID().uuidString)/db.sqlite").path
        let old = try SQLiteStore(path: path, upTo: "0005_usage_scope_indexes")
        let record = UsageRecord(id: "usg_1", requestID: "req_1", time: 1_767_571_200_000, tenantID: "acme", keyID: "key_1", capability: "chat",
                                 requestedModel: "fast", providerID: "mock", upstreamModel: "m", inputTokens: 3, outputTokens: 4, costNanos: 70,
                                 latencyMs: 5, status: 200, attempts: 1)
        // The row as versions before 0009 wrote it (their rollup row too).
        try old.execute(sql: """
            INSERT INTO usage_records VALUES ('usg_1', 'req_1', 1767571200000, 'acme', NULL, NULL, NULL, 'key_1', 'chat', 'fast', 'mock', 'm',
                                              3, 4, 0, 0, 0, 70, 5, NULL, 200, NULL, 1, 0, 0, 'answered');
            INSERT INTO usage_hourly SELECT tenant_id, time, key_id, '', '', '', provider_id, requested_model, 1, 0, 3, 4, 0, 0, 70, 0, 1, 7, 70
            FROM usage_records;
            """)
        let store = try SQLiteStore(path: path)
        #expect(try store.appliedMigrations().last == "0009_usage_batches")
        // One B-tree keyed by (tenant, time, id): no rowid, no separate index (decisions/0033).
        let definition = try store.fetchStrings(sql: "SELECT sql FROM sqlite_master WHERE tbl_name = 'usage_records' ORDER BY type DESC")
        #expect(definition.count == 1)
        #expect(definition.first?.hasSuffix("PRIMARY KEY (tenant_id, time, id)) WITHOUT ROWID") == true)
        #expect(try await store.recentRequests(RecentRequestsQuery(tenants: .all, limit: 10)) == [record])
        var second = record
        second.id = "usg_2"
        try await store.appendUsage([record, second])
        #expect(try await store.recentRequests(RecentRequestsQuery(tenants: .all, limit: 10)).map(\.id).sorted() == ["usg_1", "usg_2"])
        #expect(try await store.recentRequests(RecentRequestsQuery(tenants: .one("acme"), limit: 1)).map(\.id) == ["usg_2"])
        let totals = try await store.usageTotals(tenantID: "acme", scope: .apiKey, scopeID: "key_1", since: 0)
        #expect(totals.requests == 2 && totals.tokens == 14 && totals.costNanos == 140)
        // A partial hour: both tables' rows, each once.
        let edge = try await store.usageTotals(tenantID: "acme", scope: .tenant, scopeID: "acme", since: record.time - 1)
        #expect(edge == UsageTotals(requests: 2, tokens: 14, costNanos: 140))
        let report = try await store.usageReport(UsageReportQuery(tenants: .all, from: record.time - 1, to: record.time + 1, interval: .hour))
        #expect(report.map(\.requests) == [2])
        // The new record went to a batch, the old row stayed where it was.
        #expect(try store.fetchStrings(sql: "SELECT id FROM usage_records") == ["usg_1"])
        #expect(try store.fetchStrings(sql: "SELECT records || ' ' || tenant_id FROM usage_batches") == ["1 acme"])
    }

    @Test("PostgreSQL applies numbered migrations once, also when two processes open at once", arguments: Backend.shared.filter { $0 == .postgres })
    func postgresMigrations(backend: Backend) async throws {
        try await backend.withDatabase { open in
            async let a = open()
            async let b = open()
            let (first, second) = try await (a, b)
            let migrations = [first, second].compactMap { ($0 as? PostgresStore)?.migrations }
            let all = ["0001_control_plane", "0002_usage_records", "0003_replica_counters", "0004_usage_scope_indexes"]
            #expect(migrations.map(\.applied) == [all, all])
            #expect(migrations.map(\.new.count).sorted() == [0, all.count])
            let third = try #require(try await open() as? PostgresStore)
            #expect(third.migrations.new.isEmpty)
        }
    }

    @Test("a commit through one PostgreSQL store reaches a revision watcher on another within 2 s", arguments: Backend.shared.filter { $0 == .postgres })
    func revisionWatch(backend: Backend) async throws {
        try await backend.withDatabase { open in
            let watcher = try #require(try await open() as? RevisionWatching)
            let writer = try await open()
            let seen = Mutex<[Int64]>([])
            let task = Task { try await watcher.watchRevisions { revision in seen.withLock { $0.append(revision) } } }
            defer { task.cancel() }
            // The watch reports the current revision once it listens.
            try await Self.waitUntil { seen.withLock { $0 } == [0] }
            for i in 1...3 { try await writer.commit([.insert(Self.doc(tenant: "acme", id: "u\(i)"))]) }
            try await writer.append(audit: Self.draft("acme"))
            let arrived = try await Self.waitUntil { seen.withLock { $0.last } == 3 }
            #expect(arrived)
            #expect(seen.withLock { $0 } == [0, 1, 2, 3])
            task.cancel()
            _ = try? await task.value
        }
    }

    /// Polls `condition` every 20 ms for up to `seconds`; false (and an issue) if it never held.
    @discardableResult
    static func waitUntil(seconds: Double = 2, _ condition: () -> Bool) async throws -> Bool {
        let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
        while ContinuousClock.now < deadline {
            if condition() { return true }
            try await Task.sleep(for: .milliseconds(20))
        }
        Issue.record("condition not met within \(seconds) s")
        return false
    }

    @Test("PostgreSQL URLs: TCP, unix sockets, TLS defaults, and no password in what is printed")
    func postgresURLs() throws {
        let tcp = try #require(PostgresURL.parse("postgres://gw:p%40ss@db.internal:6543/gateway?sslmode=require"))
        #expect(tcp.username == "gw" && tcp.password == "p@ss" && tcp.host == "db.internal" && tcp.port == 6543)
        #expect(tcp.database == "gateway" && tcp.tls == .require && tcp.unixSocketPath == nil)
        #expect(PostgresURL.parse("postgresql://gw@10.0.0.5/gateway")?.tls == .prefer)
        #expect(PostgresURL.parse("postgres://gw:x@localhost/gateway")?.tls == .disable)
        #expect(PostgresURL.parse("postgres://gw:x@127.0.0.1:5433/gateway")?.port == 5433)
        let socket = try #require(PostgresURL.parse("postgres://gw@/gateway?host=/run/postgresql"))
        #expect(socket.unixSocketPath == "/run/postgresql/.s.PGSQL.5432" && socket.host == nil && socket.tls == .disable)
        #expect(PostgresURL.parse("postgres:///gateway?host=/tmp&port=6000")?.unixSocketPath == "/tmp/.s.PGSQL.6000")
        #expect(PostgresURL.parse("postgres://gw@host:notaport/db") == nil)
        #expect(PostgresURL.parse("mysql://gw@host/db") == nil)
        let secret = "postgres://gw:hunter2@db:5432/gateway?password=hunter3"
        #expect(!PostgresURL.redacted(secret).contains("hunter"))
        #expect(PostgresURL.redacted(secret) == "postgres://gw:***@db:5432/gateway?password=***")
        #expect(!DatabaseLocation.parse(secret)!.description.contains("hunter"))
        #expect(DatabaseLocation.parse(secret) == .postgres(url: secret))
        #expect(!tcp.description.contains("p@ss"))
        #expect(throws: ConfigurationError.self) { try ConfigurationValidator.load(yaml: "database: postgres://gw:hunter2@db:notaport/x", environment: [:]) }
        do {
            _ = try ConfigurationValidator.load(yaml: "database: postgres://gw:hunter2@db:notaport/x", environment: [:])
        } catch {
            #expect(!"\(error)".contains("hunter2"))
        }
        let loaded = try ConfigurationValidator.load(yaml: "database: \(secret)", environment: [:])
        #expect(loaded.database == .postgres(url: secret))
    }
}
