import Foundation
import GatewyseCore
import GatewyseStorage

/// `budgets` (admin-api.md §4): limits on a tenant, organization, department, user or key,
/// enforced on the request path from the ledger's counters (`BudgetLedger`), which also answer
/// each budget's `usage` and `status` here. Dollar limits are read exactly from their decimal
/// text and answered as exact numbers.
extension AdminAPI {
    static let budgetFields: Set<String> = ["id", "name", "scope", "scopeId", "limits", "action", "alerts", "enabled"]
    static let limitFields = Set(BudgetLimit.allCases.map(\.rawValue))

    func budgetRoutes() -> [AdminRoute] {
        [
            AdminRoute("GET", "/api/admin/budgets", .budgetsRead) { [self] request in
                let budgets = try await store.everything(BudgetRecord.self, tenantID: request.principal.tenantID)
                return .ok(try AdminListing.page(budgets.map { ($0.id, render($0)) }, query: request.query,
                                                 filterable: ["name", "scope", "scopeId", "action", "enabled", "status"]))
            },
            AdminRoute("POST", "/api/admin/budgets", .budgetsWrite) { [self] request in
                let body = try FieldReader(request.body, allowed: Self.budgetFields)
                let tenantID = request.principal.tenantID
                let scope = try budgetScope(body) ?? .tenant
                var budget = BudgetRecord(id: try chosenID(body, prefix: "bud"), tenantID: tenantID, name: try nonEmpty(body.requiredString("name"), "name"),
                                          scope: scope, scopeID: tenantID, limits: BudgetRecord.Limits(), createdAt: now, updatedAt: now)
                try await apply(body, to: &budget)
                do {
                    try await commit([.insert(budget, at: now)], audit: [
                        request.principal.audit("budget.create", targetType: "budget", targetID: budget.id,
                                                summary: "created budget \(budget.name) on \(scope.rawValue) \(budget.scopeID)", time: nowMilliseconds),
                    ])
                } catch StoreError.duplicate {
                    throw GatewayError.conflict("A budget with id '\(budget.id)' already exists.", param: "id")
                }
                return .created(.object(render(budget)))
            },
            AdminRoute("GET", "/api/admin/budgets/{id}", .budgetsRead) { [self] request in
                .ok(.object(render(try await existing(BudgetRecord.self, "budget", request))))
            },
            AdminRoute("PATCH", "/api/admin/budgets/{id}", .budgetsWrite) { [self] request in
                var (budget, version) = try await existingVersioned(BudgetRecord.self, "budget", request)
                let body = try FieldReader(request.body, allowed: Self.budgetFields.subtracting(["id"]))
                let before = render(budget, withUsage: false)
                if let name = try body.string("name") { budget.name = try nonEmpty(name, "name") }
                if let scope = try budgetScope(body) { budget.scope = scope }
                try await apply(body, to: &budget)
                budget.updatedAt = now
                try await commit([.update(budget, at: now, expectedVersion: version)], audit: [
                    request.principal.audit("budget.update", targetType: "budget", targetID: budget.id,
                                            summary: changeSummary(before: before, after: render(budget, withUsage: false)), time: nowMilliseconds),
                ])
                return .ok(.object(render(budget)))
            },
            AdminRoute("DELETE", "/api/admin/budgets/{id}", .budgetsWrite) { [self] request in
                let budget = try await existing(BudgetRecord.self, "budget", request)
                try await commit([.delete(budget)], audit: [
                    request.principal.audit("budget.delete", targetType: "budget", targetID: budget.id, summary: "deleted budget \(budget.name)",
                                            time: nowMilliseconds),
                ])
                return .noContent
            },
        ]
    }

    private func budgetScope(_ body: FieldReader) throws(GatewayError) -> BudgetRecord.Scope? {
        try body.choice("scope", BudgetRecord.Scope.allCases.map(\.rawValue)).flatMap(BudgetRecord.Scope.init(rawValue:))
    }

    /// The body's `scopeId`, `limits`, `action`, `alerts` and `enabled` onto `budget`, checked:
    /// the unit must exist in the tenant, and a budget must keep at least one limit.
    private func apply(_ body: FieldReader, to budget: inout BudgetRecord) async throws {
        let tenantID = budget.tenantID
        if let scopeID = try body.string("scopeId") { budget.scopeID = scopeID }
        switch budget.scope {
        case .tenant:
            guard budget.scopeID == tenantID else { throw GatewayError.invalidField("scopeId", "A tenant budget's 'scopeId' is the tenant's id, '\(tenantID)'.") }
        case .organization: try await requireMember(Organization.self, budget.scopeID, tenantID: tenantID, field: "scopeId")
        case .department: try await requireMember(Department.self, budget.scopeID, tenantID: tenantID, field: "scopeId")
        case .user: try await requireMember(UserRecord.self, budget.scopeID, tenantID: tenantID, field: "scopeId")
        case .apiKey: try await requireMember(APIKeyRecord.self, budget.scopeID, tenantID: tenantID, field: "scopeId")
        }
        if let limits = try body.nested("limits", allowed: Self.limitFields) {
            // Nested PATCH merge, as for keys' rate limits: a limit left out keeps its value, null removes it.
            var merged = budget.limits
            func dollars(_ field: String, _ current: Int64?) throws(GatewayError) -> Int64? {
                limits.has(field) ? try usd(limits, field, unit: "").map(\.nanos) : current
            }
            func count(_ field: String, _ current: Int?) throws(GatewayError) -> Int? {
                guard limits.has(field) else { return current }
                guard let value = try limits.count(field) else { return nil }
                guard value > 0 else { throw GatewayError.invalidField(limits.name(field), "'\(limits.name(field))' must be a positive whole number.") }
                return value
            }
            merged.dailyUsd = try dollars("dailyUsd", merged.dailyUsd)
            merged.weeklyUsd = try dollars("weeklyUsd", merged.weeklyUsd)
            merged.monthlyUsd = try dollars("monthlyUsd", merged.monthlyUsd)
            merged.dailyTokens = try count("dailyTokens", merged.dailyTokens)
            merged.monthlyTokens = try count("monthlyTokens", merged.monthlyTokens)
            merged.dailyRequests = try count("dailyRequests", merged.dailyRequests)
            budget.limits = merged
        }
        guard !budget.limits.isEmpty else {
            throw GatewayError.invalidField("limits", "A budget needs at least one of \(BudgetLimit.allCases.map(\.rawValue).joined(separator: ", ")).")
        }
        if let action = try body.choice("action", ["block", "warn"]) { budget.action = BudgetRecord.Action(rawValue: action) ?? .block }
        if body.has("alerts") { budget.alerts = try alerts(body) }
        if let enabled = try body.bool("enabled") { budget.enabled = enabled }
    }

