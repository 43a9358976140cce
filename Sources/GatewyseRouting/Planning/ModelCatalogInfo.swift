/// What the catalog knows about a model that matters for routing: how good it is, what it is good
/// at, how much context it takes and what it costs. Filled from the provider catalog and config;
/// unknown fields stay `nil` / empty and the strategies treat them neutrally.
public struct ModelCatalogInfo: Sendable, Hashable {
    public var qualityTier: QualityTier
    public var strengths: ModelStrengths
    /// Maximum input + output tokens; `nil` when unknown (never disqualifies).
    public var contextWindow: Int?
    /// Fallback price when the `PriceBook` has no entry for the deployment.
    public var price: ModelPrice?
    /// Explicit suitability scores per task on the 0–10 scale of `TaskScoring`; they override
    /// the score derived from tier and strengths.
    public var taskScores: [TaskKind: Double]

    public init(qualityTier: QualityTier = .standard, strengths: ModelStrengths = [], contextWindow: Int? = nil, price: ModelPrice? = nil, taskScores: [TaskKind: Double] = [:]) {
        self.qualityTier = qualityTier
        self.strengths = strengths
        self.contextWindow = contextWindow
        self.price = price
        self.taskScores = taskScores
    }
}

/// A coarse quality ranking, compared with `<`: cost-optimized routing picks the cheapest model at
/// or above the tier a task needs.
public enum QualityTier: Int, Sendable, Hashable, Comparable, CaseIterable {
    /// Small, fast models (8B-class): fine for short chat.
    case basic = 1
    /// Mid-size general models (70B-class, "mini"/"flash").
    case standard = 2
    /// Strong general models good at code and multi-step work.
    case advanced = 3
    /// The best available (flagship / "pro" / "opus").
    case frontier = 4

    public static func < (lhs: QualityTier, rhs: QualityTier) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// What a model is notably good at or supports, as catalog tags.
public struct ModelStrengths: OptionSet, Sendable, Hashable {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    public static let code = ModelStrengths(rawValue: 1 << 0)
    public static let reasoning = ModelStrengths(rawValue: 1 << 1)
    public static let vision = ModelStrengths(rawValue: 1 << 2)
    public static let tools = ModelStrengths(rawValue: 1 << 3)
    public static let longContext = ModelStrengths(rawValue: 1 << 4)
    public static let structuredOutput = ModelStrengths(rawValue: 1 << 5)
    /// Low latency / high tokens per second; what short chat wants most.
    public static let fast = ModelStrengths(rawValue: 1 << 6)
}
