import Foundation
import GatewyseSQLite
@testable import GatewyseStorage
import Testing

/// SQLite's usage batches (decisions/0035): one row per tenant and flush holding the records'
/// journal lines, split past `maximumRecords`, deduplicated against the batches they overlap
/// and readable with nothing but a JSON parser.
@Suite("SQLite usage batches")
struct SQLiteUsageBatchTests {
    static func store() throws -> SQLiteStore {
        try SQLiteStore(path: FileManager.default.temporaryDirectory.appendingPathComponent("gw-\(UUID().uuidString)/db.sqlite").path)
    }

    static func usage(_ id: String, tenant: String = "acme", at time: Int64) -> UsageRecord {
        StoreContractTests.usage(id, tenant: tenant, at: time)
    }

    @Test("a flush of two tenants is one row each, with its span and count; the body is the journal lines, in order")
    func oneRowPerTenant() async throws {
        let store = try Self.store()
        let t = StoreContractTests.monday
        let records = [Self.usage("a1", at: t + 5), Self.usage("b1", tenant: "beta", at: t + 1), Self.usage("a2", at: t + 3),
                       Self.usage("a3", at: t + 9)]
        try await store.appendUsage(records)
        let rows = try store.fetchStrings(sql: "SELECT tenant_id || ' ' || first_time || ' ' || last_time || ' ' || records FROM usage_batches ORDER BY tenant_id")
        #expect(rows == ["acme \(t + 3) \(t + 9) 3", "beta \(t + 1) \(t + 1) 1"])
        let body = try #require(try store.fetchStrings(sql: "SELECT CAST(body AS TEXT) FROM usage_batches WHERE tenant_id = 'acme'").first)
        var expected: [UInt8] = []
        for record in [records[0], records[2], records[3]] { UsageJournalLine.encode(record, into: &expected) }
        #expect(Array(body.utf8) == expected)
    }

    @Test("past maximumRecords a tenant's records take several rows; all are read back, newest first, and counted once")
    func largeFlushSplits() async throws {
        let store = try Self.store()
        let t = StoreContractTests.monday
        let records = (0..<5000).map { Self.usage("big\(String(format: "%05d", $0))", at: t + Int64($0)) }
        try await store.appendUsage(records)
        #expect(try store.fetchStrings(sql: "SELECT records FROM usage_batches ORDER BY first_time") == ["4096", "904"])
        let newest = try await store.recentRequests(RecentRequestsQuery(tenants: .one("acme"), limit: 3))
        #expect(newest.map(\.id) == ["big04999", "big04998", "big04997"])
        // A page that crosses from one row into the other.
        let page = try await store.recentRequests(RecentRequestsQuery(tenants: .all, before: .init(time: t + 905, id: "big00905"), limit: 3))
        #expect(page.map(\.id) == ["big00904", "big00903", "big00902"])
        // Replayed whole, then with a new record among the old: only the new one is added.
        try await store.appendUsage(records)
        try await store.appendUsage(Array(records[4990...]) + [Self.usage("new", at: t + 4995)])
        #expect(try await store.usageTotals(tenantID: "acme", scope: .tenant, scopeID: "acme", since: t).requests == 5001)
        let report = try await store.usageReport(UsageReportQuery(tenants: .one("acme"), from: t + 1, to: t + 6000, interval: .hour))
        #expect(report.map(\.requests) == [5000])
    }

