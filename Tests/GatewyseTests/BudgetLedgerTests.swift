import GatewyseCore
import GatewyseProviders
import GatewyseRouting
@testable import GatewyseEngine
import GatewyseStorage
import Synchronization
import Testing

/// The budget ledger as a state machine, on an injected clock: periods, reservation against
/// every budget at once, refusal, warnings, settlement exactly once, the overshoot bound.
@Suite("Budget ledger")
struct BudgetLedgerTests {
    /// 2026-12-05T12:00:00Z in Unix ms.
    static let noon: Int64 = 1_796_472_000_000

    final class Clock: Sendable {
        let now = Atomic<Int64>(BudgetLedgerTests.noon)
        func read() -> Int64 { now.load(ordering: .relaxed) }
    }

    static func budget(_ id: String, scope: BudgetRecord.Scope = .tenant, scopeID: String = "acme", limits: BudgetRecord.Limits,
                       action: BudgetRecord.Action = .block) -> BudgetRecord {
        BudgetRecord(id: id, tenantID: "acme", name: id.capitalized, scope: scope, scopeID: scopeID, limits: limits, action: action,
                     createdAt: 0, updatedAt: 0)
    }

    static func dollars(_ text: String) -> Int64 { Money(usd: text)!.nanos }

    @Test("periods are UTC days, ISO weeks from Monday and calendar months, leap years included")
    func periods() {
        let day: Int64 = 86_400_000
        #expect(BudgetPeriod.day.start(Self.noon) == Self.noon - day / 2)
        #expect(BudgetPeriod.day.end(Self.noon) == Self.noon + day / 2)
        // 2026-12-05 is a Saturday: its week started on Monday 2026-11-30.
        #expect(BudgetPeriod.week.start(Self.noon) == Self.noon - day / 2 - 5 * day)
        #expect(BudgetPeriod.month.start(Self.noon) == 1_796_083_200_000) // 2026-12-01
        #expect(BudgetPeriod.month.end(Self.noon) == 1_798_761_600_000) // 2027-01-01
        // 2028-02-15 → 2028-02-01 … 2028-03-01 (29 days).
        let february: Int64 = 1_834_228_800_000
        #expect(BudgetPeriod.month.end(february) - BudgetPeriod.month.start(february) == 29 * day)
    }

