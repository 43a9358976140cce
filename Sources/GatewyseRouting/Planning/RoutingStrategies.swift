import GatewyseCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The ten strategies as pure functions from candidates (+ RNG, health, prices, free-tier state,
/// request profile) to an ordering of the same candidates. Every comparison ends with priority
/// and then the configured position, so equal keys never depend on the sort algorithm.
/// `RoutePlanner.plan` dispatches to these and then demotes unavailable deployments.
public enum RoutingStrategies {
    /// Ascending `priority` (1 = preferred); ties keep configuration order.
    public static func priority(_ candidates: [Deployment]) -> [Deployment] {
        sorted(candidates) { a, b in candidates[a].priority != candidates[b].priority ? candidates[a].priority < candidates[b].priority : a < b }
    }

    /// The priority order rotated to start at `counter mod n`, so consecutive requests start at
    /// consecutive deployments and each one's fallbacks are the ones after it (product-spec §5.3).
    public static func roundRobin(_ candidates: [Deployment], counter: UInt64) -> [Deployment] {
        let base = priority(candidates)
        let start = Int(counter % UInt64(base.count))
        guard start > 0 else { return base }
        return Array(base[start...] + base[..<start])
    }

    /// Weighted shuffle (Efraimidis–Spirakis, "Weighted random sampling with a reservoir", 2006):
    /// each deployment draws `u ∈ (0, 1]` and gets key `log(u) / weight`; sorting by key,
    /// largest first, is the same as repeatedly drawing the next deployment with probability
    /// proportional to the remaining weight. Zero or negative weights go last, by priority.
    public static func weighted(_ candidates: [Deployment], using rng: inout some RandomNumberGenerator) -> [Deployment] {
        var keys = [Double](repeating: -.infinity, count: candidates.count)
        for i in candidates.indices where candidates[i].weight > 0 && candidates[i].weight.isFinite {
            keys[i] = log(unitInterval(rng.next())) / candidates[i].weight
        }
        return sorted(candidates) { a, b in
            if keys[a] != keys[b] { return keys[a] > keys[b] }
            return byPriority(candidates, a, b)
        }
    }

    /// Lowest latency EWMA first — time to first token for streams, when known, since that is
    /// what a streaming client waits for. Deployments with no measurement yet come first, so
    /// every deployment gets measured instead of a newcomer never being tried.
    public static func leastLatency(_ candidates: [Deployment], health: HealthSnapshot, stream: Bool) -> [Deployment] {
        let keys = candidates.map { deployment -> Double in
            guard let entry = health[deployment.id] else { return -1 }
            let value = stream ? (entry.timeToFirstToken ?? entry.latency) : entry.latency
            return value ?? -1
        }
        return sorted(candidates) { a, b in
            if keys[a] != keys[b] { return keys[a] < keys[b] }
            return byPriority(candidates, a, b)
        }
    }

    /// Cheapest estimated request first: price × the profile's estimated input and output
    /// tokens. Deployments with no known price go last (by priority): an unknown price must not
    /// look free.
    public static func leastCost(_ candidates: [Deployment], prices: PriceBook, profile: RequestProfile) -> [Deployment] {
        let costs = candidates.map { estimatedCost($0, prices: prices, profile: profile) }
        return sorted(candidates) { a, b in
            if costs[a] != costs[b] { return costs[a] < costs[b] }
            return byPriority(candidates, a, b)
        }
    }

    /// Deployments with free quota left first, then paid ones, then free tiers used up until
    /// their window resets (they would only answer 429); each group by priority.
    public static func freeTierFirst(_ candidates: [Deployment], freeTier: FreeTierSnapshot) -> [Deployment] {
        let groups = candidates.map { deployment -> Int in
            switch freeTier.status(of: deployment) {
            case .available: 0
            case .paid: 1
            case .exhausted: 2
            }
        }
        return sorted(candidates) { a, b in
            if groups[a] != groups[b] { return groups[a] < groups[b] }
            return byPriority(candidates, a, b)
        }
    }

    /// Best suited to the request's task first (`TaskScoring.score`, highest first); deployments
    /// that miss a hard requirement of the request (tools, vision, JSON, context window) after
    /// all that meet them.
    public static func taskOptimized(_ candidates: [Deployment], profile: RequestProfile) -> [Deployment] {
        let fits = candidates.map { TaskScoring.meetsRequirements($0.catalog, of: profile) }
        let scores = candidates.map { TaskScoring.score($0.catalog, for: profile.task) }
        return sorted(candidates) { a, b in
            if fits[a] != fits[b] { return fits[a] }
            if scores[a] != scores[b] { return scores[a] > scores[b] }
            return byPriority(candidates, a, b)
        }
    }

    /// The cheapest deployment good enough for the task first: those meeting the request's hard
    /// requirements at or above `task.minimumQualityTier`, by estimated cost; then the rest, best
    /// quality first (when nothing is good enough, the best available is the honest choice),
    /// requirement-meeting ones before others, cheaper before dearer within a tier.
    public static func costOptimized(_ candidates: [Deployment], prices: PriceBook, profile: RequestProfile) -> [Deployment] {
        let required = profile.task.minimumQualityTier
        let fits = candidates.map { TaskScoring.meetsRequirements($0.catalog, of: profile) }
        let qualifies = candidates.indices.map { fits[$0] && candidates[$0].catalog.qualityTier >= required }
        let costs = candidates.map { estimatedCost($0, prices: prices, profile: profile) }
        return sorted(candidates) { a, b in
            if qualifies[a] != qualifies[b] { return qualifies[a] }
            if !qualifies[a] {
                if fits[a] != fits[b] { return fits[a] }
                let tierA = candidates[a].catalog.qualityTier, tierB = candidates[b].catalog.qualityTier
                if tierA != tierB { return tierA > tierB }
            }
            if costs[a] != costs[b] { return costs[a] < costs[b] }
            return byPriority(candidates, a, b)
        }
    }

    /// Priority order with degraded (and half-open) deployments behind the healthy and unknown
    /// ones, and down ones behind those: the primary while it works, the next on failure.
    public static func failover(_ candidates: [Deployment], health: HealthSnapshot) -> [Deployment] {
        let ranks = candidates.map { deployment -> Int in
            guard let entry = health[deployment.id] else { return 0 }
            if entry.isUnavailable { return 2 }
            return entry.status == .degraded ? 1 : 0
        }
        return sorted(candidates) { a, b in
            if ranks[a] != ranks[b] { return ranks[a] < ranks[b] }
            return byPriority(candidates, a, b)
        }
    }

    /// Uniform shuffle (Fisher–Yates). Each swap index is the high word of a 64×64-bit product
    /// (Lemire's multiply-shift): its bias is below n/2⁶⁴, nothing for a handful of candidates,
    /// and it takes one `next()` per step instead of the standard library's generic path.
    public static func random(_ candidates: [Deployment], using rng: inout some RandomNumberGenerator) -> [Deployment] {
        var result = candidates
        var i = result.count - 1
        while i > 0 {
            let j = Int(rng.next().multipliedFullWidth(by: UInt64(i + 1)).high)
            if i != j { result.swapAt(i, j) }
            i -= 1
        }
        return result
    }

    /// Maps 64 random bits to a uniform Double in (0, 1] from the top 53 bits, so `log` never
    /// sees 0. Done by hand because `Double.random(in:using:)` is slow when the generator type is
    /// not specialized (this module is not inlined into the engine).
    @inline(__always)
    static func unitInterval(_ bits: UInt64) -> Double {
        Double((bits >> 11) + 1) * 0x1p-53
    }

    /// The profile's expected cost; `Money.max` for an unknown price, so it never looks free.
    public static func estimatedCost(_ deployment: Deployment, prices: PriceBook, profile: RequestProfile) -> Money {
        prices.price(for: deployment)?.estimatedCost(inputTokens: profile.estimatedInputTokens, outputTokens: profile.estimatedOutputTokens) ?? .max
    }

    @inline(__always)
    private static func byPriority(_ candidates: [Deployment], _ a: Int, _ b: Int) -> Bool {
        candidates[a].priority != candidates[b].priority ? candidates[a].priority < candidates[b].priority : a < b
    }

    /// Sorts positions with a total order over indices and returns the deployments in that order.
    @inline(__always)
    private static func sorted(_ candidates: [Deployment], by areInIncreasingOrder: (Int, Int) -> Bool) -> [Deployment] {
        var order = Array(candidates.indices)
        order.sort(by: areInIncreasingOrder)
        return order.map { candidates[$0] }
    }
}
