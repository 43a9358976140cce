import GatewyseCore
import GatewyseStorage

/// How a ledger shares its budgets with the other replicas (decisions/0018).
public struct BudgetSharing: Sendable {
    public var store: any BudgetLeaseStore
    /// This process, as the store's leases name it.
    public var replicaID: String
    /// A lease not renewed for this long (ms) is reclaimed: its replica is taken for dead.
    public var leaseTTL: Int64
    /// A lease unused for this long (ms) is given back at the next sync, for other replicas.
    public var idleReturn: Int64

    public init(store: any BudgetLeaseStore, replicaID: String, leaseTTL: Int64 = 30_000, idleReturn: Int64 = 2_000) {
        self.store = store
        self.replicaID = replicaID
        self.leaseTTL = leaseTTL
        self.idleReturn = idleReturn
    }
}

extension BudgetLedger {
    /// From now on, `block` budgets are drawn in leases from `sharing.store`. Set once, before
    /// the first request.
    public func share(_ sharing: BudgetSharing) {
        let now = clock()
        book.withLock {
            $0.sharing = sharing
            $0.lastSync = now
        }
    }

    public var isShared: Bool { book.withLock { $0.sharing != nil } }

    /// Whether the leases held can still be trusted: the last successful sync renewed them less
    /// than half a TTL ago. Past that, the ledger refuses `block` budgets' requests rather than
    /// spend leases the store may reclaim.
    static func leasesFresh(_ state: State, sharing: BudgetSharing, now: Int64) -> Bool {
        now - state.lastSync < sharing.leaseTTL / 2
    }

    /// How often (ms) a sync reads back the meters it has nothing to report on.
    static let refreshInterval: Int64 = 1_000

    static let unavailable = GatewayError(status: 503, code: "BUDGET_UNAVAILABLE", type: "api_error",
                                          message: "The budgets' shared store cannot be reached; retry shortly.", headers: [("Retry-After", "1")])

    /// Asks the store for what each meter lacks; refuses the request when a meter has nothing left.
    func grant(_ needs: [LeaseNeed], sharing: BudgetSharing) async throws(GatewayError) {
        for need in needs {
            let granted: Int64, share: BudgetMeterShare
            do {
                (granted, share) = try await sharing.store.grantBudgetLease(need.request, replica: sharing.replicaID, now: clock(),
                                                                            ttl: sharing.leaseTTL)
            } catch {
                // Closed, not open: a budget that cannot be checked refuses rather than overspends.
                throw Self.unavailable
            }
            let now = clock()
            let refusal: GatewayError? = book.withLock { state in
                guard var account = state.accounts[need.key],
                      let i = account.meters.firstIndex(where: { $0.limit.rawValue == need.request.meter.limit }) else { return nil }
                account.roll(now: now)
                guard account.meters[i].periodStart == need.request.meter.periodStart else { return nil }
                account.meters[i].lease &+= granted
                account.meters[i].used = max(account.meters[i].used, share.spent &+ account.meters[i].pending)
                state.accounts[need.key] = account
                guard granted == 0 else { return nil }
                // Nothing left: the limit counts as reached (and the ledger refuses locally from now on).
                account.meters[i].used = max(account.meters[i].used, account.meters[i].value)
                state.accounts[need.key] = account
                return Self.exceeded(need.budget, meter: account.meters[i], now: now)
            }
            if let refusal { throw refusal }
        }
    }

