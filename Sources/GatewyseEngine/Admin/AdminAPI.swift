import GatewyseCore
import GatewyseRouting
import GatewyseStorage

/// The admin API (admin-api.md §4, §5) as a route table over the control-plane store. Every
/// mutation commits with its audit entry in one transaction, then asks the runtime to reload
/// its snapshot so the change reaches this replica's request path at once (others follow via
/// the revision watch).
public final class AdminAPI: Sendable {
    let store: any GatewayStore
    let passwords: PasswordHasher
    let clock: @Sendable () -> Int64
    let reload: @Sendable () async -> Void
    /// The configuration file's providers and aliases: read through the API as `source: "config"`.
    let configuration: GatewayConfiguration
    /// Encrypts provider credentials before they reach the store.
    let credentials: CredentialCipher
    /// Calls a provider for `POST /api/admin/providers/{id}/test`.
    let prober: ProviderProber
    /// This replica's measured deployment health.
    let healthSnapshot: @Sendable () -> HealthSnapshot
    /// This replica's budget counters, for each budget's `usage` and `status`.
    let budgetLedger: BudgetLedger
    /// Each tenant's webhook signing secret (`GET /api/admin/budgets/webhook-secret`).
    let webhooks: WebhookSigner
    /// This replica's requests as they complete (`GET /api/admin/requests/live`).
    let feed: RequestFeed

    public init(store: any GatewayStore, passwords: PasswordHasher, configuration: GatewayConfiguration = GatewayConfiguration(),
                credentials: CredentialCipher = CredentialCipher(masterKey: .random()), prober: ProviderProber,
                healthSnapshot: @escaping @Sendable () -> HealthSnapshot = { HealthSnapshot() }, budgets: BudgetLedger = BudgetLedger(),
                webhooks: WebhookSigner = WebhookSigner(masterKey: .random()), feed: RequestFeed = RequestFeed(),
                clock: @escaping @Sendable () -> Int64 = UnixClock.now, reload: @escaping @Sendable () async -> Void = {}) {
        self.store = store
        self.passwords = passwords
        self.clock = clock
        self.reload = reload
        self.configuration = configuration
        self.credentials = credentials
        self.prober = prober
        self.healthSnapshot = healthSnapshot
        self.budgetLedger = budgets
        self.webhooks = webhooks
        self.feed = feed
    }
}

/// The route table of an `AdminAPI` and the one place calls are authorized and run.
public struct AdminRouter: Sendable {
    public let api: AdminAPI
    public let routes: [AdminRoute]

    public init(api: AdminAPI) {
        self.api = api
        routes = api.tenantRoutes() + api.organizationRoutes() + api.departmentRoutes() + api.userRoutes() + api.roleRoutes()
            + api.keyRoutes() + [api.providerHealthRoute()] + api.providerRoutes() + api.routeRoutes() + api.modelRoutes() + api.budgetAlertRoutes() + api.budgetRoutes() + api.settingsRoutes() + api.auditRoutes()
            + api.usageRoutes()
    }

    /// The route for a method and path, with its parameters; nil when none matches (the
    /// transport answers 404, or 405 when the path matches another method).
    public func route(method: String, path: String) -> (route: AdminRoute, parameters: [String: String])? {
        let segments = path.split(separator: "/", omittingEmptySubsequences: true)
        for route in routes where route.method == method {
            if let parameters = route.match(segments) { return (route, parameters) }
        }
        return nil
    }

    public func pathExists(_ path: String) -> Bool {
        let segments = path.split(separator: "/", omittingEmptySubsequences: true)
        return routes.contains { $0.match(segments) != nil }
    }

    /// Authorizes and runs one call.
    public func handle(_ route: AdminRoute, _ request: AdminRequest) async throws -> AdminAnswer {
        var request = request
        try AccessPolicy.authorize(route, &request)
        do {
            return try await route.handler(request)
        } catch let error as StoreError {
            throw AdminAPI.gatewayError(error)
        }
    }
}

extension AdminAPI {
    static func gatewayError(_ error: StoreError) -> GatewayError {
        switch error {
        case .duplicate(let what): .conflict("\(what) already exists.")
        case .notFound(let what): .resourceNotFound("resource", what)
        case .conflict(let what): .conflict("\(what) was changed concurrently; read it again and retry.")
        case .unknownTenant(let id): .resourceNotFound("tenant", id)
        default: .internalError()
        }
    }

    static var permissionCatalogue: JSONValue {
        .object(JSONObject([("data", .array(Permission.allCases.map { permission in
            .object(JSONObject([("permission", .string(permission.rawValue)), ("description", .string(permission.summary))]))
        }))]))
    }

    /// Commits the changes with their audit entries, then reloads this replica's snapshot.
    func commit(_ changes: [ResourceChange], audit: [AuditDraft]) async throws {
        try await store.commit(changes, audit: audit)
        await reload()
    }

    var now: Int64 { clock() }
    var nowMilliseconds: Int64 { clock() * 1000 }
}
