import Foundation
import GatewyseCore
@testable import GatewyseEngine
import Logging
import GatewysePostgres
import GatewyseSQLite
import GatewyseStorage
import Testing

/// Not a timed test: a measurement, run by hand (`GATEWYSE_USAGE_BENCH_ROWS=1000000 swift test
/// --filter UsageScaleMeasurement`, with `GATEWYSE_TEST_POSTGRES_URL` for PostgreSQL too). It
/// inserts that many records — three tenants (80/15/5 %), 50 keys, 20 users, 30 days — and
/// prints how long the usage queries take. It asserts only that the answers add up.
@Suite("Usage at scale (measurement)", .serialized, .enabled(if: ProcessInfo.processInfo.environment["GATEWYSE_USAGE_BENCH_ROWS"] != nil))
struct UsageScaleMeasurement {
    static var rows: Int { Int(ProcessInfo.processInfo.environment["GATEWYSE_USAGE_BENCH_ROWS"] ?? "") ?? 1_000_000 }
    static let day: Int64 = 86_400_000
    static let end: Int64 = 1_767_571_200_000 + 30 * day

    static func record(_ i: Int, rng: inout SystemRandomNumberGenerator) -> UsageRecord {
        let pick = Int.random(in: 0..<100, using: &rng)
        let tenant = pick < 80 ? "acme" : pick < 95 ? "beta" : "gamma"
        let key = Int.random(in: 0..<50, using: &rng), user = key % 20
        let failed = Int.random(in: 0..<50, using: &rng) == 0
        return UsageRecord(id: "usg_\(i)", requestID: "req_\(i)", time: end - Int64.random(in: 1...(30 * day), using: &rng), tenantID: tenant,
                           organizationID: "org_\(user % 5)", departmentID: "dept_\(user % 10)", userID: "usr_\(user)", keyID: "key_\(tenant)_\(key)",
                           capability: "chat", requestedModel: "model-\(key % 8)", providerID: "provider-\(key % 4)", upstreamModel: "up-\(key % 8)",
                           inputTokens: Int.random(in: 10...4000, using: &rng), outputTokens: Int.random(in: 1...1000, using: &rng),
                           cachedTokens: 0, reasoningTokens: 0, costNanos: Int64.random(in: 1000...100_000, using: &rng), latencyMs: 300,
                           ttftMs: 80, status: failed ? 502 : 200, errorCode: failed ? "UPSTREAM_ERROR" : nil, attempts: 1)
    }

    static func time<T>(_ label: String, _ body: () async throws -> T) async rethrows -> T {
        // Best of three: the first run also warms the page cache.
        var best = Duration.seconds(1000)
        var result: T?
        for _ in 0..<3 {
            let start = ContinuousClock.now
            result = try await body()
            best = min(best, ContinuousClock.now - start)
        }
        let ms = Double(best.components.seconds) * 1000 + Double(best.components.attoseconds) / 1e15
        print("usage-bench \(label): \(String(format: "%.1f", ms)) ms")
        return result!
    }

