/// Everything a strategy may read besides the candidates and the RNG, gathered once per request.
/// Snapshots, so a plan is a pure function of its inputs.
public struct RoutingInputs: Sendable {
    public var health: HealthSnapshot
    public var prices: PriceBook
    public var freeTier: FreeTierSnapshot
    /// The round-robin counter's value for this request's (tenant, capability)
    /// (`RoundRobinCounters.next`, or a shared counter once on PostgreSQL).
    public var roundRobinCounter: UInt64
    public var profile: RequestProfile

    public init(health: HealthSnapshot = HealthSnapshot(), prices: PriceBook = .defaults, freeTier: FreeTierSnapshot = FreeTierSnapshot(),
                roundRobinCounter: UInt64 = 0, profile: RequestProfile = RequestProfile()) {
        self.health = health
        self.prices = prices
        self.freeTier = freeTier
        self.roundRobinCounter = roundRobinCounter
        self.profile = profile
    }
}