    @Test("flushes whose records interleave in time by a few milliseconds keep every record once")
    func interleavedFlushes() async throws {
        let store = try Self.store()
        let t = StoreContractTests.monday
        // Each flush's records end a little after the next flush's begin, as records completed
        // on different event loops are queued.
        for flush in 0..<10 {
            let base = t + Int64(flush) * 100
            try await store.appendUsage((0..<120).map { Self.usage("f\(flush)-\($0)", at: base + Int64($0)) })
        }
        #expect(try await store.usageTotals(tenantID: "acme", scope: .tenant, scopeID: "acme", since: t).requests == 1200)
        let all = try await store.recentRequests(RecentRequestsQuery(tenants: .one("acme"), limit: 2000))
        #expect(all.count == 1200 && Set(all.map(\.id)).count == 1200)
        #expect(zip(all, all.dropFirst()).allSatisfy { ($0.time, $0.id) > ($1.time, $1.id) }, "newest first across rows")
        // The ten newest come from the last two flushes, whose spans overlap.
        let newest = try await store.recentRequests(RecentRequestsQuery(tenants: .one("acme"), limit: 10))
        #expect(newest == Array(all.prefix(10)))
    }

    @Test("a batch body reads back every field: nulls, escapes (through the general decoder), large numbers; a damaged line is counted")
    func bodyReadsBack() throws {
        let t = StoreContractTests.monday
        var odd = StoreContractTests.usage("u\"odd\\", at: t, user: nil, organization: nil, department: nil, model: nil, provider: nil,
                                           cost: nil, status: 401, code: "AUTH_INVALID_KEY", attempts: 0)
        odd.requestID = "req\n\u{1}é"
        odd.usageEstimated = true
        odd.outcome = .clientGone
        var large = StoreContractTests.usage("u_large", at: t + 1, input: Int(Int32.max), output: 7, cost: 999_999_999_999_999)
        large.ttftMs = nil
        let records = [StoreContractTests.usage("u1", at: t), odd, large, StoreContractTests.usage("u2", at: t + 2, code: "X")]
        var body: [UInt8] = []
        for record in records { UsageJournalLine.encode(record, into: &body) }
        let damaged = body + Array("[1,\"broken\"]\n".utf8)
        let (read, skipped) = damaged.withUnsafeBytes { UsageJournalLine.records(in: $0) }
        #expect(read == records)
        #expect(skipped == 1)
        // Lines without escapes are read by the field reader itself, not handed on.
        for record in records {
            var line: [UInt8] = []
            UsageJournalLine.encode(record, into: &line)
            let direct = line.dropLast().withUnsafeBytes { UsageJournalLineReader.record($0) }
            #expect(direct == (record.id == odd.id ? nil : record))
        }
    }

    @Test("given the journal lines of one tenant's new records, the body is those bytes as they are; otherwise the records are encoded")
    func journalLinesStoredAsGiven() async throws {
        let store = try Self.store()
        let t = StoreContractTests.monday
        let records = (0..<3).map { Self.usage("j\($0)", at: t + Int64($0)) }
        // Lines a re-encoding would not give (a space after each bracket, still JSON): seen
        // verbatim in the body only if they were stored as given.
        var lines: [UInt8] = []
        for record in records {
            var line: [UInt8] = []
            UsageJournalLine.encode(record, into: &line)
            lines += [line[0], UInt8(ascii: " ")] + line[1...]
        }
        try await store.appendUsage(records, journalLines: lines)
        #expect(try store.fetchStrings(sql: "SELECT CAST(body AS TEXT) FROM usage_batches") == [String(decoding: lines, as: UTF8.self)])
        #expect(try await store.recentRequests(RecentRequestsQuery(tenants: .one("acme"), limit: 10)) == records.reversed())

        // A repeat among new records: the new one alone is stored, encoded.
        let next = Self.usage("j3", at: t + 3)
        var mixed: [UInt8] = []
        for record in [records[2], next] { UsageJournalLine.encode(record, into: &mixed) }
        try await store.appendUsage([records[2], next], journalLines: mixed)
        var expected: [UInt8] = []
        UsageJournalLine.encode(next, into: &expected)
        #expect(try store.fetchStrings(sql: "SELECT CAST(body AS TEXT) FROM usage_batches ORDER BY id").last == String(decoding: expected, as: UTF8.self))
        #expect(try await store.usageTotals(tenantID: "acme", scope: .tenant, scopeID: "acme", since: t).requests == 4)
    }
}
