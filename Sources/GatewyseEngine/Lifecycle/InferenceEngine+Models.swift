import GatewyseCore

/// A model a principal may address, for `GET /v1/models`.
public struct ModelListing: Sendable, Equatable {
    public var id: String
    public var ownedBy: String
    /// What the model can serve (product-spec §2.12 `capabilities[]`): its provider type's
    /// catalog capabilities for that model (`ModelCapabilityRules`), or for an alias those of
    /// any of its targets, in the catalog's order.
    public var capabilities: [String] = []
}

extension InferenceEngine {
    /// The models a principal may address: every alias, then every `provider/model` the
    /// configuration names (declared provider models and alias targets) — those the key's and
    /// its tenant's model and provider restrictions leave.
    public func listModels(for principal: Principal) -> [ModelListing] {
        let resolver = snapshot.resolver
        let policy = principal.policy
        var listings: [ModelListing] = []
        var seen: Set<String> = []
        func capabilities(_ provider: String, _ model: String) -> Set<Capability> {
            guard let adapter = resolver.tenantAdapters[principal.tenantID]?[provider] ?? resolver.adapters[provider] else { return [] }
            guard let rules = adapter.configuration.entry.modelCapabilities else { return adapter.capabilities }
            return rules.capabilities(forModel: model).intersection(adapter.capabilities)
        }
        let aliases = resolver.aliases(for: principal.tenantID)
        for alias in aliases.values.sorted(by: { $0.name < $1.name }) {
            let reachable = !policy.restrictsRoutes || alias.targets.contains {
                policy.allows(providerID: $0.provider, upstreamModel: $0.model, requestedModel: alias.name)
            }
            if reachable, seen.insert(alias.name).inserted {
                let served = alias.targets.reduce(into: Set<Capability>()) { $0.formUnion(capabilities($1.provider, $1.model)) }
                listings.append(ModelListing(id: alias.name, ownedBy: "gatewyse", capabilities: Self.names(served)))
            }
        }
        var addressed: [(String, String)] = []
        for (providerID, models) in resolver.declaredModels { addressed += models.map { (providerID, $0) } }
        for alias in aliases.values { addressed += alias.targets.map { ($0.provider, $0.model) } }
        for (provider, model) in addressed.sorted(by: { ($0.0, $0.1) < ($1.0, $1.1) }) {
            let id = "\(provider)/\(model)"
            guard policy.allows(providerID: provider, upstreamModel: model, requestedModel: id) else { continue }
            if seen.insert(id).inserted {
                listings.append(ModelListing(id: id, ownedBy: provider, capabilities: Self.names(capabilities(provider, model))))
            }
        }
        return listings
    }

    static func names(_ capabilities: Set<Capability>) -> [String] {
        Capability.allCases.filter(capabilities.contains).map(\.rawValue)
    }
}
