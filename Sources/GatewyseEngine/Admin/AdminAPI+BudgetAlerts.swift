import GatewyseCore
import GatewyseStorage

/// The budget alerts a budget fired, with their webhook delivery state, and the tenant's
/// webhook signing secret (decisions/0014).
extension AdminAPI {
    func budgetAlertRoutes() -> [AdminRoute] {
        [
            // Before `budgets/{id}`: the literal segment must win over the parameter. Write
            // permission: whoever can point a budget's alerts at a receiver configures that
            // receiver, and readers of budgets need not hold the key that vouches for alerts.
            AdminRoute("GET", "/api/admin/budgets/webhook-secret", .budgetsWrite) { [self] request in
                let secret = webhooks.secret(tenantID: request.principal.tenantID)
                return .ok(.object(JSONObject([
                    ("webhookSigningSecret", .string(secret.revealed)), ("header", .string(WebhookSigner.header)),
                    ("scheme", "t=<unix seconds>,v1=<hex HMAC-SHA256 keyed with the secret's UTF-8 text over \"<t>.\" + body>"),
                ])))
            },
            AdminRoute("GET", "/api/admin/budgets/{id}/alerts", .budgetsRead) { [self] request in
                let budget = try await existing(BudgetRecord.self, "budget", request)
                let alerts = try await store.everything(BudgetAlertRecord.self, tenantID: budget.tenantID).filter { $0.budgetID == budget.id }
                return .ok(try AdminListing.page(alerts.map { ($0.id, render($0)) }, query: request.query,
                                                 filterable: ["limitName", "thresholdPercent", "deliveryStatus"]))
            },
        ]
    }

    func render(_ alert: BudgetAlertRecord) -> JSONObject {
        let limit = BudgetLimit(rawValue: alert.limit)
        func amount(_ value: Int64) -> JSONValue { limit.map { Self.limitValue($0, value) } ?? .int(Int(clamping: value)) }
        func time(_ ms: Int64?) -> JSONValue { ms.map { .string(Timestamp.rfc3339(milliseconds: $0)) } ?? .null }
        return JSONObject([
            ("id", .string(alert.id)), ("budgetId", .string(alert.budgetID)), ("limitName", .string(alert.limit)),
            ("thresholdPercent", .int(alert.thresholdPercent)), ("used", amount(alert.used)), ("limitValue", amount(alert.limitValue)),
            ("periodStart", time(alert.periodStart)), ("resetsAt", time(alert.periodEnd)), ("firedAt", time(alert.firedAt)),
            ("webhookUrl", .optional(alert.webhookURL)), ("deliveryStatus", .string(alert.delivery.rawValue)),
            ("attempts", .int(alert.attempts)), ("lastAttemptAt", time(alert.lastAttemptAt)), ("nextAttemptAt", time(alert.nextAttemptAt)),
            ("lastError", .optional(alert.lastError)), ("deliveredAt", time(alert.deliveredAt)),
        ])
    }
}