    /// Reports what was spent since the last sync, renews the leases held, gives back those idle
    /// (all of them when `final`: the process is stopping), and takes the shared spent amounts
    /// back. Runs in the background (`BudgetSyncService`), never on the request path.
    public func sync(final: Bool = false) async throws {
        // One at a time (the service's loop and a shutdown's final sync may overlap): the
        // second waits for the first rather than report its pending spending again.
        while !book.withLock({ state in
            if state.syncing { return false }
            state.syncing = true
            return true
        }) {
            try await Task.sleep(for: .milliseconds(1))
        }
        defer { book.withLock { $0.syncing = false } }
        let now = clock()
        let (reports, sharing, stale): ([BudgetLeaseReport], BudgetSharing?, Bool) = book.withLock { state in
            guard let sharing = state.sharing else { return ([], nil, false) }
            var reports: [BudgetLeaseReport] = []
            // Meters with nothing to report or renew are read back once a second (what other
            // replicas spent: the admin API's usage and the alerts see the whole).
            let refresh = now - state.lastRefresh >= Self.refreshInterval
            if refresh { state.lastRefresh = now }
            for (key, var account) in state.accounts {
                let idle = final || now - account.lastReserve >= sharing.idleReturn
                for (i, meter) in account.meters.enumerated() where meter.now(now) {
                    // Unused lease goes back when the budget sits idle, and at every sync once a
                    // limit is 90 % spent: near the end, leases idling on one replica would refuse
                    // another's requests. It leaves the lease here at once, so no request can
                    // reserve against what is being given back.
                    let nearLimit = meter.used >= meter.value - meter.value / 10
                    let unused = min(meter.lease, max(0, meter.lease &- meter.pending &- account.reserved.amount(meter.limit.unit)))
                    let returned = idle || nearLimit ? unused : 0
                    account.meters[i].lease &-= returned
                    // A meter taken for spent (a grant found nothing left) is read back at every
                    // sync: given-back leases may have made room again.
                    guard refresh || meter.pending != 0 || meter.lease > 0 || meter.used >= meter.value else { continue }
                    reports.append(BudgetLeaseReport(meter: BudgetMeterKey(tenantID: key.tenantID, budgetID: key.budgetID,
                                                                           limit: meter.limit.rawValue, periodStart: meter.periodStart),
                                                     initialSpent: meter.baseline, spent: meter.pending, returned: returned))
                }
                state.accounts[key] = account
            }
            return (reports, sharing, now - state.lastSync >= sharing.leaseTTL)
        }
        guard let sharing else { return }
        let shares: [BudgetMeterKey: BudgetMeterShare]
        do {
            shares = try await sharing.store.reportBudgetLeases(reports, replica: sharing.replicaID, now: now, ttl: sharing.leaseTTL)
        } catch {
            // Not given back after all: the lease is still this replica's (it expires in the store otherwise).
            book.withLock { state in
                for report in reports where report.returned > 0 {
                    let key = BudgetKey(tenantID: report.meter.tenantID, budgetID: report.meter.budgetID)
                    guard var account = state.accounts[key],
                          let i = account.meters.firstIndex(where: { $0.limit.rawValue == report.meter.limit }),
                          account.meters[i].periodStart == report.meter.periodStart else { continue }
                    account.meters[i].lease &+= report.returned
                    state.accounts[key] = account
                }
            }
            throw error
        }
        book.withLock { state in
            state.lastSync = max(state.lastSync, now)
            for report in reports {
                let key = BudgetKey(tenantID: report.meter.tenantID, budgetID: report.meter.budgetID)
                guard var account = state.accounts[key],
                      let i = account.meters.firstIndex(where: { $0.limit.rawValue == report.meter.limit }),
                      account.meters[i].periodStart == report.meter.periodStart else { continue }
                var meter = account.meters[i]
                meter.pending &-= report.spent
                // Spending comes out of the lease it was reserved in (warn budgets hold none);
                // what was given back left the lease when the report was made.
                meter.lease = max(0, meter.lease &- report.spent)
                if let share = shares[report.meter] {
                    // After a silence as long as the TTL the store may have reclaimed the lease:
                    // trust it. (No grant ran meanwhile: a stale ledger refuses instead.)
                    if stale { meter.lease = min(meter.lease, share.lease) }
                    meter.used = share.spent &+ meter.pending
                }
                account.meters[i] = meter
                state.accounts[key] = account
            }
        }
    }
}

extension BudgetLedger.Meter {
    /// Still in the period it was counted for (a rolled meter waits for its next use).
    func now(_ now: Int64) -> Bool { now < periodEnd }
}
