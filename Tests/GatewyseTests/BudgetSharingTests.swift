import GatewyseCore
@testable import GatewyseEngine
import GatewysePostgres
import GatewyseStorage
import Synchronization
import Testing

/// Budgets shared by replicas (decisions/0018): two ledgers — two replicas — drawing one budget
/// in leases from one store, in memory and on PostgreSQL (two store instances, two connection
/// pools, as two processes have). The two-process claim end to end is tests/python/test_budgets_replicas.py.
@Suite("Budget sharing between replicas")
struct BudgetSharingTests {
    enum Leases: String, CustomTestStringConvertible, Sendable {
        case memory, postgres
        var testDescription: String { rawValue }
        static var all: [Leases] { [.memory] + (StoreContractTests.Backend.postgresRequired ? [.postgres] : []) }

        /// Two lease stores on one shared state.
        func withStores(_ body: (any BudgetLeaseStore, any BudgetLeaseStore) async throws -> Void) async throws {
            switch self {
            case .memory:
                let store = InMemoryBudgetLeases()
                try await body(store, store)
            case .postgres:
                try await StoreContractTests.Backend.postgres.withDatabase { open in
                    let first = try #require(try await open() as? PostgresStore)
                    let second = try #require(try await open() as? PostgresStore)
                    try await body(first, second)
                }
            }
        }
    }

    static let dollar = Money(usd: "1")!.nanos
    static let ceiling = BudgetAmounts(nanos: Money(usd: "0.03")!.nanos, tokens: 100, requests: 1)

    static func budget(_ tenant: String = "acme", id: String = "acme-day", action: BudgetRecord.Action = .block) -> BudgetRecord {
        BudgetRecord(id: id, tenantID: tenant, name: "Day", scope: .tenant, scopeID: tenant, limits: BudgetRecord.Limits(dailyUsd: Money(usd: "1")),
                     action: action, createdAt: 0, updatedAt: 0)
    }

    static func replica(_ store: any BudgetLeaseStore, _ id: String, clock: BudgetLedgerTests.Clock, budgets: [BudgetRecord],
                        ttl: Int64 = 30_000) -> BudgetLedger {
        let ledger = BudgetLedger(clock: clock.read)
        ledger.share(BudgetSharing(store: store, replicaID: id, leaseTTL: ttl, idleReturn: 0))
        _ = ledger.update(budgets)
        return ledger
    }

    /// One request: reserve, spend a little while, settle `actual`. Whether it was admitted.
    static func request(_ ledger: BudgetLedger, _ budget: BudgetRecord, actual: Int64) async throws -> Bool {
        do {
            guard let reservation = try await ledger.reserve([budget], ceiling: ceiling) else { return false }
            try await Task.sleep(for: .microseconds(Int.random(in: 0...300)))
            reservation.settle(actual: BudgetAmounts(nanos: actual, tokens: 10, requests: 1))
            return true
        } catch let error as GatewayError {
            #expect(error.code == "BUDGET_EXCEEDED", "\(error.code): \(error.message)")
            return false
        }
    }

    /// What the store says the budget's day has spent (a report of nothing, as a third replica).
    static func spent(_ store: any BudgetLeaseStore, _ budget: BudgetRecord, clock: BudgetLedgerTests.Clock) async throws -> Int64 {
        let meter = BudgetMeterKey(tenantID: budget.tenantID, budgetID: budget.id, limit: BudgetLimit.dailyUsd.rawValue,
                                   periodStart: BudgetPeriod.day.start(clock.read()))
        let shares = try await store.reportBudgetLeases([BudgetLeaseReport(meter: meter, initialSpent: 0, spent: 0, returned: 0)],
                                                        replica: "reader", now: clock.read(), ttl: 1)
        return try #require(shares[meter]).spent
    }