    private func alerts(_ body: FieldReader) throws(GatewayError) -> [BudgetRecord.Alert] {
        guard case .array(let items)? = body.object["alerts"] else {
            if body.object["alerts"]?.isNull ?? true { return [] }
            throw GatewayError.invalidField("alerts", "'alerts' must be an array of {thresholdPercent, webhookUrl}.")
        }
        var alerts: [BudgetRecord.Alert] = []
        for (index, item) in items.enumerated() {
            let reader = try FieldReader(item, path: "alerts[\(index)]", allowed: ["thresholdPercent", "webhookUrl"])
            guard let percent = try reader.count("thresholdPercent"), (1...100).contains(percent) else {
                throw GatewayError.invalidField(reader.name("thresholdPercent"), "'\(reader.name("thresholdPercent"))' must be a whole number from 1 to 100.")
            }
            let webhook = try reader.string("webhookUrl")
            if let webhook, let problem = webhookProblem(webhook) {
                throw GatewayError.invalidField(reader.name("webhookUrl"), "'\(reader.name("webhookUrl"))': \(problem).")
            }
            // An alert fires once per threshold and period (decisions/0014): a threshold listed
            // twice could only ever reach one of its webhooks.
            guard !alerts.contains(where: { $0.thresholdPercent == percent }) else {
                throw GatewayError.invalidField(reader.name("thresholdPercent"), "Each threshold may appear once; \(percent) appears twice.")
            }
            alerts.append(BudgetRecord.Alert(thresholdPercent: percent, webhookURL: webhook))
        }
        return alerts.sorted { $0.thresholdPercent < $1.thresholdPercent }
    }

    /// The SSRF policy of provider base URLs, applied to a webhook a tenant admin writes:
    /// link-local and metadata addresses never, loopback and private ones only when the
    /// operator allows it in the configuration (`budget_alerts.allow_private_webhooks`). The
    /// delivery judges the URL again, and every address its name resolves to when it connects.
    func webhookProblem(_ url: String) -> String? {
        if let problem = UpstreamURLPolicy.problem(with: url, allowPrivate: true) { return problem }
        guard !configuration.budgetAlerts.allowPrivateWebhooks, let host = URLComponents(string: url)?.host else { return nil }
        switch UpstreamURLPolicy.classify(host: host) {
        case .loopback, .privateNetwork:
            return "'\(url)' points at a private or loopback address, which this gateway's configuration does not allow for webhooks"
        case .publicAddress, .linkLocal:
            return nil
        }
    }

    func render(_ budget: BudgetRecord, withUsage: Bool = true) -> JSONObject {
        var limits = JSONObject()
        for limit in BudgetLimit.allCases {
            guard let value = limit.value(in: budget.limits) else { continue }
            limits[limit.rawValue] = Self.limitValue(limit, value)
        }
        var out = JSONObject([
            ("id", .string(budget.id)), ("name", .string(budget.name)), ("scope", .string(budget.scope.rawValue)), ("scopeId", .string(budget.scopeID)),
            ("limits", .object(limits)), ("action", .string(budget.action.rawValue)),
            ("alerts", .array(budget.alerts.map { .object(JSONObject([("thresholdPercent", .int($0.thresholdPercent)),
                                                                     ("webhookUrl", .optional($0.webhookURL))])) })),
            ("enabled", .bool(budget.enabled)), ("createdAt", .time(budget.createdAt)),
        ])
        guard withUsage else { return out }
        let state = budgetLedger.state(of: budget)
        var usage = JSONObject()
        for meter in state?.meters ?? [] {
            let percent = meter.value > 0 ? Double(meter.used) * 100 / Double(meter.value) : 0
            usage[meter.limit.rawValue] = .object(JSONObject([
                ("used", Self.limitValue(meter.limit, meter.used)), ("limit", Self.limitValue(meter.limit, meter.value)),
                ("reserved", Self.limitValue(meter.limit, state?.reserved.amount(meter.limit.unit) ?? 0)),
                ("leased", Self.limitValue(meter.limit, meter.lease)),
                ("percent", .number(String(Double(Int(percent * 100)) / 100))), ("resetsAt", .time(meter.resetsAt / 1000)),
            ]))
        }
        out["usage"] = .object(usage)
        let alertPercent = budget.alerts.first?.thresholdPercent ?? 80
        out["status"] = .string(!budget.enabled ? "disabled" : state?.status(alertPercent: alertPercent) ?? "active")
        return out
    }

    /// Dollars as exact decimal numbers, counts as integers.
    static func limitValue(_ limit: BudgetLimit, _ value: Int64) -> JSONValue {
        limit.unit == .nanos ? .number(Money(nanos: value).description) : .int(Int(clamping: value))
    }
}
