/// Turns a route's candidate deployments into the order the executor tries them in.
///
/// Every candidate appears exactly once. The strategy orders them (`RoutingStrategies`), then
/// deployments that are down or behind an open breaker move to the end, in the strategy's order:
/// a last resort, never dropped, so a request still has somewhere to go when everything looks
/// broken (product-spec §5.2, step 3 [new]). Appending the route's fallback chain is the caller's
/// job, as it is config, not strategy.
public enum RoutePlanner {
    public static func plan(candidates: [Deployment], strategy: RoutingStrategyKind, inputs: RoutingInputs,
                            using rng: inout some RandomNumberGenerator) -> [Deployment] {
        guard candidates.count > 1 else { return candidates }
        let ordered: [Deployment]
        switch strategy {
        case .priority: ordered = RoutingStrategies.priority(candidates)
        case .roundRobin: ordered = RoutingStrategies.roundRobin(candidates, counter: inputs.roundRobinCounter)
        case .weighted: ordered = RoutingStrategies.weighted(candidates, using: &rng)
        case .leastLatency: ordered = RoutingStrategies.leastLatency(candidates, health: inputs.health, stream: inputs.profile.isStream)
        case .leastCost: ordered = RoutingStrategies.leastCost(candidates, prices: inputs.prices, profile: inputs.profile)
        case .freeTierFirst: ordered = RoutingStrategies.freeTierFirst(candidates, freeTier: inputs.freeTier)
        case .taskOptimized: ordered = RoutingStrategies.taskOptimized(candidates, profile: inputs.profile)
        case .costOptimized: ordered = RoutingStrategies.costOptimized(candidates, prices: inputs.prices, profile: inputs.profile)
        case .failover: ordered = RoutingStrategies.failover(candidates, health: inputs.health)
        case .random: ordered = RoutingStrategies.random(candidates, using: &rng)
        }
        return demotingUnavailable(ordered, health: inputs.health)
    }

    /// `plan` with the system RNG, for callers that need no reproducibility.
    public static func plan(candidates: [Deployment], strategy: RoutingStrategyKind, inputs: RoutingInputs) -> [Deployment] {
        var rng = SystemRandomNumberGenerator()
        return plan(candidates: candidates, strategy: strategy, inputs: inputs, using: &rng)
    }

    /// Stable partition: available deployments first, then unavailable ones, each in the given
    /// order. Returns the input untouched (no allocation) when nothing is unavailable.
    public static func demotingUnavailable(_ ordered: [Deployment], health: HealthSnapshot) -> [Deployment] {
        guard !health.deployments.isEmpty,
              let firstDown = ordered.firstIndex(where: { health.isUnavailable($0.id) }) else { return ordered }
        var result: [Deployment] = []
        result.reserveCapacity(ordered.count)
        var demoted: [Deployment] = []
        result.append(contentsOf: ordered[..<firstDown])
        for deployment in ordered[firstDown...] {
            if health.isUnavailable(deployment.id) { demoted.append(deployment) } else { result.append(deployment) }
        }
        result.append(contentsOf: demoted)
        return result
    }
}
