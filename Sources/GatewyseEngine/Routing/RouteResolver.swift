import GatewyseCore
import GatewyseProviders
import GatewyseRouting

/// One way to serve a request: a provider adapter and the model name it knows.
public struct RouteCandidate: Sendable {
    public var adapter: any ProviderAdapter
    public var upstreamModel: String
    /// The routing library's view of this deployment (priority, weight, catalog data).
    public var deployment: Deployment

    public init(adapter: any ProviderAdapter, upstreamModel: String, deployment: Deployment) {
        self.adapter = adapter
        self.upstreamModel = upstreamModel
        self.deployment = deployment
    }
}

/// What a request's `model` resolves to: the deployments that may serve it and how to order them.
public struct ResolvedRoute: Sendable {
    public var strategy: RoutingStrategyKind
    public var candidates: [RouteCandidate]
}

/// Resolves a request's `model` to its route: an alias from `models`, or
/// `provider-id/upstream-model` (split at the first '/', so `together/meta-llama/Llama-3-70b`
/// reaches Together with `meta-llama/Llama-3-70b`). A pure function of the configuration; the
/// order is decided afterwards by the alias's strategy (`GatewyseRouting.RoutePlanner`).
public struct RouteResolver: Sendable {
    public let adapters: [String: any ProviderAdapter]
    public let aliases: [String: ModelAlias]
    /// Tenant-specific aliases, by tenant id; they shadow global aliases of the same name.
    public let tenantAliases: [String: [String: ModelAlias]]
    // Built once: the request path only looks routes up.
    private let routes: [String: ResolvedRoute]
    private let tenantRoutes: [String: [String: ResolvedRoute]]

    public init(configuration: GatewayConfiguration) {
        var adapters: [String: any ProviderAdapter] = [:]
        for provider in configuration.providers { adapters[provider.id] = ProviderRegistry.makeAdapter(for: provider) }
        self.adapters = adapters
        func route(_ alias: ModelAlias) -> ResolvedRoute {
            ResolvedRoute(strategy: alias.strategy, candidates: alias.targets.compactMap { target in
                adapters[target.provider].map {
                    RouteCandidate(adapter: $0, upstreamModel: target.model,
                                   deployment: Deployment(providerID: target.provider, model: target.model, priority: target.priority, weight: target.weight))
                }
            })
        }
        aliases = Dictionary(configuration.models.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        routes = aliases.mapValues(route)
        var tenantAliases: [String: [String: ModelAlias]] = [:]
        for tenant in configuration.tenants where !tenant.models.isEmpty {
            tenantAliases[tenant.id] = Dictionary(tenant.models.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        }
        self.tenantAliases = tenantAliases
        tenantRoutes = tenantAliases.mapValues { $0.mapValues(route) }
    }

    /// The aliases a tenant sees: the global ones, with its own replacing same-named ones.
    public func aliases(for tenantID: String) -> [String: ModelAlias] {
        aliases.merging(tenantAliases[tenantID] ?? [:]) { _, own in own }
    }

    public func resolve(model: String, tenantID: String? = nil) throws(GatewayError) -> ResolvedRoute {
        if let tenantID, let route = tenantRoutes[tenantID]?[model] { return route }
        if let route = routes[model] { return route }
        if let slash = model.firstIndex(of: "/") {
            let providerID = String(model[..<slash])
            let upstreamModel = String(model[model.index(after: slash)...])
            if let adapter = adapters[providerID], !upstreamModel.isEmpty {
                return ResolvedRoute(strategy: .failover, candidates: [
                    RouteCandidate(adapter: adapter, upstreamModel: upstreamModel, deployment: Deployment(providerID: providerID, model: upstreamModel)),
                ])
            }
        }
        throw GatewayError.modelNotFound(model)
    }
}