    static func measure(_ name: String, _ store: any GatewayStore) async throws {
        var rng = SystemRandomNumberGenerator()
        let batch = 5000
        let start = ContinuousClock.now
        var i = 0
        while i < rows {
            let records = (i..<min(i + batch, rows)).map { record($0, rng: &rng) }
            try await store.appendUsage(records)
            i += records.count
        }
        print("usage-bench \(name): inserted \(rows) rows in batches of \(batch) in \(ContinuousClock.now - start)")
        let month = UsageReportQuery(tenants: .one("acme"), from: end - 30 * day, to: end, interval: .day, groupBy: .model)
        let byDay = try await time("\(name) report acme 30 days by day × model") { try await store.usageReport(month) }
        #expect(byDay.reduce(0) { $0 + $1.requests } > Int64(rows) / 2)
        _ = try await time("\(name) report acme last 24 h by hour × apiKey") {
            try await store.usageReport(UsageReportQuery(tenants: .one("acme"), from: end - day, to: end, interval: .hour, groupBy: .apiKey))
        }
        let everyone = try await time("\(name) report all tenants 30 days by week × tenant") {
            try await store.usageReport(UsageReportQuery(tenants: .all, from: end - 30 * day, to: end, interval: .week, groupBy: .tenant))
        }
        #expect(everyone.reduce(0) { $0 + $1.requests } == Int64(rows))
        _ = try await time("\(name) /v1/usage one key 30 days by day") {
            try await store.usageReport(UsageReportQuery(tenants: .one("acme"), from: end - 30 * day, to: end, interval: .day, keyID: "key_acme_7"))
        }
        let page = try await time("\(name) requests acme newest page (51)") {
            try await store.recentRequests(RecentRequestsQuery(tenants: .one("acme"), limit: 51))
        }
        _ = try await time("\(name) requests acme page after 10,000 newest") {
            try await store.recentRequests(RecentRequestsQuery(tenants: .one("acme"), before: .init(time: page.last!.time - 10_000 * 3, id: ""), limit: 51))
        }
        _ = try await time("\(name) requests acme status=502 page") {
            try await store.recentRequests(RecentRequestsQuery(tenants: .one("acme"), status: 502, limit: 51))
        }
        _ = try await time("\(name) requests acme one key page") {
            try await store.recentRequests(RecentRequestsQuery(tenants: .one("acme"), keyID: "key_acme_3", limit: 51))
        }
        let tenantMonth = try await time("\(name) totals tenant acme 30 days") {
            try await store.usageTotals(tenantID: "acme", scope: .tenant, scopeID: "acme", since: end - 30 * day)
        }
        #expect(tenantMonth.requests > Int64(rows) / 2)
        _ = try await time("\(name) totals tenant acme today") {
            try await store.usageTotals(tenantID: "acme", scope: .tenant, scopeID: "acme", since: end - day)
        }
        _ = try await time("\(name) totals apiKey 30 days") {
            try await store.usageTotals(tenantID: "acme", scope: .apiKey, scopeID: "key_acme_7", since: end - 30 * day)
        }
        _ = try await time("\(name) totals user 30 days") {
            try await store.usageTotals(tenantID: "acme", scope: .user, scopeID: "usr_7", since: end - 30 * day)
        }
        _ = try await time("\(name) totals organization 30 days") {
            try await store.usageTotals(tenantID: "acme", scope: .organization, scopeID: "org_2", since: end - 30 * day)
        }
        _ = try await time("\(name) totals department today") {
            try await store.usageTotals(tenantID: "acme", scope: .department, scopeID: "dept_3", since: end - day)
        }
    }

    @Test("the completion observer's cost per request: record, line, one write(2), queue")
    func observerCost() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("gw-usage-observer-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let recorder = UsageRecorder(capacity: .max, journalDirectory: directory)
        try await recorder.start(replayingInto: InMemoryStore(), logger: Logger(label: "bench"))
        var usage = Usage(promptTokens: 1200, completionTokens: 300)
        usage.cachedPromptTokens = 200
        let event = CompletionEvent(requestID: "req_0123456789abcdef01234567", endpoint: .chatCompletions, principal: UsageRecorderTests.principal,
                                    requestedModel: "gpt-4o-mini", outcome: .answered, providerID: "openai", upstreamModel: "gpt-4o-mini-2024-07-18",
                                    attempts: 1, usage: usage, usageEstimated: false, cost: Money(nanos: 360_000), cacheStatus: .notConsulted,
                                    timeToFirstByte: .milliseconds(80), duration: .milliseconds(900))
        let count = 200_000
        for round in 0..<3 {
            let start = ContinuousClock.now
            for _ in 0..<count { recorder.requestCompleted(event) }
            let elapsed = ContinuousClock.now - start
            let ns = (Double(elapsed.components.seconds) * 1e9 + Double(elapsed.components.attoseconds) / 1e9) / Double(count)
            print("usage-bench observer round \(round): \(String(format: "%.2f", ns / 1000)) µs per request (\(count) requests, journal on \(directory))")
            _ = try await recorder.flush(to: InMemoryStore())
        }
        #expect(recorder.depth == 0)
        recorder.close()
    }

    @Test("SQLite file")
    func sqlite() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("gw-usage-bench-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try await Self.measure("sqlite", try SQLiteStore(path: directory + "/db.sqlite"))
    }

    @Test("PostgreSQL", .enabled(if: StoreContractTests.Backend.postgresURL != nil))
    func postgres() async throws {
        try await StoreContractTests.Backend.postgres.withStore { store in try await Self.measure("postgres", store) }
    }
}
