import GatewyseCore
import GatewyseStorage
import Synchronization

/// A budget as the ledger keys it: budget ids are chosen by each tenant's admins, so two
/// tenants may both have a budget `monthly` — their counters must never meet.
public struct BudgetKey: Hashable, Sendable {
    public var tenantID: String
    public var budgetID: String

    public init(tenantID: String, budgetID: String) {
        self.tenantID = tenantID
        self.budgetID = budgetID
    }

    public init(_ budget: BudgetRecord) {
        self.init(tenantID: budget.tenantID, budgetID: budget.id)
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
/// **Replicas** (`share`, decisions/0018): a `block` budget's meters are then also bounded by
/// the lease this replica holds from the shared store — a request is admitted when its ceiling
/// fits in the lease beside what is reserved and spent here; when it does not, the ledger asks
/// the store for more (the only database round trip, once per lease), and a background `sync`
/// reports what was spent and gives idle leases back.
///
/// A budget's spent amounts are loaded from the usage records (`UsageStore.usageTotals`) when
/// it is first seen — at start, after the usage journal's replay, so a restart resets nothing —
/// and counted here from then on; each limit restarts at its period's UTC boundary.
public final class BudgetLedger: Sendable {
    struct Meter: Sendable {
        let limit: BudgetLimit
        let value: Int64
        var periodEnd: Int64
        /// Spent in the period as known here: the shared spent at the last sync plus `pending`
        /// (alone: everything this process counted).
        var used: Int64
        /// Spent at load, from the usage records: the shared meter's start when no replica has
        /// written it yet.
        var baseline: Int64 = 0
        /// Shared: what this replica may still reserve and spend (granted, not yet reported spent).
        var lease: Int64 = 0
        /// Shared: spent here, not yet reported.
        var pending: Int64 = 0

        var periodStart: Int64 { limit.period.start(periodEnd - 1) }
    }

    struct Account: Sendable {
        var record: BudgetRecord
        var meters: [Meter]
        var reserved = BudgetAmounts.zero
        /// Unix ms of the last reservation: a lease idle for `BudgetSharing.idleReturn` is given back.
        var lastReserve: Int64 = 0
    }

    struct State: Sendable {
        var accounts: [BudgetKey: Account] = [:]
        var sharing: BudgetSharing?
        /// Unix ms of the last successful `sync` (shared only).
        var lastSync: Int64 = 0
        /// Unix ms of the last sync that read back every meter.
        var lastRefresh: Int64 = 0
        /// A sync is between its snapshot and its apply step: another would report the same
        /// pending spending twice.
        var syncing = false
    }

    let book = Mutex<State>(State())
    /// Unix milliseconds.
    let clock: @Sendable () -> Int64

    public init(clock: @escaping @Sendable () -> Int64 = UnixClock.milliseconds) {
        self.clock = clock
    }

    // MARK: The request path

    /// Reserves `ceiling` in each of `budgets` (the request's, most specific first), or throws
    /// 429 `BUDGET_EXCEEDED` naming the first `block` budget with a limit reached — reserving
    /// nothing then. Returns nil when no budget applies. Alone, it never suspends; shared, only
    /// when a lease runs short.
    func reserve(_ budgets: [BudgetRecord], ceiling: BudgetAmounts) async throws(GatewayError) -> BudgetReservation? {
        guard !budgets.isEmpty else { return nil }
        // Concurrent requests may take a fresh grant before this one uses it: ask again, a few times.
        for _ in 0..<Self.leaseRounds {
            switch try attempt(budgets, ceiling: ceiling) {
            case .reserved(let warnings):
                return BudgetReservation(ledger: self, budgets: budgets.map(BudgetKey.init), ceiling: ceiling, warnings: warnings)
            case .lacking(let requests, let sharing):
                try await grant(requests, sharing: sharing)
            }
        }
        throw GatewayError(status: 503, code: "BUDGET_BUSY", type: "api_error",
                           message: "The budget is being drawn by many requests at once; retry.", headers: [("Retry-After", "1")])
    }

    static let leaseRounds = 8

    enum Attempt {
        case reserved(warnings: [String])
        case lacking([LeaseNeed], BudgetSharing)
    }

    struct LeaseNeed {
        var key: BudgetKey
        var budget: BudgetRecord
        var request: BudgetLeaseRequest
    }

    /// One look under the lock: refuse, reserve, or name the leases that are short (reserving
    /// nothing then).
    private func attempt(_ budgets: [BudgetRecord], ceiling: BudgetAmounts) throws(GatewayError) -> Attempt {
        let now = clock()
        let result: Result<Attempt, GatewayError> = book.withLock { state in
            let shared = state.sharing.map { Self.leasesFresh(state, sharing: $0, now: now) }
            var warnings: [String] = []
            var lacking: [LeaseNeed] = []
            for budget in budgets {
                let key = BudgetKey(budget)
                // In place (`modifyValue`): a copy out and back retained the budget's fields and
                // copied its meters.
                let refusal = state.accounts.modifyValue(forKey: key) { account -> GatewayError? in
                    account.roll(now: now)
                    if let meter = account.reachedMeter() {
                        if budget.action == .block { return Self.exceeded(budget, meter: meter, now: now) }
                        warnings.append(budget.id)
                    }
                    guard budget.action == .block, let fresh = shared else { return nil }
                    guard fresh else { return Self.unavailable }
                    for meter in account.meters {
                        let need = account.reserved.amount(meter.limit.unit) &+ meter.pending &+ ceiling.amount(meter.limit.unit) &- meter.lease
                        guard need > 0 else { continue }
                        let meterKey = BudgetMeterKey(tenantID: budget.tenantID, budgetID: budget.id, limit: meter.limit.rawValue,
                                                      periodStart: meter.periodStart)
                        lacking.append(LeaseNeed(key: key, budget: budget,
                                                 request: BudgetLeaseRequest(meter: meterKey, value: meter.value, need: need, initialSpent: meter.baseline)))
                    }
                    return nil
                }
                if let refusal = refusal ?? nil { return .failure(refusal) }
            }
            if let sharing = state.sharing, !lacking.isEmpty { return .success(.lacking(lacking, sharing)) }
            for budget in budgets {
                state.accounts.modifyValue(forKey: BudgetKey(budget)) { account in
                    account.reserved = account.reserved + ceiling
                    account.lastReserve = now
                }
            }
            return .success(.reserved(warnings: warnings))
        }
        return try result.get()
    }

    /// Gives the ceiling back and spends `actual` (nothing when the request never reached an
    /// upstream: it used nothing). Called once per reservation, by `BudgetReservation`.
    func settle(_ budgets: [BudgetKey], ceiling: BudgetAmounts, actual: BudgetAmounts?) {
        let now = clock()
        book.withLock { state in
            let shared = state.sharing != nil
            for key in budgets {
                state.accounts.modifyValue(forKey: key) { account in
                    account.reserved = account.reserved - ceiling
                    guard let actual else { return }
                    account.roll(now: now)
                    for i in account.meters.indices {
                        let amount = actual.amount(account.meters[i].limit.unit)
                        account.meters[i].used &+= amount
                        if shared { account.meters[i].pending &+= amount }
                    }
                }
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
        return book.withLock { state in
            var kept: [BudgetKey: Account] = [:]
            var fresh: [BudgetRecord] = []
            for budget in budgets {
                let key = BudgetKey(budget)
                if var account = state.accounts[key], account.record.limits == budget.limits, account.record.scope == budget.scope,
                   account.record.scopeID == budget.scopeID {
                    account.record = budget
                    kept[key] = account
                } else {
                    var account = Account(record: budget, meters: Self.meters(budget.limits, now: now))
                    account.reserved = state.accounts[key]?.reserved ?? .zero
                    kept[key] = account
                    fresh.append(budget)
                }
            }
            state.accounts = kept
            return fresh
        }
    }

    /// Adds what the usage records say a budget's current periods spent, limit by limit.
    func load(_ budget: BudgetRecord, totals: [BudgetLimit: BudgetAmounts]) {
        let key = BudgetKey(budget)
        book.withLock { state in
            guard var account = state.accounts[key] else { return }
            for i in account.meters.indices {
                if let total = totals[account.meters[i].limit] {
                    let amount = total.amount(account.meters[i].limit.unit)
                    account.meters[i].used &+= amount
                    account.meters[i].baseline &+= amount
                }
            }
            state.accounts[key] = account
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

    /// A budget's counters now (admin API `usage` and `status`, `GET /v1/budget`, alerts).
    public func state(of budget: BudgetRecord) -> BudgetState? {
        state(tenantID: budget.tenantID, budgetID: budget.id)
    }

    public func state(tenantID: String, budgetID: String) -> BudgetState? {
        let now = clock()
        let key = BudgetKey(tenantID: tenantID, budgetID: budgetID)
        return book.withLock { state in
            guard var account = state.accounts[key] else { return nil }
            account.roll(now: now)
            state.accounts[key] = account
            return BudgetState(meters: account.meters.map { .init(limit: $0.limit, used: $0.used, value: $0.value, resetsAt: $0.periodEnd, lease: $0.lease) },
                               reserved: account.reserved)
        }
    }
}

extension BudgetLedger.Account {
    /// Starts every limit whose period has ended over from zero (a shared meter's new period is
    /// a new meter in the store: the old period's lease and unreported spending stay behind).
    mutating func roll(now: Int64) {
        for i in meters.indices where now >= meters[i].periodEnd {
            meters[i].used = 0
            meters[i].baseline = 0
            meters[i].lease = 0
            meters[i].pending = 0
            meters[i].periodEnd = meters[i].limit.period.end(now)
        }
    }

    /// The first limit whose spent plus reserved has reached its value.
    func reachedMeter() -> BudgetLedger.Meter? {
        meters.first { $0.used &+ reserved.amount($0.limit.unit) >= $0.value }
    }
}
