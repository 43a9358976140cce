import Synchronization

/// `BudgetLeaseStore` in memory: several ledgers of one process sharing budgets as replicas on
/// PostgreSQL do (the ledger's tests run the protocol here, and `PostgresStore` against the
/// same contract).
public final class InMemoryBudgetLeases: BudgetLeaseStore {
    struct Meter {
        var spent: Int64
        var leases: [String: (amount: Int64, expiresAt: Int64)] = [:]

        var leased: Int64 { leases.values.reduce(0) { $0 + $1.amount } }

        /// Drops the leases whose replica stopped renewing them.
        mutating func reclaim(now: Int64) {
            leases = leases.filter { $0.value.expiresAt >= now }
        }
    }

    private let meters = Mutex<[BudgetMeterKey: Meter]>([:])

    public init() {}

    public func grantBudgetLease(_ request: BudgetLeaseRequest, replica: String, now: Int64, ttl: Int64) async throws -> (granted: Int64, share: BudgetMeterShare) {
        meters.withLock { meters in
            var meter = meters[request.meter] ?? Meter(spent: request.initialSpent)
            meter.reclaim(now: now)
            let granted = BudgetLeasePolicy.grant(room: request.value - meter.spent - meter.leased, need: request.need)
            let held = (meter.leases[replica]?.amount ?? 0) + granted
            if held > 0 { meter.leases[replica] = (held, now + ttl) }
            meters[request.meter] = meter
            return (granted, BudgetMeterShare(spent: meter.spent, lease: held))
        }
    }

    public func reportBudgetLeases(_ reports: [BudgetLeaseReport], replica: String, now: Int64, ttl: Int64) async throws -> [BudgetMeterKey: BudgetMeterShare] {
        meters.withLock { meters in
            var shares: [BudgetMeterKey: BudgetMeterShare] = [:]
            for report in reports.sorted(by: { $0.meter < $1.meter }) {
                var meter = meters[report.meter] ?? Meter(spent: report.initialSpent)
                meter.spent += report.spent
                meter.reclaim(now: now)
                if let lease = meter.leases[replica] {
                    let left = max(0, lease.amount - report.spent - report.returned)
                    meter.leases[replica] = left > 0 ? (left, now + ttl) : nil
                }
                meters[report.meter] = meter
                shares[report.meter] = BudgetMeterShare(spent: meter.spent, lease: meter.leases[replica]?.amount ?? 0)
            }
            return shares
        }
    }
}
