/// What a request is mostly asking for, as decided by `TaskClassifier`. Task-optimized and
/// cost-optimized routing match it against catalog strengths, scores and quality tiers.
public enum TaskKind: String, Sendable, Hashable, CaseIterable, Codable {
    case code
    /// Reasoning and math: proofs, calculations, multi-step problems.
    case reasoning
    case longContext = "long-context"
    case vision
    case toolUse = "tool-use"
    case structuredOutput = "structured-output"
    /// Everything else: conversational turns that any competent model can answer.
    case shortChat = "short-chat"

    /// The catalog tag that marks a model as suited to this task.
    public var strength: ModelStrengths {
        switch self {
        case .code: .code
        case .reasoning: .reasoning
        case .longContext: .longContext
        case .vision: .vision
        case .toolUse: .tools
        case .structuredOutput: .structuredOutput
        case .shortChat: .fast
        }
    }

    /// The lowest quality tier that does this task acceptably; cost-optimized routing buys the
    /// cheapest model at or above it. Code and reasoning need strong models; tool calls, JSON,
    /// images and long inputs need a competent general model; short chat needs only a small one.
    public var minimumQualityTier: QualityTier {
        switch self {
        case .code, .reasoning: .advanced
        case .toolUse, .structuredOutput, .vision, .longContext: .standard
        case .shortChat: .basic
        }
    }
}
