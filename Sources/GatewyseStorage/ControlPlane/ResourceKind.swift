/// The kinds of control-plane resource a store holds (admin-api.md §4). Each is stored as a
/// document of its kind (decisions/0007): the raw value is what the backends write.
public enum ResourceKind: String, Sendable, Hashable, CaseIterable, Codable {
    case tenant
    case organization
    case department
    case user
    case role
    case apiKey = "api_key"
    case provider
    case route
    case model
    case settings
    case budget
    /// An admin sign-in: the refresh-token family behind one login (accounts).
    case session
    /// A budget alert that fired, with its webhook delivery state (decisions/0014).
    case budgetAlert = "budget_alert"

    /// Whether a change of this kind can change what a runtime snapshot holds. Commits that
    /// change only kinds that cannot (budget alerts: written by a background service, read by
    /// nobody on the request path) do not bump the control revision, so they do not make every
    /// replica rebuild its snapshot.
    public var changesSnapshot: Bool {
        self != .budgetAlert
    }
}

/// The scope of resources that belong to no tenant: the tenants themselves, the operator's
/// shared providers and routes, super-admins, and the system audit chain. Tenant ids are slugs
/// (`[a-z0-9-]{2,63}`), so the empty string can never collide with one.
public enum SystemScope {
    public static let tenantID = ""
}
