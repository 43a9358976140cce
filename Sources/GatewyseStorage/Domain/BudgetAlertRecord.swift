/// A budget alert that fired: one threshold of one limit of one budget, reached in one period
/// (decisions/0014). It is also the webhook's outbox entry: the body to send is fixed when the
/// alert fires (every attempt sends the same bytes), and the delivery state lives beside it, so
/// a restarted process — killed or not — resumes what was pending from the store.
///
/// `uniqueKey` (`tenant|budget|limit|periodStart|threshold`) is unique across the whole store:
/// of several replicas that see the same crossing, exactly one insert succeeds, and only that
/// one is audited and delivered.
public struct BudgetAlertRecord: DomainResource {
    public static let kind = ResourceKind.budgetAlert

    /// Where the webhook delivery stands.
    public enum Delivery: String, Sendable, Codable {
        /// The budget's alert has no webhook: recorded and audited only.
        case none
        /// Waiting for its next attempt (`nextAttemptAt`).
        case pending
        case delivered
        /// Every attempt failed; no more will be made.
        case failed
    }

    public var id: String
    public var tenantID: String
    public var budgetID: String
    public var budgetName: String
    public var scope: BudgetRecord.Scope
    public var scopeID: String
    /// The limit's name (`dailyUsd`, `monthlyTokens`, …).
    public var limit: String
    public var thresholdPercent: Int
    /// What the limit had counted when the alert fired, in its unit (nano-dollars, tokens, requests).
    public var used: Int64
    public var limitValue: Int64
    /// The period the crossing belongs to, Unix ms: its start and its end (when it resets).
    public var periodStart: Int64
    public var periodEnd: Int64
    /// Unix ms.
    public var firedAt: Int64
    public var webhookURL: String?
    /// The exact JSON bytes every attempt sends (and signs).
    public var payload: String
    public var delivery: Delivery
    public var attempts: Int
    /// Unix ms: when the next attempt is due (pending), and when the last one was made.
    public var nextAttemptAt: Int64?
    public var lastAttemptAt: Int64?
    /// The last failed attempt: an HTTP status or why no answer came. Never a secret.
    public var lastError: String?
    public var deliveredAt: Int64?

    public var uniqueKey: String? {
        Self.uniqueKey(tenantID: tenantID, budgetID: budgetID, limit: limit, periodStart: periodStart, thresholdPercent: thresholdPercent)
    }

    /// Once per budget × limit × period × threshold, across every tenant and replica.
    public static func uniqueKey(tenantID: String, budgetID: String, limit: String, periodStart: Int64, thresholdPercent: Int) -> String {
        "\(tenantID)|\(budgetID)|\(limit)|\(periodStart)|\(thresholdPercent)"
    }

    public init(id: String, tenantID: String, budgetID: String, budgetName: String, scope: BudgetRecord.Scope, scopeID: String,
                limit: String, thresholdPercent: Int, used: Int64, limitValue: Int64, periodStart: Int64, periodEnd: Int64,
                firedAt: Int64, webhookURL: String?, payload: String) {
        self.id = id
        self.tenantID = tenantID
        self.budgetID = budgetID
        self.budgetName = budgetName
        self.scope = scope
        self.scopeID = scopeID
        self.limit = limit
        self.thresholdPercent = thresholdPercent
        self.used = used
        self.limitValue = limitValue
        self.periodStart = periodStart
        self.periodEnd = periodEnd
        self.firedAt = firedAt
        self.webhookURL = webhookURL
        self.payload = payload
        self.delivery = webhookURL == nil ? .none : .pending
        self.attempts = 0
        self.nextAttemptAt = webhookURL == nil ? nil : firedAt
    }
}
