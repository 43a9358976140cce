import GatewyseCore
import GatewyseProviders
import GatewyseRouting
import GatewyseStorage
import Synchronization

/// One way to serve a request: a provider adapter and the model name it knows.
public struct RouteCandidate: Sendable {
    public var adapter: any ProviderAdapter
    public var upstreamModel: String
    /// The routing library's view of this deployment (priority, weight, catalog data).
    public var deployment: Deployment
    /// The free-tier counter this deployment's calls count against, built once with the route
    /// (not per request: reading the adapter's configuration copies a large struct).
    public let freeTierKey: String
    /// Whether the transport may connect to private addresses for it (read once, like `freeTierKey`).
    public let allowPrivateNetwork: Bool
    /// The provider's catalog type, which built-in prices are keyed by (read once, like `freeTierKey`).
    public let providerType: String
    /// What the upstream model serves when its catalog type says it by model
    /// (`ModelCapabilityRules`); nil when every model serves the type's capabilities.
    public let modelCapabilities: Set<Capability>?

    /// - Parameter freeTierScope: for a provider added through the admin API, the tenant that
    ///   owns it (`SystemScope.tenantID` when shared): its free tier is counted under that
    ///   tenant, and the planner looks it up there too (`Deployment.freeTierKey`).
    public init(adapter: any ProviderAdapter, upstreamModel: String, deployment: Deployment, freeTierScope: String? = nil) {
        self.adapter = adapter
        self.upstreamModel = upstreamModel
        let configuration = adapter.configuration
        providerType = configuration.entry.type
        modelCapabilities = configuration.entry.modelCapabilities.map { _ in configuration.entry.capabilities(forModel: upstreamModel) }
        freeTierKey = RoutingRuntime.freeTierKey(type: providerType, providerID: deployment.providerID, model: upstreamModel, scope: freeTierScope)
        var deployment = deployment
        if freeTierScope != nil { deployment.freeTierKey = freeTierKey }
        self.deployment = deployment
        allowPrivateNetwork = configuration.allowPrivateNetwork
    }

    /// What a request served here costs per token, for the tenant the route was resolved for
    /// (`ModelPricing`); nil when nothing prices it.
    public var price: ModelPrice? { deployment.catalog.price }

    /// This candidate with its price resolved for a tenant.
    func priced(_ pricing: ModelPricing, tenantID: String?) -> RouteCandidate {
        var candidate = self
        candidate.deployment.catalog.price = pricing.price(for: deployment, providerType: providerType, tenantID: tenantID)
        return candidate
    }
}

/// What a request's `model` resolves to: the deployments that may serve it, how to order them,
/// and the routes to fall back to once they all failed.
public struct ResolvedRoute: Sendable {
    public var strategy: RoutingStrategyKind
    public var candidates: [RouteCandidate]
    /// Fallback aliases' routes, in order (one level: their own fallbacks are not followed, so a
    /// chain cannot loop).
    public var fallbacks: [ResolvedRoute] = []
}

