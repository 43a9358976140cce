import GatewyseCore

/// The end of one inference request, fired exactly once by the engine whatever happened
/// (ARCHITECTURE §4 step 4): budget settlement, usage, cache storage, metrics and audit hook in
/// here, through `CompletionObserver`, and nowhere else.
public struct CompletionEvent: Sendable {
    /// How the request ended.
    public enum Outcome: Sendable, Equatable {
        /// A complete (non-streaming) answer was handed to the transport.
        case answered
        /// Refused or failed before any answer byte: auth, validation, a stage, or every
        /// upstream attempt. `status` and `code` are what the client was told.
        case failed(status: Int, code: String)
        /// A stream reached its end (`[DONE]`, `message_stop`).
        case streamFinished
        /// A stream broke after it started; the client was told in-band or the connection closed.
        case streamFailed(code: String)
        /// The client went away before the end; the upstream call was cancelled.
        case clientGone
    }

    /// Whether the answer came from the gateway's cache. No cache stage exists yet, so every
    /// event says `notConsulted`; the cache stage sets the others.
    public enum CacheStatus: Sendable, Equatable { case notConsulted, hit, miss }

    public var requestID: String
    public var endpoint: InferenceEndpoint
    /// Nil when authentication failed.
    public var principal: Principal?
    /// The model the client named, once the body was decoded.
    public var requestedModel: String?
    public var outcome: Outcome
    /// The provider that answered, or the last one tried.
    public var providerID: String?
    public var upstreamModel: String?
    /// Upstream attempts, retries and failovers included.
    public var attempts: Int
    /// What the upstream reported; for a stream that ended without the upstream's usage (the
    /// client left first, or the upstream reports none), what the gateway counted of it
    /// (`UsageEstimate`, with `usageEstimated` set).
    public var usage: Usage?
    /// What a media answer made or heard, in its own units (images, audio milliseconds, characters
    /// spoken); nil for the token-billed routes.
    public var media: MediaUsage? = nil
    /// True when `usage` was counted by the gateway rather than reported by the upstream (a
    /// stream abandoned before the upstream's usage event, an upstream that reports none).
    public var usageEstimated: Bool = false
    /// What `usage` costs at the answering deployment's price for this tenant (`ModelPricing`:
    /// its `models` entry, else the configured price, else the built-in one by provider type);
    /// nil when there is no usage or nothing prices the model. Computed once, here, so that the
    /// usage record and the budget settlement can never disagree. A media answer is priced by
    /// its units (`UnitPriceBook`) when its model has a unit price, else by its tokens.
    public var cost: Money?
    public var cacheStatus: CacheStatus
    /// From the start of the request to the first answer byte handed to the transport.
    public var timeToFirstByte: Duration?
    public var duration: Duration
    /// The gateway's own time before the answer was ready (or the stream opened): the time
    /// until then minus the time spent waiting on upstreams (attempts and backoff). Nil when no
    /// upstream answered.
    public var overhead: Duration? = nil
    /// Why the model stopped (`stop`, `length`, `tool_calls`…), when the answer said: a
    /// stream's last finish reason, or a translated answer's first choice's. Nil for an answer
    /// relayed verbatim (its body is not parsed) and for other routes.
    public var finishReason: FinishReason? = nil
    /// The request's trace (decisions/0019), when it is traced: the `Tracer` ends its spans here.
    public var trace: RequestTrace? = nil
}

/// Receives every completion event. Called on the thread that ended the request (often an event
/// loop): implementations hand work to a queue and return at once.
public protocol CompletionObserver: Sendable {
    func requestCompleted(_ event: CompletionEvent)
}

/// A policy stage of the engine's pipeline (ARCHITECTURE §4 step 3). The engine runs every
/// stage, in the order given, for every inference route on every transport: `admit` right after
/// authentication and the key policy's checks (tenant status, address, capability scope — run
/// by the engine itself), from the headers alone (rate limits), and `inspect` once the body is
/// decoded (guards, cache lookup, budget reservation). A stage refuses by throwing a
/// `GatewayError`, which the client receives in its own envelope.
public protocol InferenceStage: Sendable {
    func admit(_ context: InferenceContext) throws(GatewayError)
    func inspect(_ request: inout StagedRequest) async throws(GatewayError)
}

extension InferenceStage {
    public func admit(_ context: InferenceContext) throws(GatewayError) {}
    public func inspect(_ request: inout StagedRequest) async throws(GatewayError) {}
}
