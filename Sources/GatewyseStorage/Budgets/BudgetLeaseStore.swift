/// One limit of one budget in one period: what replicas share through the database
/// (decisions/0018). The period is part of the key, so a new period starts a new meter and an
/// old one is never touched again.
public struct BudgetMeterKey: Hashable, Sendable, Comparable {
    public var tenantID: String
    public var budgetID: String
    /// `BudgetLimit`'s raw value (`dailyUsd`, …).
    public var limit: String
    /// Unix ms.
    public var periodStart: Int64

    public init(tenantID: String, budgetID: String, limit: String, periodStart: Int64) {
        self.tenantID = tenantID
        self.budgetID = budgetID
        self.limit = limit
        self.periodStart = periodStart
    }

    /// Reports lock meters in this order, so two replicas' reports never deadlock.
    public static func < (lhs: BudgetMeterKey, rhs: BudgetMeterKey) -> Bool {
        (lhs.tenantID, lhs.budgetID, lhs.limit, lhs.periodStart) < (rhs.tenantID, rhs.budgetID, rhs.limit, rhs.periodStart)
    }
}

/// A replica asking for more of a meter's budget.
public struct BudgetLeaseRequest: Sendable {
    public var meter: BudgetMeterKey
    /// The limit's value, in the meter's unit.
    public var value: Int64
    /// What the replica lacks to admit the request that asks (at least 1).
    public var need: Int64
    /// What the meter has spent when no replica has written it yet: the usage records' total
    /// for the period (a budget created mid-period, or the first use of a new period).
    public var initialSpent: Int64

    public init(meter: BudgetMeterKey, value: Int64, need: Int64, initialSpent: Int64) {
        self.meter = meter
        self.value = value
        self.need = need
        self.initialSpent = initialSpent
    }
}

/// What a replica tells the database about one meter at each sync.
public struct BudgetLeaseReport: Sendable {
    public var meter: BudgetMeterKey
    public var initialSpent: Int64
    /// Spent since the last report: added to the meter's spent, and taken out of this replica's lease.
    public var spent: Int64
    /// Lease given back unused.
    public var returned: Int64

    public init(meter: BudgetMeterKey, initialSpent: Int64, spent: Int64, returned: Int64) {
        self.meter = meter
        self.initialSpent = initialSpent
        self.spent = spent
        self.returned = returned
    }
}

/// A meter as the database holds it, after a grant or a report.
public struct BudgetMeterShare: Sendable, Equatable {
    /// What every replica has reported spent in the period.
    public var spent: Int64
    /// This replica's lease now: less than it believes when its lease expired (it did not
    /// report for a whole TTL) and another replica's grant reclaimed it.
    public var lease: Int64

    public init(spent: Int64, lease: Int64) {
        self.spent = spent
        self.lease = lease
    }
}

/// Budgets shared by replicas (decisions/0018): each meter's spent amount and the leases the
/// replicas hold on what is left. A replica admits requests against its lease in memory and
/// comes here only when the lease runs short, and in a background sync that reports what it
/// spent, renews its leases and gives back those it no longer uses. A lease not renewed for its
/// TTL (its replica died) is reclaimed by the next grant.
public protocol BudgetLeaseStore: Sendable {
    /// Grants `replica` more of a meter's budget, by `BudgetLeasePolicy.grant` over what no
    /// replica has spent or holds: 0 when nothing is left.
    func grantBudgetLease(_ request: BudgetLeaseRequest, replica: String, now: Int64, ttl: Int64) async throws -> (granted: Int64, share: BudgetMeterShare)

    /// Applies each report (in key order), renews the replica's leases on those meters, and
    /// answers each meter's state.
    func reportBudgetLeases(_ reports: [BudgetLeaseReport], replica: String, now: Int64, ttl: Int64) async throws -> [BudgetMeterKey: BudgetMeterShare]
}

/// How much of a meter's room a grant hands out: one rule for every store.
public enum BudgetLeasePolicy {
    /// `room`: the limit minus what is spent and what other leases hold. An eighth of the room
    /// (at least `need`), so leases shrink as the limit nears and a replica strands little;
    /// when some room is left but less than `need`, `need` itself — the one request allowed to
    /// pass the limit, by at most its ceiling, exactly as in one process. After it the room is
    /// negative and nothing more is granted, so across all replicas the spent total passes the
    /// limit by at most one request's ceiling.
    public static func grant(room: Int64, need: Int64) -> Int64 {
        guard room > 0, need > 0 else { return 0 }
        guard room >= need else { return need }
        return min(room, max(need, room / 8))
    }
}