    @Test("a block budget admits while spent plus reserved is below the limit, then refuses with the reset in Retry-After")
    func blockBudget() async throws {
        let clock = Clock()
        let ledger = BudgetLedger(clock: clock.read)
        let budget = Self.budget("tenant-day", limits: BudgetRecord.Limits(dailyUsd: Money(usd: "1")))
        #expect(ledger.update([budget]).map(\.id) == ["tenant-day"])
        let ceiling = BudgetAmounts(nanos: Self.dollars("0.30"), tokens: 100, requests: 1)
        var held: [BudgetReservation] = []
        for _ in 0..<4 { held.append(try #require(try await ledger.reserve([budget], ceiling: ceiling))) }
        #expect(ledger.state(of: budget)?.reserved.nanos == Self.dollars("1.20"))
        await #expect(throws: GatewayError.self) { try await ledger.reserve([budget], ceiling: ceiling) }
        // Each costs $0.25 in the end: $1.00 spent, the limit reached, nothing more admitted.
        for reservation in held { reservation.settle(actual: BudgetAmounts(nanos: Self.dollars("0.25"), tokens: 40, requests: 1)) }
        let state = try #require(ledger.state(of: budget))
        #expect(state.reserved == .zero)
        #expect(state.meters.first?.used == Self.dollars("1"))
        do {
            _ = try await ledger.reserve([budget], ceiling: ceiling)
            Issue.record("admitted past the limit")
        } catch {
            #expect(error.status == 429 && error.code == "BUDGET_EXCEEDED")
            #expect(error.message.contains("Tenant-Day") && error.message.contains("tenant-day"))
            #expect(error.headers.first { $0.0 == "Retry-After" }?.1 == "43200")
        }
        // The next UTC day starts from zero.
        clock.now.store(Self.noon + 86_400_000, ordering: .relaxed)
        #expect(try await ledger.reserve([budget], ceiling: ceiling) != nil)
    }

    @Test("the budgets that apply to a caller: its own scopes' only, most specific first, whether all of the tenant's apply or some")
    func applicableBudgets() {
        let limits = BudgetRecord.Limits(dailyRequests: 5)
        let tenant = Self.budget("tenant", limits: limits)
        let key = Self.budget("key", scope: .apiKey, scopeID: "key_1", limits: limits)
        let otherUser = Self.budget("other", scope: .user, scopeID: "usr_2", limits: limits)
        let user = Self.budget("user", scope: .user, scopeID: "usr_1", limits: limits)
        let caller = Principal(tenantID: "acme", keyID: "key_1", keyName: "k", userID: "usr_1")
        #expect(BudgetIndex([tenant, user, key]).applicable(to: caller).map(\.id) == ["key", "user", "tenant"])
        #expect(BudgetIndex([tenant, otherUser, user, key]).applicable(to: caller).map(\.id) == ["key", "user", "tenant"])
        #expect(BudgetIndex([otherUser]).applicable(to: caller).isEmpty)
        #expect(BudgetIndex([tenant]).applicable(to: Principal(tenantID: "globex", keyID: "key_9", keyName: "g")).isEmpty)
    }

    @Test("a request's ceiling: its bytes as input and max_tokens (else the smallest context window of the route and its fallbacks) at the dearest candidate's rates")
    func requestCeiling() {
        let adapter = ProviderRegistry.makeAdapter(for: ProviderConfiguration(id: "o", entry: ProviderCatalog.entry(forType: "openai")!,
                                                                              baseURL: "https://api.openai.com/v1", apiKey: nil))
        func candidate(_ model: String, window: Int?, input: String, output: String, cachedInput: String? = nil) -> RouteCandidate {
            let price = ModelPrice(input: Money(usd: input)!, output: Money(usd: output)!, cachedInput: cachedInput.map { Money(usd: $0)! })
            return RouteCandidate(adapter: adapter, upstreamModel: model,
                                  deployment: Deployment(providerID: "o", model: model, catalog: ModelCatalogInfo(contextWindow: window, price: price)))
        }
        let fallback = ResolvedRoute(strategy: .failover, candidates: [candidate("small", window: 1000, input: "1", output: "2")])
        let route = ResolvedRoute(strategy: .failover, candidates: [candidate("cheap", window: 8000, input: "1", output: "1"),
                                                                    candidate("dear", window: nil, input: "2", output: "10", cachedInput: "3")],
                                  fallbacks: [fallback])
        // 1,000 bytes and max_tokens 500: the dearest is "dear", input at its cached rate ($3/M) > $2/M.
        let bounded = BudgetCeiling.amounts(bodyBytes: 1000, maxOutputTokens: 500, route: route)
        #expect(bounded.nanos == Money(usd: "0.003")!.nanos + Money(usd: "0.005")!.nanos)
        #expect(bounded.tokens == 1500)
        #expect(bounded.requests == 1)
        // No max_tokens: the smallest window, the fallback's 1,000 tokens.
        let unbounded = BudgetCeiling.amounts(bodyBytes: 1000, maxOutputTokens: nil, route: route)
        #expect(unbounded.tokens == 2000)
        #expect(unbounded.nanos == Money(usd: "0.003")!.nanos + Money(usd: "0.01")!.nanos)
        // No window anywhere: the default.
        let windowless = ResolvedRoute(strategy: .failover, candidates: [candidate("dear", window: nil, input: "2", output: "10")])
        #expect(BudgetCeiling.amounts(bodyBytes: 10, maxOutputTokens: nil, route: windowless).tokens == 10 + Int64(BudgetCeiling.defaultOutputTokens))
    }

    @Test("every applicable budget is reserved at once, and a refusal by one reserves in none")
    func allOrNothing() async throws {
        let ledger = BudgetLedger(clock: Clock().read)
        let key = Self.budget("key", scope: .apiKey, scopeID: "key_1", limits: BudgetRecord.Limits(dailyRequests: 2))
        let tenant = Self.budget("tenant", limits: BudgetRecord.Limits(monthlyTokens: 1_000_000))
        _ = ledger.update([key, tenant])
        let one = BudgetAmounts(nanos: 0, tokens: 10, requests: 1)
        let first = try #require(try await ledger.reserve([key, tenant], ceiling: one))
        let second = try #require(try await ledger.reserve([key, tenant], ceiling: one))
        await #expect(throws: GatewayError.self) { try await ledger.reserve([key, tenant], ceiling: one) }
        #expect(ledger.state(tenantID: "acme", budgetID: "tenant")?.reserved.tokens == 20)
        first.settle(actual: one)
        first.settle(actual: one) // once only
        #expect(ledger.state(tenantID: "acme", budgetID: "key")?.meters.first?.used == 1)
        #expect(ledger.state(tenantID: "acme", budgetID: "tenant")?.meters.first?.used == 10)
        _ = second
    }

    @Test("a reservation dropped without settlement gives its ceiling back and spends nothing")
    func droppedReservation() async throws {
        let ledger = BudgetLedger(clock: Clock().read)
        let budget = Self.budget("b", limits: BudgetRecord.Limits(dailyUsd: Money(usd: "1")))
        _ = ledger.update([budget])
        do {
            _ = try await ledger.reserve([budget], ceiling: BudgetAmounts(nanos: Self.dollars("0.5"), tokens: 1, requests: 1))
        }
        #expect(ledger.state(tenantID: "acme", budgetID: "b")?.reserved == .zero)
        #expect(ledger.state(tenantID: "acme", budgetID: "b")?.meters.first?.used == 0)
    }

    @Test("a warn budget never refuses; past its limit the reservation names it")
    func warnBudget() async throws {
        let ledger = BudgetLedger(clock: Clock().read)
        let budget = Self.budget("soft", limits: BudgetRecord.Limits(dailyRequests: 1), action: .warn)
        _ = ledger.update([budget])
        let one = BudgetAmounts(nanos: 0, tokens: 0, requests: 1)
        let first = try #require(try await ledger.reserve([budget], ceiling: one))
        #expect(first.warnings.isEmpty)
        first.settle(actual: one)
        let second = try #require(try await ledger.reserve([budget], ceiling: one))
        #expect(second.warnings == ["soft"])
        #expect(ledger.state(tenantID: "acme", budgetID: "soft")?.status(alertPercent: 80) == "exceeded")
    }

    @Test("counters survive a reload that keeps a budget's limits, and start again when they change")
    func updateKeepsCounters() throws {
        let ledger = BudgetLedger(clock: Clock().read)
        var budget = Self.budget("b", limits: BudgetRecord.Limits(dailyRequests: 10))
        _ = ledger.update([budget])
        ledger.load(budget, totals: [.dailyRequests: BudgetAmounts(requests: 4)])
        budget.name = "Renamed"
        #expect(ledger.update([budget]).isEmpty)
        #expect(ledger.state(tenantID: "acme", budgetID: "b")?.meters.first?.used == 4)
        budget.limits.dailyRequests = 20
        #expect(ledger.update([budget]).map(\.id) == ["b"])
        #expect(ledger.state(tenantID: "acme", budgetID: "b")?.meters.first?.used == 0)
        #expect(ledger.update([]).isEmpty)
        #expect(ledger.state(tenantID: "acme", budgetID: "b") == nil)
    }
}
