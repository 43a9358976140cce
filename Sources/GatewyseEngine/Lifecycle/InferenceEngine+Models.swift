/// A model a principal may address, for `GET /v1/models`.
public struct ModelListing: Sendable, Equatable {
    public var id: String
    public var ownedBy: String
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
        let aliases = resolver.aliases(for: principal.tenantID)
        for alias in aliases.values.sorted(by: { $0.name < $1.name }) {
            let reachable = !policy.restrictsRoutes || alias.targets.contains {
                policy.allows(providerID: $0.provider, upstreamModel: $0.model, requestedModel: alias.name)
            }
            if reachable, seen.insert(alias.name).inserted { listings.append(ModelListing(id: alias.name, ownedBy: "gatewyse")) }
        }
        var addressed: [(String, String)] = []
        for (providerID, models) in resolver.declaredModels { addressed += models.map { (providerID, $0) } }
        for alias in aliases.values { addressed += alias.targets.map { ($0.provider, $0.model) } }
        for (provider, model) in addressed.sorted(by: { ($0.0, $0.1) < ($1.0, $1.1) }) {
            let id = "\(provider)/\(model)"
            guard policy.allows(providerID: provider, upstreamModel: model, requestedModel: id) else { continue }
            if seen.insert(id).inserted { listings.append(ModelListing(id: id, ownedBy: provider)) }
        }
        return listings
    }
}
