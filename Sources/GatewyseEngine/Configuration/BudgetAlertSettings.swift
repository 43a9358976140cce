/// How budget alerts are checked and delivered (`budget_alerts:`, decisions/0014).
public struct BudgetAlertSettings: Sendable, Equatable {
    /// Whether webhook URLs may point at loopback and private-network addresses
    /// (`budget_alerts.allow_private_webhooks`). Off by default: a tenant admin writes the URL,
    /// and the gateway must not become a way into the operator's internal network. Link-local
    /// and cloud-metadata addresses stay refused either way. An operator whose receivers are
    /// internal (and tests, which receive on loopback) turn it on.
    public var allowPrivateWebhooks = false
    /// Seconds between two checks of the budgets' counters (`budget_alerts.check_interval_ms`).
    public var checkInterval: Double = 1

    public init() {}
}