    @Test("200 concurrent requests over two replicas never spend more than $1.00 plus one request's ceiling, and reach the limit", arguments: Leases.all)
    func concurrentReplicas(leases: Leases) async throws {
        try await leases.withStores { first, second in
            let clock = BudgetLedgerTests.Clock()
            let budget = Self.budget()
            let replicas = [Self.replica(first, "rep_a", clock: clock, budgets: [budget]), Self.replica(second, "rep_b", clock: clock, budgets: [budget])]
            let syncing = Task {
                while !Task.isCancelled {
                    for ledger in replicas { try? await ledger.sync() }
                    try? await Task.sleep(for: .milliseconds(2))
                }
            }
            // Each costs between a third of its ceiling and all of it.
            let admitted = try await withThrowingTaskGroup(of: Bool.self) { group in
                for i in 0..<200 {
                    group.addTask { try await Self.request(replicas[i % 2], budget, actual: Int64.random(in: Self.ceiling.nanos / 3...Self.ceiling.nanos)) }
                }
                var admitted = 0
                for try await ok in group where ok { admitted += 1 }
                return admitted
            }
            // Then one at a time, alternating, until both replicas refuse: the budget is used up, not stranded in leases.
            // (These syncs overlap the background ones on purpose: overlapping syncs must not report spending twice.)
            var refusals = 0
            var i = 0
            while refusals < 4 {
                for ledger in replicas { try await ledger.sync() }
                refusals = try await Self.request(replicas[i % 2], budget, actual: Self.ceiling.nanos) ? 0 : refusals + 1
                i += 1
                #expect(i < 200)
            }
            syncing.cancel()
            _ = await syncing.result
            for ledger in replicas { try await ledger.sync(final: true) }
            let spent = try await Self.spent(first, budget, clock: clock)
            #expect(admitted > 10)
            #expect(spent <= Self.dollar + Self.ceiling.nanos, "spent \(Money(nanos: spent))")
            #expect(spent >= Self.dollar, "refused at \(Money(nanos: spent)) with budget left")
            for ledger in replicas {
                let state = try #require(ledger.state(of: budget))
                #expect(state.reserved == .zero)
                #expect(state.meters.first?.used == spent, "each replica reads the shared total back")
            }
        }
    }

    @Test("reservations held by a replica that died are reclaimed after the lease TTL", arguments: Leases.all)
    func deadReplicaLeaseExpires(leases: Leases) async throws {
        try await leases.withStores { first, second in
            let clock = BudgetLedgerTests.Clock()
            let budget = Self.budget()
            let dead = Self.replica(first, "rep_dead", clock: clock, budgets: [budget], ttl: 10_000)
            let alive = Self.replica(second, "rep_alive", clock: clock, budgets: [budget], ttl: 10_000)
            // Requests in flight on the first replica hold the whole budget when it dies.
            var held: [BudgetReservation] = []
            while let reservation = try? await dead.reserve([budget], ceiling: Self.ceiling) { held.append(reservation) }
            #expect(held.count >= Int(Self.dollar / Self.ceiling.nanos))
            try await alive.sync()
            #expect(try await Self.request(alive, budget, actual: 0) == false, "the dead replica's leases hold the rest")
            clock.now.store(clock.read() + 10_001, ordering: .relaxed)
            try await alive.sync()
            #expect(try await Self.request(alive, budget, actual: Self.ceiling.nanos), "reclaimed after the TTL")
            _ = held
        }
    }

    @Test("a replica that cannot sync for half a TTL refuses its block budgets rather than spend stale leases")
    func staleLeasesRefuse() async throws {
        let clock = BudgetLedgerTests.Clock()
        let budget = Self.budget()
        let ledger = Self.replica(InMemoryBudgetLeases(), "rep_a", clock: clock, budgets: [budget], ttl: 10_000)
        #expect(try await Self.request(ledger, budget, actual: 1))
        clock.now.store(clock.read() + 5_000, ordering: .relaxed)
        await #expect(throws: GatewayError.self) { try await ledger.reserve([budget], ceiling: Self.ceiling) }
        try await ledger.sync()
        #expect(try await Self.request(ledger, budget, actual: 1))
    }

    @Test("two tenants' budgets with the same id never share counters")
    func tenantsWithTheSameBudgetID() async throws {
        let ledger = BudgetLedger(clock: BudgetLedgerTests.Clock().read)
        let acme = Self.budget("acme", id: "monthly"), globex = Self.budget("globex", id: "monthly")
        _ = ledger.update([acme, globex])
        for _ in 0..<40 { _ = try await Self.request(ledger, acme, actual: Self.ceiling.nanos) }
        #expect(try #require(ledger.state(of: acme)).meters.first!.used >= Self.dollar)
        #expect(try #require(ledger.state(of: globex)).meters.first?.used == 0)
        #expect(try await Self.request(ledger, globex, actual: 1))
    }
}
