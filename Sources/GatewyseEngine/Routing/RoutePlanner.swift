import GatewyseCore
import GatewyseProviders

/// One way to serve a request: a provider adapter and the model name it knows.
public struct RouteCandidate: Sendable {
    public var adapter: any ProviderAdapter
    public var upstreamModel: String

    public init(adapter: any ProviderAdapter, upstreamModel: String) {
        self.adapter = adapter
        self.upstreamModel = upstreamModel
    }
}

/// Resolves a request's `model` to an ordered list of candidates: an alias from `models`, or
/// `provider-id/upstream-model` (split at the first '/', so `together/meta-llama/Llama-3-70b`
/// reaches Together with `meta-llama/Llama-3-70b`). A pure function of the configuration.
public struct RoutePlanner: Sendable {
    public let adapters: [String: any ProviderAdapter]
    public let aliases: [String: ModelAlias]

    public init(configuration: GatewayConfiguration) {
        var adapters: [String: any ProviderAdapter] = [:]
        for provider in configuration.providers { adapters[provider.id] = ProviderRegistry.makeAdapter(for: provider) }
        self.adapters = adapters
        var aliases: [String: ModelAlias] = [:]
        for alias in configuration.models { aliases[alias.name] = alias }
        self.aliases = aliases
    }

    public func plan(model: String) throws(GatewayError) -> [RouteCandidate] {
        if let alias = aliases[model] {
            // failover and priority both keep the written order; the first target is preferred.
            switch alias.strategy {
            case .failover, .priority:
                return alias.targets.compactMap { target in
                    adapters[target.provider].map { RouteCandidate(adapter: $0, upstreamModel: target.model) }
                }
            }
        }
        if let slash = model.firstIndex(of: "/") {
            let providerID = String(model[..<slash])
            let upstreamModel = String(model[model.index(after: slash)...])
            if let adapter = adapters[providerID], !upstreamModel.isEmpty {
                return [RouteCandidate(adapter: adapter, upstreamModel: upstreamModel)]
            }
        }
        throw GatewayError.modelNotFound(model)
    }
}
