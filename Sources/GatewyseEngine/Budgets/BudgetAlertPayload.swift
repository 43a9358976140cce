import GatewyseCore

/// The JSON body of a budget-alert webhook, written once when the alert fires: every delivery
/// attempt sends (and signs) these exact bytes. Amounts are in the limit's unit — exact decimal
/// USD for the dollar limits, whole tokens or requests for the others.
enum BudgetAlertPayload {
    static func json(id: String, crossing: BudgetAlertCrossing, firedAt: Int64) -> String {
        let budget = crossing.budget
        let body: JSONValue = .object(JSONObject([
            ("id", .string(id)),
            ("type", "budget.alert"),
            ("time", .string(Timestamp.rfc3339(milliseconds: firedAt))),
            ("tenantId", .string(budget.tenantID)),
            ("budget", .object(JSONObject([("id", .string(budget.id)), ("name", .string(budget.name)),
                                           ("scope", .string(budget.scope.rawValue)), ("scopeId", .string(budget.scopeID)),
                                           ("action", .string(budget.action.rawValue))]))),
            ("limit", .string(crossing.limit.rawValue)),
            ("thresholdPercent", .int(crossing.thresholdPercent)),
            ("used", amount(crossing.limit, crossing.used)),
            ("limitValue", amount(crossing.limit, crossing.value)),
            ("periodStart", .string(Timestamp.rfc3339(milliseconds: crossing.periodStart))),
            ("resetsAt", .string(Timestamp.rfc3339(milliseconds: crossing.periodEnd))),
        ]))
        return JSONWriter.string(body)
    }

    static func amount(_ limit: BudgetLimit, _ value: Int64) -> JSONValue {
        limit.unit == .nanos ? .number(Money(nanos: value).description) : .number(String(value))
    }
}
