import GatewyseCore

/// What the planner needs to know about a request: its task, hard requirements and token
/// estimates (for cost). Built once per request with `init(request:isStream:)`.
public struct RequestProfile: Sendable, Hashable {
    public var estimatedInputTokens: Int
    public var estimatedOutputTokens: Int
    public var task: TaskKind
    public var needsTools: Bool
    public var needsVision: Bool
    /// JSON mode or a JSON schema was requested.
    public var needsJSON: Bool
    /// Least-latency ranks streams by time to first token rather than total latency.
    public var isStream: Bool

    /// A neutral profile (short chat, 1,000 tokens in and 500 out) for planning without a request.
    public init(estimatedInputTokens: Int = 1_000, estimatedOutputTokens: Int = 500, task: TaskKind = .shortChat,
                needsTools: Bool = false, needsVision: Bool = false, needsJSON: Bool = false, isStream: Bool = false) {
        self.estimatedInputTokens = estimatedInputTokens
        self.estimatedOutputTokens = estimatedOutputTokens
        self.task = task
        self.needsTools = needsTools
        self.needsVision = needsVision
        self.needsJSON = needsJSON
        self.isStream = isStream
    }

    /// Classifies the request and estimates its tokens. The output estimate is the client's
    /// `max_tokens` when given (an upper bound, which is what a cost guard wants), else
    /// `defaultOutputTokens`.
    public init(request: ChatRequest, isStream: Bool? = nil, defaultOutputTokens: Int = 512) {
        let input = TokenEstimator.inputTokens(of: request)
        self.init(
            estimatedInputTokens: input,
            estimatedOutputTokens: request.maxTokens ?? defaultOutputTokens,
            task: TaskClassifier.classify(request, estimatedInputTokens: input),
            needsTools: TaskClassifier.usesTools(request),
            needsVision: TaskClassifier.hasImages(request),
            needsJSON: TaskClassifier.wantsJSON(request),
            isStream: isStream ?? request.stream)
    }
}
