import AsyncHTTPClient
import GatewyseCore
@testable import GatewyseEngine
import GatewyseRouting
import GatewyseStorage
import GatewyseTesting
import NIOCore
import Testing

/// Budgets on the request path, through real HTTP: concurrent requests against a `block`
/// budget never spend past the limit plus one request's ceiling; every ending settles its
/// reservation exactly once, so the reserved amount returns to zero and the spent amount equals
/// the usage records; `warn` budgets answer with the warning header; and `/v1/budget` and the
/// admin API read the counters back (issue 12, items 3, 4 and 6).
@Suite("Budgets end to end", .serialized)
struct BudgetEndToEndTests {
    /// $1,000 per 1M tokens in and out: the mock's 10 + 5 tokens cost $0.015 a request.
    static let price = ModelPrice(input: 1000, output: 1000)

    /// `upstreamTimeout`: short only where a test needs a timeout to happen (`mock/slow`); under
    /// a loaded machine (every suite at once on two cores) a short one also times out some of 200
    /// concurrent requests to the quick mock, which then end neither answered nor refused.
    static func withGateway(upstreamTimeout: Double = 30, _ body: (TestGateway) async throws -> Void) async throws {
        let gateway = try await TestGateway.start { configuration in
            configuration.prices["mock/mock-chat"] = Self.price
            configuration.prices["mock/error-500"] = Self.price
            configuration.prices["mock/slow-stream"] = Self.price
            configuration.upstream.totalTimeout = upstreamTimeout
        }
        do {
            try await body(gateway)
        } catch {
            await gateway.stop()
            throw error
        }
        await gateway.stop()
    }

    static func addBudget(_ gateway: TestGateway, _ budget: BudgetRecord) async throws {
        let runtime = gateway.gateway.runtime
        _ = try await runtime.store.commit([try .insert(budget, at: 0)])
        try await runtime.loader.reload()
    }

    static func usageTotals(_ gateway: TestGateway) async throws -> UsageTotals {
        let runtime = gateway.gateway.runtime
        _ = try await runtime.usage.flush(to: runtime.store)
        return try await runtime.store.usageTotals(tenantID: "acme", scope: .tenant, scopeID: "acme", since: 0)
    }

