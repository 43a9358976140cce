import GatewyseStorage

/// One alert threshold a budget's limit has reached in its current period.
public struct BudgetAlertCrossing: Sendable, Equatable {
    public var budget: BudgetRecord
    public var limit: BudgetLimit
    public var thresholdPercent: Int
    public var webhookURL: String?
    public var used: Int64
    public var value: Int64
    /// Unix ms.
    public var periodStart: Int64
    public var periodEnd: Int64

    /// The store-wide key that makes it fire once (`BudgetAlertRecord.uniqueKey`).
    public var key: String {
        BudgetAlertRecord.uniqueKey(tenantID: budget.tenantID, budgetID: budget.id, limit: limit.rawValue, periodStart: periodStart,
                                    thresholdPercent: thresholdPercent)
    }
}

/// Finds the alert thresholds reached (spent ≥ threshold % of a limit) in each limit's current
/// period, from the ledger's counters, and remembers which it has already handed out, so each
/// crossing is reported once per process (the store's unique key makes it once across
/// replicas). A state machine without I/O (ARCHITECTURE rule 5): the monitor feeds it budgets,
/// counters and the time, and tells it which crossings are settled.
public struct BudgetAlertDetector: Sendable {
    /// Crossings recorded here or found recorded by another replica, with the end of their
    /// period: past it they can never be reported again (a new period has a new key), so they
    /// are forgotten and the set stays as small as the thresholds reached in current periods.
    private var settled: [String: Int64] = [:]

    public init() {}

    /// The crossings not yet settled. Only counters spent count, not reservations in flight:
    /// an alert says what was used, and a reservation may be given back.
    public mutating func crossings(_ budgets: [BudgetRecord], state: (BudgetRecord) -> BudgetState?, now: Int64) -> [BudgetAlertCrossing] {
        settled = settled.filter { $0.value > now }
        var found: [BudgetAlertCrossing] = []
        for budget in budgets where budget.enabled && !budget.alerts.isEmpty {
            guard let state = state(budget) else { continue }
            for meter in state.meters where meter.value > 0 {
                let periodStart = meter.limit.period.start(meter.resetsAt - 1)
                for alert in budget.alerts where Self.reached(used: meter.used, value: meter.value, percent: alert.thresholdPercent) {
                    let crossing = BudgetAlertCrossing(budget: budget, limit: meter.limit, thresholdPercent: alert.thresholdPercent,
                                                       webhookURL: alert.webhookURL, used: meter.used, value: meter.value,
                                                       periodStart: periodStart, periodEnd: meter.resetsAt)
                    if settled[crossing.key] == nil, !found.contains(where: { $0.key == crossing.key }) { found.append(crossing) }
                }
            }
        }
        return found
    }

    /// The crossing is in the store (recorded by this process or another): never report it again.
    public mutating func settle(_ crossing: BudgetAlertCrossing) {
        settled[crossing.key] = crossing.periodEnd
    }

    /// used ≥ percent % of value, exactly (128-bit: nano-dollar counters times 100 can pass Int64).
    static func reached(used: Int64, value: Int64, percent: Int) -> Bool {
        Int128(used) * 100 >= Int128(value) * Int128(percent)
    }
}
