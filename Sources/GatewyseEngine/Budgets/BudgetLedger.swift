import GatewyseCore
import GatewyseStorage
import Synchronization

/// What a request counts against a budget: dollars (nano-dollars), tokens, requests.
public struct BudgetAmounts: Sendable, Equatable {
    public var nanos: Int64
    public var tokens: Int64
    public var requests: Int64

    public init(nanos: Int64 = 0, tokens: Int64 = 0, requests: Int64 = 0) {
        self.nanos = nanos
        self.tokens = tokens
        self.requests = requests
    }

    public static let zero = BudgetAmounts()

    func amount(_ unit: BudgetLimit.Unit) -> Int64 {
        switch unit {
        case .nanos: nanos
        case .tokens: tokens
        case .requests: requests
        }
    }

    static func + (lhs: BudgetAmounts, rhs: BudgetAmounts) -> BudgetAmounts {
        BudgetAmounts(nanos: lhs.nanos &+ rhs.nanos, tokens: lhs.tokens &+ rhs.tokens, requests: lhs.requests &+ rhs.requests)
    }

    static func - (lhs: BudgetAmounts, rhs: BudgetAmounts) -> BudgetAmounts {
        BudgetAmounts(nanos: lhs.nanos &- rhs.nanos, tokens: lhs.tokens &- rhs.tokens, requests: lhs.requests &- rhs.requests)
    }
}

/// The budgets' counters of this process, in memory (ARCHITECTURE §6: no database round trip on
/// the request path): for each budget, what each limit's current period has spent and what the
/// requests in flight have reserved.
///
/// **Reserve, then settle.** Before the upstream call a request reserves its *ceiling* — what it
/// can cost at most — in every budget that applies to it, at once, under one lock; the
/// request is refused when any `block` budget's spent plus reserved has already reached a limit.
/// When it ends, whatever the ending, the reservation is settled exactly once: the ceiling is
/// given back and the actual amounts are spent. Concurrent requests therefore see each other's
/// reservations, and the total spent can pass a limit by at most the ceiling of the one request
/// admitted last (it was admitted below the limit, and costs no more than its ceiling).
///
/// A budget's spent amounts are loaded from the usage records (`UsageStore.usageTotals`) when
/// it is first seen — at start, after the usage journal's replay, so a restart resets nothing —
/// and counted here from then on; each limit restarts at its period's UTC boundary.
public final class BudgetLedger: Sendable {
    struct Meter: Sendable {
        let limit: BudgetLimit
        let value: Int64
        var periodEnd: Int64
        var used: Int64
    }

    struct Account: Sendable {
        var record: BudgetRecord
        var meters: [Meter]
        var reserved = BudgetAmounts.zero
    }

    private let accounts = Mutex<[String: Account]>([:])
    /// Unix milliseconds.
    let clock: @Sendable () -> Int64

    public init(clock: @escaping @Sendable () -> Int64 = UnixClock.milliseconds) {
        self.clock = clock
    }

    // MARK: The request path

    /// Reserves `ceiling` in each of `budgets` (the request's, most specific first), or throws
    /// 429 `BUDGET_EXCEEDED` naming the first `block` budget with a limit reached — reserving
    /// nothing then. Returns nil when no budget applies.
    func reserve(_ budgets: [BudgetRecord], ceiling: BudgetAmounts) throws(GatewayError) -> BudgetReservation? {
        guard !budgets.isEmpty else { return nil }
        let now = clock()
        let result: Result<[String], GatewayError> = accounts.withLock { accounts in
            var warnings: [String] = []
            for budget in budgets {
                guard var account = accounts[budget.id] else { continue }
                account.roll(now: now)
                accounts[budget.id] = account
                if let meter = account.reachedMeter() {
                    if budget.action == .block { return .failure(Self.exceeded(budget, meter: meter, now: now)) }
                    warnings.append(budget.id)
                }
            }
            for budget in budgets {
                guard var account = accounts[budget.id] else { continue }
                account.reserved = account.reserved + ceiling
                accounts[budget.id] = account
            }
            return .success(warnings)
        }
        switch result {
        case .failure(let error): throw error
        case .success(let warnings): return BudgetReservation(ledger: self, budgetIDs: budgets.map(\.id), ceiling: ceiling, warnings: warnings)
        }
    }

    /// Gives the ceiling back and spends `actual` (nothing when the request never reached an
    /// upstream: it used nothing). Called once per reservation, by `BudgetReservation`.
    func settle(budgetIDs: [String], ceiling: BudgetAmounts, actual: BudgetAmounts?) {
        let now = clock()
        accounts.withLock { accounts in
            for id in budgetIDs {
                guard var account = accounts[id] else { continue }
                account.reserved = account.reserved - ceiling
                if let actual {
                    account.roll(now: now)
                    for i in account.meters.indices { account.meters[i].used &+= actual.amount(account.meters[i].limit.unit) }
                }
                accounts[id] = account
            }
        }
    }

    static func exceeded(_ budget: BudgetRecord, meter: Meter, now: Int64) -> GatewayError {
        let seconds = max(1, (meter.periodEnd - now + 999) / 1000)
        return GatewayError(status: 429, code: "BUDGET_EXCEEDED", type: "insufficient_quota",
                            message: "Budget '\(budget.name)' (\(budget.id)) has reached its \(meter.limit.rawValue) limit; it resets in \(seconds) s.",
                            headers: [("Retry-After", String(seconds))])
    }

