#if canImport(Glibc)
import Glibc
#endif
import GatewyseCore
import GatewyseProviders
import GatewyseRouting
import Synchronization

/// The routing state one gateway process keeps: deployment health and circuit breakers, free-tier
/// counters, round-robin counters and the retry policy. Shared by every request. Prices are not
/// here: they change with the control plane, so they live in the snapshot, resolved into each
/// route candidate (`ModelPricing`), where the least-cost strategies read them.
public final class RoutingRuntime: Sendable {
    public let health: HealthTracker
    public let freeTier: FreeTierTracker
    public let counters: RoundRobinCounters
    public let retry: RetryPolicy
    let clock: @Sendable () -> Double
    /// `routing.free_tiers`: whether free quotas are counted at all.
    let tracksFreeTiers: Bool
    /// The keys `declareStoredFreeTiers` declared last.
    private let storedFreeTierKeys = Mutex<Set<String>>([])

    public init(configuration: GatewayConfiguration, clock: @escaping @Sendable () -> Double = WallClock.now) {
        health = HealthTracker(configuration: configuration.routing.health)
        freeTier = FreeTierTracker()
        counters = RoundRobinCounters()
        retry = configuration.routing.retry
        self.clock = clock
        tracksFreeTiers = configuration.routing.trackFreeTiers
        // Free-tier defaults are keyed by provider type; deployments are keyed by the configured
        // provider id. Map every deployment the configuration names.
        let typeByID = Dictionary(configuration.providers.map { ($0.id, $0.entry.type) }, uniquingKeysWith: { a, _ in a })
        let targets = (configuration.models + configuration.tenants.flatMap(\.models)).flatMap(\.targets)
        for target in targets where configuration.routing.trackFreeTiers {
            guard let type = typeByID[target.provider] else { continue }
            let quota: FreeTierQuota?
            if let override = configuration.freeTierOverrides[target.provider] { quota = override }
            else { quota = FreeTierDefaults.quota(providerID: type, model: target.model) }
            if let quota { freeTier.declare(Self.freeTierKey(type: type, providerID: target.provider, model: target.model), quota: quota) }
        }
    }

    /// The planner's price book: empty, so that `PriceBook.price(for:)` reads each candidate's
    /// own price (`Deployment.catalog.price`, resolved for the tenant with the snapshot).
    static let candidatePrices = PriceBook()

    /// The free-tier counter of a deployment: `providerID`, or `providerID/model` where the
    /// provider's type counts per model. A provider added through the admin API counts under
    /// its tenant, `tenant:` before that (`:` alone for a shared one): ids are unique in the
    /// store, but a configuration file may later declare one a tenant already uses, and the two
    /// accounts must not share a quota. `:` appears in neither provider nor tenant ids, so these
    /// keys never meet the configuration's.
    static func freeTierKey(type: String, providerID: String, model: String, scope: String? = nil) -> String {
        let key = FreeTierDefaults.perModelProviders.contains(type) ? "\(providerID)/\(model)" : providerID
        return scope.map { "\($0):\(key)" } ?? key
    }

    /// Declares the free tiers of the providers added through the admin API that the snapshot
    /// now serving routes to (`RouteResolver.storedFreeTiers`), in place of those the previous
    /// reload declared; the configuration's, declared once at start, are keyed apart and stay.
    /// Unchanged quotas keep their counts across reloads.
    func declareStoredFreeTiers(_ quotas: [String: FreeTierQuota]) {
        guard tracksFreeTiers else { return }
        storedFreeTierKeys.withLock { declared in
            freeTier.redeclare(quotas, replacing: declared)
            declared = Set(quotas.keys)
        }
    }

    /// Orders a route's candidates for one chat request.
    public func plan(_ route: ResolvedRoute, request: ChatRequest, tenantID: String, rng: inout some RandomNumberGenerator) -> [RouteCandidate] {
        planRoute(route, for: request, tenantID: tenantID, rng: &rng)
    }

    /// Orders a route's candidates for one request of any kind (chat, embeddings): generic, not
    /// `any`, so each kind gets its own specialized copy and chat pays nothing for the others.
    func planRoute<Request: RoutedRequest>(_ route: ResolvedRoute, for request: Request, tenantID: String,
                                           rng: inout some RandomNumberGenerator) -> [RouteCandidate] {
        var plan = planOwn(route, request: request, tenantID: tenantID, rng: &rng)
        // The fallback chain: each fallback alias's own plan, after this one's, without repeats.
        for fallback in route.fallbacks {
            for candidate in planOwn(fallback, request: request, tenantID: tenantID, rng: &rng)
            where !plan.contains(where: { $0.deployment.id == candidate.deployment.id }) {
                plan.append(candidate)
            }
        }
        return plan
    }

    private func planOwn<Request: RoutedRequest>(_ route: ResolvedRoute, request: Request, tenantID: String,
                                                 rng: inout some RandomNumberGenerator) -> [RouteCandidate] {
        guard route.candidates.count > 1 else { return route.candidates }
        let now = clock()
        // Only what the strategy reads is gathered: classifying the request and copying the
        // free-tier state are wasted work for priority or failover.
        let strategy = route.strategy
        let inputs = RoutingInputs(
            health: health.snapshot(at: now), prices: Self.candidatePrices,
            freeTier: strategy == .freeTierFirst ? freeTier.snapshot(at: now) : FreeTierSnapshot(),
            roundRobinCounter: strategy == .roundRobin ? counters.next(for: "\(tenantID)|\(Request.capability.rawValue)|\(request.model)", at: now) : 0,
            profile: request.routingProfile(full: [.leastCost, .taskOptimized, .costOptimized].contains(strategy)))
        let order = RoutePlanner.plan(candidates: route.candidates.map(\.deployment), strategy: route.strategy, inputs: inputs, using: &rng)
        // Routes are short: a scan beats building a dictionary per request.
        return order.compactMap { deployment in route.candidates.first { $0.deployment.id == deployment.id } }
    }
}

/// Wall-clock seconds with sub-second precision, for health and quota windows.
public enum WallClock {
    @Sendable public static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }
}

/// A fast, non-cryptographic generator for routing draws (SplitMix64), seeded per request from a
/// process-wide counter: the system generator makes a syscall per draw.
public struct RoutingRandom: RandomNumberGenerator {
    private var state: UInt64
    private static let seed: UInt64 = { var generator = SystemRandomNumberGenerator(); return generator.next() }()
    private static let sequence = Atomic<UInt64>(0)

    public init() {
        state = Self.seed &+ Self.sequence.wrappingAdd(0x9E37_79B9_7F4A_7C15, ordering: .relaxed).newValue
    }

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