/// Resolves a request's `model` to its route: an alias from `models`, or
/// `provider-id/upstream-model` (split at the first '/', so `together/meta-llama/Llama-3-70b`
/// reaches Together with `meta-llama/Llama-3-70b`). A pure function of the configuration; the
/// order is decided afterwards by the alias's strategy (`GatewyseRouting.RoutePlanner`).
///
/// A class: the snapshot hands it to every request, and a struct of a dozen tables would be
/// copied (a dozen retains and releases) each time.
public final class RouteResolver: Sendable {
    public let adapters: [String: any ProviderAdapter]
    /// Providers a tenant added itself, by tenant id: its routes and `provider/model` requests
    /// may use them besides the shared ones.
    public let tenantAdapters: [String: [String: any ProviderAdapter]]
    /// Upstream models each provider declares (`providers[].models`), for `GET /v1/models`.
    public let declaredModels: [(providerID: String, models: [String])]
    public let aliases: [String: ModelAlias]
    /// Tenant-specific aliases, by tenant id; they shadow global aliases of the same name.
    public let tenantAliases: [String: [String: ModelAlias]]
    /// The prices resolved into every candidate (and into `provider/model` requests' ones).
    public let pricing: ModelPricing
    // Built once: the request path only looks routes up. A tenant with prices of its own gets
    // its own copy of every global route too, priced for it.
    private let routes: [String: ResolvedRoute]
    private let tenantRoutes: [String: [String: ResolvedRoute]]
    /// Every deployment (`provider/model`) a route targets or a provider declares: the model
    /// names metrics may use as labels (a client-chosen `provider/model` outside it is `other`).
    public let configuredDeployments: Set<String>
    /// The free tiers of the providers added through the admin API, by tracker key
    /// (`RouteCandidate.freeTierKey`), for every deployment a route targets, as the
    /// configuration's are declared for its aliases' targets: what the provider states, else the
    /// catalog's default for its type. The loader declares them when the snapshot is swapped in.
    public let storedFreeTiers: [String: FreeTierQuota]
    /// Shared providers from the store that no configured provider of the same id hides.
    private let sharedStoredProviderIDs: Set<String>
    /// `provider/model` routes already built, by tenant and name: building one reads the
    /// adapter's configuration and the price book, on every request that names it. Bounded
    /// (clients choose the names): past `directRouteLimit` the table starts over. Lives as long
    /// as this resolver, so a reload never serves a stale one.
    private let directRoutes = Mutex<[DirectRouteKey: ResolvedRoute]>([:])
    static let directRouteLimit = 4096

    private struct DirectRouteKey: Hashable {
        let tenantID: String?
        let model: String
    }

