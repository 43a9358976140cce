import GatewyseCore
import GatewyseStorage
import Logging

/// Fires budget alerts and delivers their webhooks (decisions/0014). The server's
/// `BudgetAlertService` calls `tick()` about once a second; tests call it on an injected clock.
///
/// **Firing.** Each tick asks the detector for thresholds reached in the current periods (from
/// this replica's ledger counters) and records each as a `BudgetAlertRecord` with its audit
/// entry (`budget.alert`, actor `system`) in one commit. The record's unique key makes the
/// insert fail as a duplicate on every replica but the first, so an alert fires — is recorded,
/// audited and delivered — once per budget × limit × period × threshold.
///
/// **Delivering.** The record is the outbox entry (`BudgetAlertMonitor+Delivery.swift`).
public actor BudgetAlertMonitor {
    /// How webhook attempts are spaced: `first`, then doubling, `attempts` in all (the default,
    /// 30 s × 2ⁿ over 8 attempts, tries for about an hour).
    public struct Backoff: Sendable, Equatable {
        public var attempts: Int
        /// Milliseconds before the second attempt.
        public var first: Int64

        public init(attempts: Int = 8, first: Int64 = 30_000) {
            self.attempts = max(1, attempts)
            self.first = max(1, first)
        }

        /// Milliseconds to wait after the `attempt`-th failure (1-based).
        public func delay(afterAttempt attempt: Int) -> Int64 {
            first << Int64(min(max(attempt - 1, 0), 20))
        }
    }

    /// A pending delivery's address in the store.
    struct Address: Hashable {
        var tenantID: String
        var id: String
    }

    let store: any ControlPlaneStore
    let ledger: BudgetLedger
    /// The enabled budgets with alerts, from the serving snapshot.
    let budgets: @Sendable () -> [BudgetRecord]
    let transport: any UpstreamTransport
    let signer: WebhookSigner
    /// Whether webhooks may point at private and loopback addresses (`budget_alerts.allow_private_webhooks`).
    let allowPrivate: Bool
    let backoff: Backoff
    /// Timeouts of one delivery attempt (`defaultAttemptTimeouts` unless a test needs more room).
    let attemptTimeouts: UpstreamSettings
    /// Milliseconds between reads of every pending delivery from the store (the first tick reads
    /// them too): how a restarted process resumes, and how a replica takes over those of one
    /// that stopped for good.
    let sweepInterval: Int64
    /// Unix ms.
    let clock: @Sendable () -> Int64
    let logger: Logger

    var detector = BudgetAlertDetector()
    /// Pending deliveries this process knows of, with when each is next due (Unix ms).
    var outbox: [Address: Int64] = [:]
    var lastSweep: Int64?

    public init(store: any ControlPlaneStore, ledger: BudgetLedger, budgets: @escaping @Sendable () -> [BudgetRecord],
                transport: any UpstreamTransport, signer: WebhookSigner, allowPrivate: Bool, backoff: Backoff = Backoff(),
                attemptTimeouts: UpstreamSettings = BudgetAlertMonitor.defaultAttemptTimeouts,
                sweepInterval: Int64 = 300_000, clock: @escaping @Sendable () -> Int64 = UnixClock.milliseconds,
                logger: Logger = Logger(label: "gatewyse.budget-alerts")) {
        self.store = store
        self.ledger = ledger
        self.budgets = budgets
        self.transport = transport
        self.signer = signer
        self.allowPrivate = allowPrivate
        self.backoff = backoff
        self.attemptTimeouts = attemptTimeouts
        self.sweepInterval = sweepInterval
        self.clock = clock
        self.logger = logger
    }

    /// One round: fire what crossed, then attempt the deliveries that are due.
    public func tick() async {
        await fire()
        await sweepIfDue()
        await deliverDue()
    }

    /// Records every crossing not yet settled. A failed commit (store down) is retried at the next tick.
    func fire() async {
        let crossings = detector.crossings(budgets(), state: ledger.state(of:), now: clock())
        for crossing in crossings {
            do {
                if let alert = try await record(crossing), alert.delivery == .pending {
                    outbox[Address(tenantID: alert.tenantID, id: alert.id)] = alert.nextAttemptAt ?? clock()
                }
                detector.settle(crossing)
            } catch {
                logger.warning("could not record a budget alert; trying again", metadata: [
                    "budget": "\(crossing.budget.id)", "limit": "\(crossing.limit.rawValue)", "error": "\(error)"])
            }
        }
    }

    /// The alert and its audit entry in one commit; nil when another replica (or an earlier run
    /// of this one) recorded it first.
    func record(_ crossing: BudgetAlertCrossing) async throws -> BudgetAlertRecord? {
        let now = clock()
        // Time first (12 hex digits of Unix ms), so ids sort in firing order for the admin list's cursor.
        let time = String(now, radix: 16)
        let id = "bal_" + String(repeating: "0", count: max(0, 12 - time.count)) + time + IDGenerator.hex(bytes: 6)
        let alert = BudgetAlertRecord(
            id: id, tenantID: crossing.budget.tenantID, budgetID: crossing.budget.id, budgetName: crossing.budget.name,
            scope: crossing.budget.scope, scopeID: crossing.budget.scopeID, limit: crossing.limit.rawValue,
            thresholdPercent: crossing.thresholdPercent, used: crossing.used, limitValue: crossing.value,
            periodStart: crossing.periodStart, periodEnd: crossing.periodEnd, firedAt: now, webhookURL: crossing.webhookURL,
            payload: BudgetAlertPayload.json(id: id, crossing: crossing, firedAt: now))
        let audit = AuditDraft(tenantID: alert.tenantID, time: now, actorID: "system", actorType: .system, action: "budget.alert",
                               targetType: "budget", targetID: alert.budgetID,
                               summary: "budget \(alert.budgetName) reached \(alert.thresholdPercent)% of its \(alert.limit) limit (alert \(id))")
        do {
            try await store.commit([.insert(alert, at: now / 1000)], audit: [audit])
        } catch StoreError.duplicate {
            return nil
        }
        logger.info("budget alert fired", metadata: ["budget": "\(alert.budgetID)", "limit": "\(alert.limit)",
                                                     "threshold": "\(alert.thresholdPercent)", "alert": "\(id)"])
        return alert
    }
}
