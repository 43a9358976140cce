/// The ten routing strategies (product-spec §5.3), spelled as in configuration files.
public enum RoutingStrategyKind: String, Sendable, Hashable, CaseIterable, Codable {
    case priority
    case roundRobin = "round-robin"
    case weighted
    case leastLatency = "least-latency"
    case leastCost = "least-cost"
    case freeTierFirst = "free-tier-first"
    case taskOptimized = "task-optimized"
    case costOptimized = "cost-optimized"
    case failover
    case random

    /// Whether the plan depends only on the candidates and the health snapshot, so a finished plan
    /// may be cached under a key that includes the health epoch. The other strategies also read
    /// randomness, a counter, latencies, free-tier state or the request, so cache their candidate
    /// list instead and plan again (planning is cheap).
    public var isPlanCacheable: Bool {
        switch self {
        case .priority, .failover: true
        default: false
        }
    }
}
