/// What the request path reads from memory (ARCHITECTURE §6): the keys with their governance
/// (scopes, allow-lists, their tenant's status and switches — `KeyPolicy`), the tenants, and
/// the route table. Immutable; a reload builds a new snapshot and swaps it in atomically
/// (`InferenceEngine.replaceSnapshot`), so a request sees one consistent version from its
/// admission to its end, and never waits on a reload.
///
/// A class so that taking it per request is one reference, not a copy of every table in it.
public final class RuntimeSnapshot: Sendable {
    public let authenticator: APIKeyAuthenticator
    public let resolver: RouteResolver
    /// The store's control revision the snapshot was built from (`ControlPlaneStore.revision`);
    /// a reload never replaces a snapshot with one built from an older revision.
    public let revision: Int64
    /// The enabled budgets, by tenant.
    public let budgets: BudgetIndex

    public init(authenticator: APIKeyAuthenticator, resolver: RouteResolver, budgets: BudgetIndex = BudgetIndex(), revision: Int64 = .min) {
        self.authenticator = authenticator
        self.resolver = resolver
        self.budgets = budgets
        self.revision = revision
    }

    /// Tenants by id, as the keys' policies see them.
    public var tenants: [String: TenantPolicy] { authenticator.tenants }

    public func replacing(authenticator: APIKeyAuthenticator? = nil, resolver: RouteResolver? = nil) -> RuntimeSnapshot {
        RuntimeSnapshot(authenticator: authenticator ?? self.authenticator, resolver: resolver ?? self.resolver, budgets: budgets,
                        revision: revision)
    }
}
