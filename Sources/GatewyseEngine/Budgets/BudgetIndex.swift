import GatewyseStorage

/// The enabled budgets of every tenant, as the request path looks them up: part of the
/// runtime snapshot, rebuilt at each reload. A tenant without budgets costs one dictionary miss.
public struct BudgetIndex: Sendable {
    private let byTenant: [String: [BudgetRecord]]

    /// `budgets`: every stored budget; disabled ones are left out (they neither count nor refuse).
    public init(_ budgets: [BudgetRecord] = []) {
        var byTenant: [String: [BudgetRecord]] = [:]
        for budget in budgets where budget.enabled && !budget.limits.isEmpty { byTenant[budget.tenantID, default: []].append(budget) }
        self.byTenant = byTenant.mapValues { $0.sorted { ($0.scope.specificity, $0.id) < ($1.scope.specificity, $1.id) } }
    }

    public var isEmpty: Bool { byTenant.isEmpty }

    /// The enabled budgets that have at least one alert threshold (the alert monitor's rounds).
    public var alerting: [BudgetRecord] {
        byTenant.values.flatMap { $0.filter { !$0.alerts.isEmpty } }
    }

    /// The budgets that apply to a caller, most specific first: its key's, its user's, its
    /// department's, its organization's and its tenant's.
    ///
    /// When every budget of the tenant applies (a tenant budget alone, the common case), the
    /// stored array itself is returned: filtering copies each record, a retain and a release
    /// per field, on every governed request.
    public func applicable(to principal: Principal) -> [BudgetRecord] {
        guard let budgets = byTenant[principal.tenantID] else { return [] }
        // Each budget judged once: those before the first that does not apply are kept as a run.
        guard let excluded = budgets.firstIndex(where: { !Self.applies($0, to: principal) }) else { return budgets }
        return Array(budgets[..<excluded]) + budgets[(excluded + 1)...].filter { Self.applies($0, to: principal) }
    }

    static func applies(_ budget: BudgetRecord, to principal: Principal) -> Bool {
        switch budget.scope {
        case .tenant: budget.scopeID == principal.tenantID
        case .organization: budget.scopeID == principal.organizationID
        case .department: budget.scopeID == principal.departmentID
        case .user: budget.scopeID == principal.userID
        case .apiKey: budget.scopeID == principal.keyID
        }
    }
}