    /// - Parameter storedRoutes: routes from the store (admin API); an enabled stored route
    ///   replaces the configured alias of the same name in its scope (global or tenant).
    /// - Parameter sharedProviders: providers added through the admin API for every tenant.
    /// - Parameter tenantProviders: providers a tenant added for itself, by tenant id.
    /// - Parameter providerFreeTiers: the free tiers the stored providers state, by tenant id
    ///   (`SystemScope.tenantID` for shared ones), then provider id: nil for none; a provider
    ///   with no entry gets the catalog's default, like `GatewayConfiguration.freeTierOverrides`.
    /// - Parameter pricing: the prices to resolve into candidates; by default the configuration's
    ///   over the built-in book.
    public init(configuration: GatewayConfiguration, storedRoutes: [RouteRecord] = [], sharedProviders: [ProviderConfiguration] = [],
                tenantProviders: [String: [ProviderConfiguration]] = [:], providerFreeTiers: [String: [String: FreeTierQuota?]] = [:],
                pricing: ModelPricing? = nil) {
        let pricing = pricing ?? ModelPricing(shared: configuration.prices)
        self.pricing = pricing
        var adapters: [String: any ProviderAdapter] = [:]
        // The configuration file wins over a stored provider of the same id (the admin API refuses to create one).
        for provider in sharedProviders + configuration.providers { adapters[provider.id] = ProviderRegistry.makeAdapter(for: provider) }
        self.adapters = adapters
        let sharedStoredProviderIDs = Set(sharedProviders.map(\.id)).subtracting(configuration.providers.map(\.id))
        self.sharedStoredProviderIDs = sharedStoredProviderIDs
        let tenantAdapters = tenantProviders.mapValues { providers in
            Dictionary(providers.map { ($0.id, ProviderRegistry.makeAdapter(for: $0)) }, uniquingKeysWith: { first, _ in first })
        }
        self.tenantAdapters = tenantAdapters
        declaredModels = (configuration.providers + sharedProviders).map { ($0.id, $0.models) }

        var global = Dictionary(configuration.models.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        var perTenant: [String: [String: ModelAlias]] = [:]
        for tenant in configuration.tenants where !tenant.models.isEmpty {
            perTenant[tenant.id] = Dictionary(tenant.models.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        }
        for record in storedRoutes where record.enabled && record.capability == .chat {
            guard let alias = Self.alias(from: record) else { continue }
            if let tenant = record.tenant { perTenant[tenant, default: [:]][alias.name] = alias } else { global[alias.name] = alias }
        }
        aliases = global
        tenantAliases = perTenant
        var deployments = Set<String>()
        for alias in global.values { for target in alias.targets { deployments.insert(target.provider + "/" + target.model) } }
        for own in perTenant.values { for alias in own.values { for target in alias.targets { deployments.insert(target.provider + "/" + target.model) } } }
        for (provider, models) in declaredModels { for model in models { deployments.insert(provider + "/" + model) } }
        configuredDeployments = deployments

        var storedFreeTiers: [String: FreeTierQuota] = [:]
        func candidates(_ alias: ModelAlias, tenant: String? = nil) -> [RouteCandidate] {
            alias.targets.compactMap { target in
                let own = tenant.flatMap { tenantAdapters[$0]?[target.provider] }
                guard let adapter = own ?? adapters[target.provider] else { return nil }
                let scope = Self.freeTierScope(of: target.provider, tenant: tenant, ownedByTenant: own != nil, sharedStored: sharedStoredProviderIDs)
                let candidate = RouteCandidate(adapter: adapter, upstreamModel: target.model,
                                               deployment: Deployment(providerID: target.provider, model: target.model,
                                                                      priority: target.priority, weight: target.weight),
                                               freeTierScope: scope).priced(pricing, tenantID: tenant)
                if let scope {
                    // What the provider states (nil: no free tier) replaces the catalog's default, as in the file.
                    let quota: FreeTierQuota?
                    if let stated = providerFreeTiers[scope]?[target.provider] { quota = stated }
                    else { quota = FreeTierDefaults.quota(providerID: candidate.providerType, model: target.model) }
                    if let quota { storedFreeTiers[candidate.freeTierKey] = quota }
                }
                return candidate
            }
        }
        func route(_ alias: ModelAlias, scope: [String: ModelAlias], tenant: String? = nil) -> ResolvedRoute {
            ResolvedRoute(strategy: alias.strategy, candidates: candidates(alias, tenant: tenant), fallbacks: alias.fallbacks.compactMap { name in
                (scope[name] ?? global[name]).map { ResolvedRoute(strategy: $0.strategy, candidates: candidates($0, tenant: tenant)) }
            })
        }
        routes = global.mapValues { route($0, scope: global) }
        var tenantRoutes: [String: [String: ResolvedRoute]] = [:]
        for tenant in pricing.tenants.keys {
            // Global aliases keep their global fallbacks; only their prices are the tenant's.
            tenantRoutes[tenant] = global.mapValues { route($0, scope: global, tenant: tenant) }
        }
        for (tenant, own) in perTenant {
            tenantRoutes[tenant, default: [:]].merge(own.mapValues { route($0, scope: own, tenant: tenant) }) { _, own in own }
        }
        self.tenantRoutes = tenantRoutes
        self.storedFreeTiers = storedFreeTiers
    }

    /// Whose free tier a provider's calls count under (`RouteCandidate.freeTierScope`): the
    /// tenant's for its own provider, the system scope's for a stored shared one, and nil for
    /// the configuration's, keyed as they always were.
    static func freeTierScope(of providerID: String, tenant: String?, ownedByTenant: Bool, sharedStored: Set<String>) -> String? {
        if ownedByTenant { return tenant }
        return sharedStored.contains(providerID) ? SystemScope.tenantID : nil
    }

    /// A stored route as an alias, or nil when its strategy is unknown to this build.
    static func alias(from record: RouteRecord) -> ModelAlias? {
        guard let strategy = RoutingStrategyKind(rawValue: record.strategy) else { return nil }
        return ModelAlias(name: record.alias, strategy: strategy,
                          targets: record.targets.map { ModelTarget(provider: $0.provider, model: $0.model, priority: $0.priority, weight: $0.weight) },
                          fallbacks: record.fallbacks)
    }

    /// Whether a client's `model` is a name the configuration gives: an alias (global or a
    /// tenant's) or a configured deployment's `provider/model`.
    public func isConfiguredModelName(_ name: String) -> Bool {
        if aliases[name] != nil || configuredDeployments.contains(name) { return true }
        return tenantAliases.values.contains { $0[name] != nil }
    }

    /// The aliases a tenant sees: the global ones, with its own replacing same-named ones.
    public func aliases(for tenantID: String) -> [String: ModelAlias] {
        aliases.merging(tenantAliases[tenantID] ?? [:]) { _, own in own }
    }

    /// Why a client-chosen upstream model cannot be used, or nil. Several providers put the model
    /// in the URL (Gemini, Azure deployments, Bedrock), so a name must not be able to leave its
    /// path segment or the request line: no whitespace, control or non-ASCII characters, none of `?#%\\`,
    /// and no `.` or `..` segment. Names with `/`, `:`, `@` or `+` (Hugging Face repos, Ollama
    /// tags, Bedrock ids) stay valid.
    static func unsafeUpstreamModel(_ model: String) -> String? {
        if model.utf8.count > 256 { return "is longer than 256 bytes" }
        for byte in model.utf8 where byte <= 0x20 || byte >= 0x7F || byte == UInt8(ascii: "?") || byte == UInt8(ascii: "#")
            || byte == UInt8(ascii: "%") || byte == UInt8(ascii: "\\") {
            return "contains a character not allowed in model names (whitespace, control or non-ASCII characters, ? # % or \\)"
        }
        // Segment by segment over the bytes (no array of substrings: this runs on every request).
        let badSegment = "has an empty, '.' or '..' path segment"
        var length = 0, onlyDots = true
        for byte in model.utf8 {
            if byte == UInt8(ascii: "/") {
                if length == 0 || (onlyDots && length <= 2) { return badSegment }
                length = 0
                onlyDots = true
            } else {
                length += 1
                if byte != UInt8(ascii: ".") { onlyDots = false }
            }
        }
        if length == 0 || (onlyDots && length <= 2) { return badSegment }
        return nil
    }

    public func resolve(model: String, tenantID: String? = nil) throws(GatewayError) -> ResolvedRoute {
        if let tenantID, let route = tenantRoutes[tenantID]?[model] { return route }
        if let route = routes[model] { return route }
        let key = DirectRouteKey(tenantID: tenantID, model: model)
        if let route = directRoutes.withLock({ $0[key] }) { return route }
        let route = try directRoute(model: model, tenantID: tenantID)
        directRoutes.withLock { table in
            if table.count >= Self.directRouteLimit { table.removeAll(keepingCapacity: true) }
            table[key] = route
        }
        return route
    }

    /// A `provider/model` name's route: that provider (the tenant's own first), that model.
    private func directRoute(model: String, tenantID: String?) throws(GatewayError) -> ResolvedRoute {
        if let slash = model.firstIndex(of: "/") {
            let providerID = String(model[..<slash])
            let upstreamModel = String(model[model.index(after: slash)...])
            let own = tenantID.flatMap { tenantAdapters[$0]?[providerID] }
            if let adapter = own ?? adapters[providerID], !upstreamModel.isEmpty {
                if let problem = Self.unsafeUpstreamModel(upstreamModel) {
                    throw GatewayError.invalidRequest("Field 'model': the model name after '\(providerID)/' \(problem).", param: "model", code: "INVALID_FIELD")
                }
                // Counted under the same key as the routes' candidates of this provider.
                let scope = Self.freeTierScope(of: providerID, tenant: tenantID, ownedByTenant: own != nil, sharedStored: sharedStoredProviderIDs)
                return ResolvedRoute(strategy: .failover, candidates: [
                    RouteCandidate(adapter: adapter, upstreamModel: upstreamModel, deployment: Deployment(providerID: providerID, model: upstreamModel),
                                   freeTierScope: scope)
                        .priced(pricing, tenantID: tenantID),
                ])
            }
        }
        throw GatewayError.modelNotFound(model)
    }
}