    // MARK: Keeping up with the budgets

    /// Makes the ledger hold exactly `budgets`: counters of budgets whose limits did not change
    /// are kept; the others are returned, with zeroed counters, for `load` to fill from the
    /// usage records. Reservations in flight are kept across a change.
    func update(_ budgets: [BudgetRecord]) -> [BudgetRecord] {
        let now = clock()
        return accounts.withLock { accounts in
            var kept: [String: Account] = [:]
            var fresh: [BudgetRecord] = []
            for budget in budgets {
                if var account = accounts[budget.id], account.record.limits == budget.limits, account.record.scope == budget.scope,
                   account.record.scopeID == budget.scopeID {
                    account.record = budget
                    kept[budget.id] = account
                } else {
                    var account = Account(record: budget, meters: Self.meters(budget.limits, now: now))
                    account.reserved = accounts[budget.id]?.reserved ?? .zero
                    kept[budget.id] = account
                    fresh.append(budget)
                }
            }
            accounts = kept
            return fresh
        }
    }

    /// Adds what the usage records say a budget's current periods spent, limit by limit.
    func load(_ budgetID: String, totals: [BudgetLimit: BudgetAmounts]) {
        accounts.withLock { accounts in
            guard var account = accounts[budgetID] else { return }
            for i in account.meters.indices {
                if let total = totals[account.meters[i].limit] { account.meters[i].used &+= total.amount(account.meters[i].limit.unit) }
            }
            accounts[budgetID] = account
        }
    }

    /// The start of each limit's current period (what `load` needs totals since).
    func periodStarts(_ budget: BudgetRecord) -> [BudgetLimit: Int64] {
        let now = clock()
        var starts: [BudgetLimit: Int64] = [:]
        for limit in BudgetLimit.allCases where limit.value(in: budget.limits) != nil { starts[limit] = limit.period.start(now) }
        return starts
    }

    static func meters(_ limits: BudgetRecord.Limits, now: Int64) -> [Meter] {
        BudgetLimit.allCases.compactMap { limit in
            limit.value(in: limits).map { Meter(limit: limit, value: $0, periodEnd: limit.period.end(now), used: 0) }
        }
    }

    // MARK: Reading

    /// A budget's counters now (admin API `usage` and `status`, `GET /v1/budget`).
    public func state(of budgetID: String) -> BudgetState? {
        let now = clock()
        return accounts.withLock { accounts in
            guard var account = accounts[budgetID] else { return nil }
            account.roll(now: now)
            accounts[budgetID] = account
            return BudgetState(meters: account.meters.map { .init(limit: $0.limit, used: $0.used, value: $0.value, resetsAt: $0.periodEnd) },
                               reserved: account.reserved)
        }
    }
}

extension BudgetLedger.Account {
    /// Starts every limit whose period has ended over from zero.
    mutating func roll(now: Int64) {
        for i in meters.indices where now >= meters[i].periodEnd {
            meters[i].used = 0
            meters[i].periodEnd = meters[i].limit.period.end(now)
        }
    }

    /// The first limit whose spent plus reserved has reached its value.
    func reachedMeter() -> BudgetLedger.Meter? {
        meters.first { $0.used &+ reserved.amount($0.limit.unit) >= $0.value }
    }
}

/// A budget's counters at one moment.
public struct BudgetState: Sendable, Equatable {
    public struct Meter: Sendable, Equatable {
        public var limit: BudgetLimit
        public var used: Int64
        public var value: Int64
        /// Unix ms.
        public var resetsAt: Int64
    }

    public var meters: [Meter]
    public var reserved: BudgetAmounts

    /// `exceeded` once any limit is reached, `warning` from the lowest alert threshold (80 %
    /// when the budget has none).
    public func status(alertPercent: Int) -> String {
        if meters.contains(where: { $0.used >= $0.value }) { return "exceeded" }
        // A display status, not accounting: `Double` is precise enough to compare percentages.
        if meters.contains(where: { Double($0.used) * 100 >= Double($0.value) * Double(alertPercent) }) {
            return "warning"
        }
        return "active"
    }
}

/// One request's hold on its budgets, settled exactly once (the exchange settles it when the
/// request completes, whatever the ending; a reservation dropped unsettled settles as unused).
public final class BudgetReservation: Sendable {
    private let ledger: BudgetLedger
    let budgetIDs: [String]
    let ceiling: BudgetAmounts
    /// `warn` budgets already past a limit: the answer carries `X-Gatewyse-Budget-Warning`.
    public let warnings: [String]
    private let settled = Atomic<Bool>(false)

    init(ledger: BudgetLedger, budgetIDs: [String], ceiling: BudgetAmounts, warnings: [String]) {
        self.ledger = ledger
        self.budgetIDs = budgetIDs
        self.ceiling = ceiling
        self.warnings = warnings
    }

    deinit {
        settle(actual: nil)
    }

    func settle(actual: BudgetAmounts?) {
        guard settled.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing).exchanged else { return }
        ledger.settle(budgetIDs: budgetIDs, ceiling: ceiling, actual: actual)
    }
}
