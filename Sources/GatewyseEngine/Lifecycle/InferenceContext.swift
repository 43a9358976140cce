import GatewyseCore
import Logging

/// What the caller presented, read from the request headers before the body.
public struct Credentials: Sendable {
    /// The `Authorization` header (`Bearer <key>`).
    public var authorization: String?
    /// `x-api-key`, which Anthropic's SDKs send.
    public var apiKey: String?

    public init(authorization: String?, apiKey: String?) {
        self.authorization = authorization
        self.apiKey = apiKey
    }
}

/// One inference request's identity and circumstances, built once by the transport from the
/// request head and completed by the engine (the principal, once authenticated). Every stage and
/// the completion event see the same context.
///
/// Cancellation is the serving task's: a transport that loses its client cancels that task, and
/// every `await` below the engine (upstream connect, head, body) gives up with it.
///
/// A class: the exchange, the staged request, the stages and the completion event all hold the
/// same context, and a struct of a dozen references was copied (a retain and a release per
/// field) each time it was handed on, several times per request.
// @unchecked: the variable fields are set only while the request is being admitted, by the one
// task that owns it (the transport builds it, the engine's `admit` sets the principal); after
// admission every holder only reads.
public final class InferenceContext: @unchecked Sendable {
    public let requestID: String
    public let endpoint: InferenceEndpoint
    /// Monotonic start, for durations in the completion event.
    public let startedAt: ContinuousClock.Instant
    /// When the gateway stops trying (the upstream total timeout after the start).
    public let deadline: ContinuousClock.Instant
    public var logger: Logger
    /// Where the request came from (checked against a key's `allowedCidrs`); nil when the
    /// transport could not tell, which a key with an allow-list refuses.
    public let clientAddress: ClientAddress?
    /// Set by authentication, the engine's first stage; nil only in events of refused requests.
    public internal(set) var principal: Principal?
    /// The request's `Content-Type`, for the routes whose body is not JSON (the multipart
    /// boundary of an audio upload).
    public var contentType: String?
    /// The client's W3C `traceparent` and `tracestate`, read by the transport only when the
    /// engine traces (`InferenceEngine.tracesRequests`): with tracing off nothing is read.
    public var traceParent: String?
    public var traceState: String?

    public var capability: Capability { endpoint.capability }
    public var clientFormat: ClientFormat { endpoint.clientFormat }

    public init(requestID: String, endpoint: InferenceEndpoint, startedAt: ContinuousClock.Instant = .now,
                timeout: Duration, logger: Logger, clientAddress: ClientAddress? = nil) {
        self.requestID = requestID
        self.clientAddress = clientAddress
        self.endpoint = endpoint
        self.startedAt = startedAt
        self.deadline = startedAt + timeout
        self.logger = logger
    }
}

/// Whether the verbatim fast paths may be taken for one request. Both start allowed and are
/// only ever turned off — by `StagedRequest.modify` (a stage changed the request, so the
/// client's bytes no longer say what is sent) and `StagedRequest.watchAnswer` (a stage must
/// see the answer as unified chunks). The engine reads them once, right before routing;
/// nothing else decides (decisions/0006).
public struct FastPaths: Sendable, Equatable {
    /// The client's body may go to an OpenAI-format upstream as sent, only `model` replaced.
    public fileprivate(set) var forwardClientBody = true
    /// An OpenAI-format upstream's answer (body or stream frames) may reach an OpenAI-format
    /// client unchanged.
    public fileprivate(set) var relayUpstreamAnswer = true

    public init() {}
}

/// A decoded request in unified form, whatever its client format.
public enum InferenceRequest: Sendable, Equatable {
    case chat(ChatRequest)
    case embeddings(EmbeddingRequest)
    case rerank(RerankRequest)
    case image(ImageGenerationRequest)
    case imageEdit(ImageEditRequest)
    case transcription(TranscriptionRequest)
    case speech(SpeechRequest)
    case video(VideoGenerationRequest)

    public var model: String {
        switch self {
        case .chat(let request): request.model
        case .embeddings(let request): request.model
        case .rerank(let request): request.model
        case .image(let request): request.model
        case .imageEdit(let request): request.model
        case .transcription(let request): request.model
        case .speech(let request): request.model
        case .video(let request): request.model
        }
    }

    public var isStream: Bool {
        if case .chat(let request) = self { return request.stream }
        return false
    }
}

/// The request as the inspecting stages see it: readable freely, changed only through
/// `modify`, which also turns the client-body fast path off, so a redacting guard can never be
/// bypassed by the original bytes going upstream.
public struct StagedRequest: Sendable {
    public let context: InferenceContext
    public private(set) var payload: InferenceRequest
    public private(set) var fastPaths = FastPaths()

    init(context: InferenceContext, payload: InferenceRequest) {
        self.context = context
        self.payload = payload
    }

    /// The principal is always set once a request reaches the inspecting stages.
    public var principal: Principal { context.principal! }

    public mutating func modify(_ change: (inout InferenceRequest) throws -> Void) rethrows {
        try change(&payload)
        fastPaths.forwardClientBody = false
    }

    /// Declares that a stage reads the answer (output guards, cache storage): the upstream's
    /// bytes are then always decoded into unified chunks, never relayed as they came.
    public mutating func watchAnswer() {
        fastPaths.relayUpstreamAnswer = false
    }
}