    static func chat(_ model: String, stream: Bool = false) -> String {
        EndToEndTests.chat(model, stream: stream, extra: #","max_tokens":10"#)
    }

    @Test("200 concurrent requests against a $1.00 block budget spend no more than $1.00 plus one request's ceiling")
    func concurrentBlockBudget() async throws {
        try await Self.withGateway { gateway in
            let budget = BudgetRecord(id: "acme-day", tenantID: "acme", name: "Acme daily", scope: .tenant, scopeID: "acme",
                                      limits: BudgetRecord.Limits(dailyUsd: Money(usd: "1")), createdAt: 0, updatedAt: 0)
            try await Self.addBudget(gateway, budget)
            let statuses = try await withThrowingTaskGroup(of: (Int, String?).self) { group in
                for _ in 0..<200 {
                    group.addTask {
                        let reply = try await EndToEndTests.post(gateway, "/v1/chat/completions", body: Self.chat("mock-chat"))
                        return (reply.status, reply.status == 429 ? reply.json?["error"]?["code"]?.stringValue : nil)
                    }
                }
                var statuses: [(Int, String?)] = []
                for try await status in group { statuses.append(status) }
                return statuses
            }
            let answered = statuses.filter { $0.0 == 200 }.count
            let refused = statuses.filter { $0.0 == 429 }
            #expect(answered + refused.count == 200, "other statuses: \(statuses.map(\.0).filter { $0 != 200 && $0 != 429 })")
            #expect(refused.allSatisfy { $0.1 == "BUDGET_EXCEEDED" })
            #expect(answered >= 60, "a $1.00 budget pays for 66 requests at $0.015; the ceilings may hold some back")
            let state = try #require(gateway.gateway.runtime.engine.budgets.state(tenantID: "acme", budgetID: "acme-day"))
            #expect(state.reserved == .zero)
            let spent = try #require(state.meters.first).used
            // The ceiling of one request: its body's bytes as input tokens plus max_tokens, at $1,000 per 1M.
            let ceiling = Money(nanos: Int64(Self.chat("mock-chat").utf8.count + 10) * 1_000_000)
            #expect(spent <= (Money(usd: "1")! + ceiling).nanos, "spent \(Money(nanos: spent))")
            #expect(spent == Int64(answered) * Money(usd: "0.015")!.nanos)
            #expect(try await Self.usageTotals(gateway).costNanos == spent)
        }
    }

    @Test("after successes, upstream errors, failovers, timeouts and clients leaving mid-stream, reserved is zero and spent equals the usage records")
    func everyEndingSettles() async throws {
        try await Self.withGateway(upstreamTimeout: 0.8) { gateway in
            let budget = BudgetRecord(id: "acme-month", tenantID: "acme", name: "Acme monthly", scope: .tenant, scopeID: "acme",
                                      limits: BudgetRecord.Limits(monthlyUsd: Money(usd: "100"), monthlyTokens: 10_000_000, dailyRequests: 10_000),
                                      createdAt: 0, updatedAt: 0)
            try await Self.addBudget(gateway, budget)
            for _ in 0..<3 {
                #expect(try await EndToEndTests.post(gateway, "/v1/chat/completions", body: Self.chat("mock-chat")).status == 200)
                #expect(try await EndToEndTests.post(gateway, "/v1/chat/completions", body: Self.chat("mock-chat", stream: true)).status == 200)
                #expect(try await EndToEndTests.post(gateway, "/v1/chat/completions", body: Self.chat("fast-chat")).status == 200)
                #expect(try await EndToEndTests.post(gateway, "/v1/chat/completions", body: Self.chat("mock/error-500")).status >= 500)
                #expect(try await EndToEndTests.post(gateway, "/v1/chat/completions", body: Self.chat("mock/slow")).status == 504)
                // A client that leaves a slow stream after its first bytes.
                var request = HTTPClientRequest(url: gateway.baseURL + "/v1/chat/completions")
                request.method = .POST
                request.headers.add(name: "Authorization", value: "Bearer \(gateway.apiKey)")
                request.headers.add(name: "Content-Type", value: "application/json")
                request.body = .bytes(ByteBuffer(string: Self.chat("mock/slow-stream", stream: true)))
                let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
                var iterator = response.body.makeAsyncIterator()
                _ = try await iterator.next()
            }
            // Every exchange completes (the abandoned streams when their connection closes).
            let ledger = gateway.gateway.runtime.engine.budgets
            for _ in 0..<200 where ledger.state(tenantID: "acme", budgetID: "acme-month")?.reserved != .zero || gateway.gateway.runtime.engine.requestsInFlight > 0 {
                try await Task.sleep(for: .milliseconds(25))
            }
            let state = try #require(ledger.state(tenantID: "acme", budgetID: "acme-month"))
            #expect(state.reserved == .zero)
            let totals = try await Self.usageTotals(gateway)
            let used = Dictionary(uniqueKeysWithValues: state.meters.map { ($0.limit, $0.used) })
            #expect(used[.monthlyUsd] == totals.costNanos)
            #expect(used[.monthlyTokens] == totals.tokens)
            #expect(used[.dailyRequests] == totals.requests)
            #expect(totals.costNanos > 0)
        }
    }

    @Test("a warn budget past its limit answers 200 with X-Gatewyse-Budget-Warning; /v1/budget and the admin API show it exceeded")
    func warnBudgetAndReadBack() async throws {
        try await Self.withGateway { gateway in
            let budget = BudgetRecord(id: "acme-soft", tenantID: "acme", name: "Soft", scope: .tenant, scopeID: "acme",
                                      limits: BudgetRecord.Limits(dailyRequests: 1), action: .warn, createdAt: 0, updatedAt: 0)
            try await Self.addBudget(gateway, budget)
            let first = try await EndToEndTests.post(gateway, "/v1/chat/completions", body: Self.chat("mock-chat"))
            #expect(first.status == 200 && first.headers["X-Gatewyse-Budget-Warning"].isEmpty)
            let second = try await EndToEndTests.post(gateway, "/v1/chat/completions", body: Self.chat("mock-chat", stream: true))
            #expect(second.status == 200 && second.headers["X-Gatewyse-Budget-Warning"] == ["acme-soft"])
            let rendered = gateway.gateway.runtime.adminRouter.api.render(budget)
            #expect(rendered["status"] == "exceeded")
            #expect(rendered["usage"]?["dailyRequests"]?["used"] == 2)
            // The test key has no `budget:read`: /v1/budget refuses it.
            var request = HTTPClientRequest(url: gateway.baseURL + "/v1/budget")
            request.headers.add(name: "Authorization", value: "Bearer \(gateway.apiKey)")
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
            #expect(response.status.code == 403)
        }
    }
}
