/// What one inference request used, as stored (admin-api.md §5): who called, what was asked and
/// who answered, the tokens, the cost and how the request ended. One per request whose key
/// authenticated, refused or not; built from the completion event by the engine's
/// `UsageRecorder` and written in batches (decisions/0011).
public struct UsageRecord: Sendable, Equatable {
    /// How the request ended (the completion event's outcome, without its payload).
    public enum Outcome: String, Sendable, Equatable, CaseIterable {
        case answered, failed, streamFinished, streamFailed, clientGone
    }

    /// Minted by the gateway, unique across processes: the idempotency key of `appendUsage`.
    /// Not the request id, which a client may choose (`X-Request-ID`) and so may repeat.
    public var id: String
    /// The request id the client saw (`X-Request-ID`).
    public var requestID: String
    /// When the request ended, Unix milliseconds.
    public var time: Int64
    public var tenantID: String
    public var organizationID: String?
    public var departmentID: String?
    public var userID: String?
    public var keyID: String
    /// `chat`, `embeddings`, … (`Capability.rawValue`).
    public var capability: String
    /// The model the client named (an alias or `provider/model`); nil when refused before the body was read.
    public var requestedModel: String?
    public var providerID: String?
    public var upstreamModel: String?
    public var inputTokens: Int
    public var outputTokens: Int
    /// Input tokens read from the provider's prompt cache (included in `inputTokens`).
    public var cachedTokens: Int
    /// Input tokens written to the provider's prompt cache.
    public var cacheWriteTokens: Int
    /// Output tokens spent reasoning (included in `outputTokens`).
    public var reasoningTokens: Int
    /// Nano-dollars at the price book's rates; nil when the model has no price.
    public var costNanos: Int64?
    public var latencyMs: Int
    /// Time to the first answer byte; nil when none was sent.
    public var ttftMs: Int?
    /// The HTTP status the client received (499 when it left before an answer).
    public var status: Int
    /// The error code the client was told (`BUDGET_EXCEEDED`, `UPSTREAM_STREAM_INTERRUPTED`…).
    public var errorCode: String?
    public var attempts: Int
    public var cacheHit: Bool
    /// The token counts were counted by the gateway, not reported by the upstream.
    public var usageEstimated: Bool
    public var outcome: Outcome

    // Inlinable: the usage observer makes one record per request from another module, and the
    // call across it copied the finished record once more (a retain and a release per field).
    @inlinable
    public init(id: String, requestID: String, time: Int64, tenantID: String, organizationID: String? = nil, departmentID: String? = nil,
                userID: String? = nil, keyID: String, capability: String, requestedModel: String? = nil, providerID: String? = nil,
                upstreamModel: String? = nil, inputTokens: Int = 0, outputTokens: Int = 0, cachedTokens: Int = 0, cacheWriteTokens: Int = 0,
                reasoningTokens: Int = 0, costNanos: Int64? = nil, latencyMs: Int = 0, ttftMs: Int? = nil, status: Int = 200,
                errorCode: String? = nil, attempts: Int = 0, cacheHit: Bool = false, usageEstimated: Bool = false, outcome: Outcome = .answered) {
        self.id = id
        self.requestID = requestID
        self.time = time
        self.tenantID = tenantID
        self.organizationID = organizationID
        self.departmentID = departmentID
        self.userID = userID
        self.keyID = keyID
        self.capability = capability
        self.requestedModel = requestedModel
        self.providerID = providerID
        self.upstreamModel = upstreamModel
        self.inputTokens = inputTokens
        self.outputTokens = outputTokens
        self.cachedTokens = cachedTokens
        self.cacheWriteTokens = cacheWriteTokens
        self.reasoningTokens = reasoningTokens
        self.costNanos = costNanos
        self.latencyMs = latencyMs
        self.ttftMs = ttftMs
        self.status = status
        self.errorCode = errorCode
        self.attempts = attempts
        self.cacheHit = cacheHit
        self.usageEstimated = usageEstimated
        self.outcome = outcome
    }

    /// Counted in `errors`: the client was told of an error (refused, failed, a stream broken).
    /// A client that left is not an error of the gateway's.
    public var isError: Bool { errorCode != nil }

    /// Spent against budgets and totals (`usageTotals`): the request reached an upstream or the
    /// cache. Requests the gateway refused itself (authentication, governance, validation) used
    /// nothing.
    public var isServed: Bool { attempts > 0 || cacheHit }
}

extension UsageRecord {
    /// The SQL backends' column list, in the order of `sqlValues` and of their row decoders.
    public static let columns = """
        id, request_id, time, tenant_id, organization_id, department_id, user_id, key_id, capability, requested_model, provider_id, \
        upstream_model, input_tokens, output_tokens, cached_tokens, cache_write_tokens, reasoning_tokens, cost_nanos, latency_ms, ttft_ms, \
        status, error_code, attempts, cache_hit, usage_estimated, outcome
        """
    public static let columnCount = 26
}
