import GatewyseCore
import GatewyseProviders
import Logging
import Synchronization

/// The one entry point of every inference request, on every transport (ARCHITECTURE §4,
/// decisions/0006). In the documented order, as straight-line code:
///
/// 1. `admit`, from the request head alone, before the body is read: authenticate → the key's
///    governance (`KeyPolicy.admit`: tenant status, client address, capability scope) → the
///    in-flight limit → each stage's `admit` (rate limits) → the declared body length against
///    the limit;
/// 2. `serve`, once the body is in: decode + validate → each stage's `inspect` (guards, cache
///    lookup, budget reservation) → the fast-path decision → route resolution, restricted to
///    the models and providers the key and its tenant allow → route plan and `RouteExecutor` →
///    the answer in the client's format;
/// 3. the completion event, exactly once (`InferenceExchange`, `InferenceStream`).
///
/// Transports build the `InferenceContext`, call these two methods and write the bytes they
/// get back; they make no policy decision of their own.
public final class InferenceEngine: Sendable {
    let executor: RouteExecutor
    let stages: [any InferenceStage]
    let observers: [any CompletionObserver]
    let limiter: InFlightLimiter
    /// The budgets' counters (reserved before the upstream call, settled at completion).
    public let budgets: BudgetLedger
    /// Request and token rates per key and tenant (counted at admission).
    public let rateLimiter: RateLimiter
    let blockingWork: (any BlockingWorkRunner)?
    public let maxBodyBytes: Int
    /// The audio uploads' own limit (`server.max_audio_body_bytes`).
    public let maxAudioBodyBytes: Int
    let requestTimeout: Duration
    private let clock: @Sendable () -> Int64
    /// The serving snapshot and who is told when it changes, behind one lock, so a watcher
    /// added during a swap either hears of it or starts from the swapped-in snapshot.
    private let snapshotBox: Mutex<(current: RuntimeSnapshot, watchers: [@Sendable (RuntimeSnapshot) -> Void])>
    /// Graceful shutdown's state: readiness, the streams' deadline, the open streams.
    public let drain = DrainState()
    /// Video generations answered 202, until their client collects them (decisions/0023).
    public let videoJobs: VideoJobs
    /// Traces (decisions/0019); nil when tracing is off, which is then one branch per request.
    public let tracer: Tracer?

    init(executor: RouteExecutor, snapshot: RuntimeSnapshot, server: ServerSettings, upstream: UpstreamSettings,
         stages: [any InferenceStage], observers: [any CompletionObserver], blockingWork: (any BlockingWorkRunner)?,
         tracer: Tracer? = nil, clock: @escaping @Sendable () -> Int64) {
        self.tracer = tracer
        self.executor = executor
        self.blockingWork = blockingWork
        self.stages = stages
        self.observers = observers
        self.limiter = InFlightLimiter(limit: server.maxInFlight)
        self.maxBodyBytes = server.maxBodyBytes
        self.maxAudioBodyBytes = server.maxAudioBodyBytes
        self.requestTimeout = .milliseconds(Int64(clamping: Int(upstream.totalTimeout * 1000)))
        self.clock = clock
        self.budgets = BudgetLedger()
        self.rateLimiter = RateLimiter()
        self.snapshotBox = Mutex((snapshot, []))
        self.videoJobs = VideoJobs(cancellations: executor.cancellations)
    }

    /// The largest body `endpoint` accepts (product-spec §2.3: limits are per route).
    public func maxBodyBytes(for endpoint: InferenceEndpoint) -> Int {
        if endpoint == .videoGenerations { return min(maxBodyBytes, VideoGenerationsWire.maximumBodyBytes) }
        return endpoint.takesAudioUpload ? maxAudioBodyBytes : maxBodyBytes
    }

    /// The current keys and routes; a request reads it once, at admission.
    public var snapshot: RuntimeSnapshot { snapshotBox.withLock { $0.current } }

    /// Swaps in a new snapshot (after a key or route change); requests already admitted keep
    /// theirs. Watchers hear of it under the same lock, so in the order of the swaps.
    public func replaceSnapshot(_ change: (RuntimeSnapshot) -> RuntimeSnapshot) {
        snapshotBox.withLock { box in
            box.current = change(box.current)
            for watcher in box.watchers { watcher(box.current) }
        }
    }

    /// Calls `watcher` with the current snapshot, then with every one swapped in: what derives
    /// state from the snapshot (metrics' model labels) is told, rather than reading the
    /// snapshot on every request. A watcher must not read or replace the snapshot itself.
    public func watchSnapshots(_ watcher: @escaping @Sendable (RuntimeSnapshot) -> Void) {
        snapshotBox.withLock { box in
            box.watchers.append(watcher)
            watcher(box.current)
        }
    }

    /// Requests admitted and not yet completed.
    public var requestsInFlight: Int { limiter.inFlight }

    /// Cancel calls of upstream jobs given up on, for the server's sender.
    public var upstreamCancellations: UpstreamCancellations { executor.cancellations }

    /// Whether requests are traced: transports read `traceparent` and `tracestate` only then.
    public var tracesRequests: Bool { tracer != nil }

    /// The context of a new request, timed from now.
    /// `clientAddress`: the peer's address, which transports compute once per connection.
    /// `contentType`: the request's `Content-Type`, which the audio uploads' codec reads.
    /// `traceParent`, `traceState`: the client's W3C trace headers (when `tracesRequests`).
    public func context(for endpoint: InferenceEndpoint, requestID: String, logger: Logger,
                        clientAddress: ClientAddress? = nil, contentType: String? = nil,
                        traceParent: String? = nil, traceState: String? = nil) -> InferenceContext {
        let context = InferenceContext(requestID: requestID, endpoint: endpoint, timeout: requestTimeout, logger: logger, clientAddress: clientAddress)
        context.contentType = contentType
        context.traceParent = traceParent
        context.traceState = traceState
        return context
    }

    /// What admission decided: go on and read the body, or answer this at once (and, as the
    /// body was not read, close the connection after it).
    public enum Admission: Sendable {
        case admitted(InferenceExchange)
        case refused(status: Int, headers: [(String, String)], body: [UInt8])
    }

    /// Step 1, from the head alone. `declaredBodyBytes` is the request's `Content-Length`, if any.
    public func admit(_ context: InferenceContext, credentials: Credentials, declaredBodyBytes: Int?) -> Admission {
        let snapshot = self.snapshot
        // The request span starts here, at the one entry point, so refusals are traced too.
        let trace = tracer?.startRequest(endpoint: context.endpoint, traceParent: context.traceParent, traceState: context.traceState)
        let principal: Principal
        do {
            principal = try snapshot.authenticator.authenticate(credentials, now: clock())
        } catch {
            return refuse(error, context: context, snapshot: snapshot, trace: trace)
        }
        context.principal = principal
        // Governance right after authentication (ARCHITECTURE §4 step 3), from memory: tenant
        // status, the caller's address, the route's capability (admin-api.md §6).
        do {
            try principal.policy.admit(context.capability, from: context.clientAddress)
        } catch {
            return refuse(error, context: context, snapshot: snapshot, trace: trace)
        }
        // Rate limits, from memory, before the body is read.
        var rateLimitHeaders = RateLimitAnswerHeaders()
        let rateLimited = principal.policy.rateLimitSubjects
        if !rateLimited.isEmpty {
            do {
                rateLimitHeaders = try rateLimiter.admit(rateLimited)
            } catch {
                return refuse(error, context: context, snapshot: snapshot, trace: trace)
            }
        }
        guard limiter.acquire() else {
            context.logger.warning("request refused: too many in flight", metadata: ["limit": "\(limiter.limit)"])
            return refuse(.overloaded(retryAfterSeconds: 1), context: context, snapshot: snapshot, trace: trace)
        }
        let exchange = InferenceExchange(context: context, snapshot: snapshot, observers: observers, limiter: limiter, trace: trace)
        if !rateLimited.isEmpty {
            exchange.rateLimits = InferenceExchange.RateLimitHold(limiter: rateLimiter, headers: rateLimitHeaders,
                                                                  tokenSubjects: rateLimited.filter { $0.1.tokensPerDay != nil }.map(\.0))
        }
        do throws(GatewayError) {
            for stage in stages { try stage.admit(context) }
            let limit = maxBodyBytes(for: context.endpoint)
            if let declaredBodyBytes, declaredBodyBytes > limit { throw GatewayError.bodyTooLarge(limit: limit) }
        } catch {
            exchange.fail(error)
            let rendered = ErrorEnvelope.render(error, format: context.clientFormat)
            return .refused(status: rendered.status, headers: exchange.governanceHeaders(rendered.headers), body: rendered.body)
        }
        return .admitted(exchange)
    }

    private func refuse(_ error: GatewayError, context: InferenceContext, snapshot: RuntimeSnapshot, trace: RequestTrace?) -> Admission {
        InferenceExchange(context: context, snapshot: snapshot, observers: observers, limiter: nil, trace: trace).fail(error)
        let rendered = ErrorEnvelope.render(error, format: context.clientFormat)
        return .refused(status: rendered.status, headers: rendered.headers, body: rendered.body)
    }

    /// The body as the transport received it.
    public enum ReceivedBody: Sendable {
        case bytes([UInt8])
        /// It passed `maxBodyBytes` while arriving (no usable `Content-Length` announced it).
        case tooLarge
    }

    /// Step 2: everything after the body, to the answer. Never throws: every failure is the
    /// client's error envelope, and the exchange is completed (or handed to the stream).
    public func serve(_ exchange: InferenceExchange, body: ReceivedBody) async -> InferenceReply {
        let context = exchange.context
        do {
            guard case .bytes(let bytes) = body else { throw GatewayError.bodyTooLarge(limit: maxBodyBytes(for: context.endpoint)) }
            var staged = StagedRequest(context: context, payload: try await decode(bytes, for: context.endpoint, contentType: context.contentType))
            exchange.requestedModel = staged.payload.model
            for stage in stages { try await stage.inspect(&staged) }
            return try await execute(staged, bodyBytes: bytes.count, exchange: exchange)
        } catch {
            if Task.isCancelled {
                exchange.complete(.clientGone)
            } else {
                exchange.fail(ErrorEnvelope.gatewayError(error, logger: context.logger))
            }
            let rendered = ErrorEnvelope.render(ErrorEnvelope.gatewayError(error, logger: context.logger), format: context.clientFormat)
            return .complete(status: rendered.status, headers: exchange.governanceHeaders(rendered.headers), body: rendered.body)
        }
    }

    /// Bodies past this size are decoded on the blocking-work pool, not on the event loop.
    static let offloadedBodyBytes = 64 * 1024

    private func decode(_ bytes: [UInt8], for endpoint: InferenceEndpoint, contentType: String?) async throws -> InferenceRequest {
        guard bytes.count > Self.offloadedBodyBytes, let blockingWork else { return try endpoint.decode(bytes, contentType: contentType) }
        return try await blockingWork.run { try endpoint.decode(bytes, contentType: contentType) }
    }

    /// Route plan and attempts, then the answer in the endpoint's shape.
    private func execute(_ staged: StagedRequest, bodyBytes: Int, exchange: InferenceExchange) async throws -> InferenceReply {
        // Read field by field: a copy of the whole context is a retain per field, per request.
        let endpoint = staged.context.endpoint, logger = staged.context.logger
        let principal = staged.principal, tenantID = principal.tenantID
        let model = staged.payload.model
        // The model and the providers are known here, once: the key's and tenant's model and
        // provider restrictions narrow the route (MODEL_NOT_ALLOWED when nothing is left).
        let route = try principal.policy.restrict(exchange.snapshot.resolver.resolve(model: model, tenantID: tenantID),
                                                  requestedModel: model)
        // The fast paths, decided once: only an OpenAI-format client reads an upstream's own bytes.
        let relay = endpoint == .chatCompletions && staged.fastPaths.relayUpstreamAnswer
        // Budget reservation, once the route (and so the price) is known: every budget of the
        // caller at once, settled by the exchange at completion whatever the ending.
        let applicable = exchange.snapshot.budgets.applicable(to: principal)
        if !applicable.isEmpty {
            let maxOutput: Int? = if case .chat(let chat) = staged.payload { chat.maxTokens } else { 0 }
            exchange.hold(try await budgets.reserve(applicable, ceiling: BudgetCeiling.amounts(bodyBytes: bodyBytes, maxOutputTokens: maxOutput,
                                                                                                 route: route)))
        }
        switch staged.payload {
        case .chat(let chat):
            // Bound, not copied (a `var` binding copied the whole request, a retain and a
            // release per field); a copy is made only for a stage's changed request, whose
            // client bytes must not go upstream.
            if staged.fastPaths.forwardClientBody {
                return try await serveChat(chat, route: route, tenantID: tenantID, logger: logger, relay: relay, exchange: exchange)
            }
            var changed = chat
            changed.clientBody = nil
            return try await serveChat(changed, route: route, tenantID: tenantID, logger: logger, relay: relay, exchange: exchange)
        case .embeddings(let request):
            let attempted = try await executor.embeddings(request, route: route, tenantID: tenantID, logger: logger, trace: exchange.trace)
            // The client's encoding, whatever the upstream sent (OpenAI's default is `float`;
            // its SDKs ask for `base64`).
            let answer = try OpenAIEmbeddingsWire.encodeResponse(attempted.value, encoding: request.encodingFormat ?? .float,
                                                                 provider: attempted.providerID)
            return answered(attempted, usage: Usage(promptTokens: attempted.value.usage.promptTokens, completionTokens: 0),
                            body: JSONWriter.bytes(answer), exchange: exchange)
        case .rerank(let request):
            let attempted = try await executor.rerank(request, route: route, tenantID: tenantID, logger: logger, trace: exchange.trace)
            // Upstreams without an id (most self-hosted servers) get one, so every answer has one.
            let id = attempted.value.id ?? "rerank-" + IDGenerator.hex(bytes: 12)
            let usage = attempted.value.usage.totalTokens.map { Usage(promptTokens: $0, completionTokens: 0) }
            return answered(attempted, usage: usage, body: JSONWriter.bytes(RerankWire.encodeResponse(attempted.value, for: request, id: id)),
                            exchange: exchange)
        case .image(let request):
            return try await serveImages(request, route: route, tenantID: tenantID, exchange: exchange)
        case .imageEdit(let request):
            return try await serveImageEdit(request, route: route, tenantID: tenantID, exchange: exchange)
        case .transcription(let request):
            return try await serveTranscription(request, route: route, tenantID: tenantID, exchange: exchange)
        case .speech(let request):
            return try await serveSpeech(request, route: route, tenantID: tenantID, exchange: exchange)
        case .video(let request):
            return try await serveVideo(request, route: route, tenantID: tenantID, exchange: exchange)
        }
    }

    /// A chat request's attempts and answer: a stream, the upstream's own bytes (an
    /// OpenAI-format client), or the unified answer in the client's format.
    private func serveChat(_ chat: ChatRequest, route: ResolvedRoute, tenantID: String, logger: Logger, relay: Bool,
                           exchange: InferenceExchange) async throws -> InferenceReply {
        let endpoint = exchange.context.endpoint
        if chat.stream {
            let attempted = try await executor.chatStream(chat, route: route, tenantID: tenantID, logger: logger, trace: exchange.trace, forOpenAIClient: relay)
            exchange.markAnswerReady(upstreamTime: attempted.upstreamTime)
            let headers = exchange.governanceHeaders([("Content-Type", "text/event-stream"), ("Cache-Control", "no-cache"),
                                                      ("X-Provider", attempted.providerID), ("X-Gatewyse-Attempts", String(attempted.attempts))])
            return .stream(headers: headers, InferenceStream(attempted, request: chat, endpoint: endpoint, exchange: exchange, drain: drain))
        }
        if relay {
            let attempted = try await executor.chatForOpenAIClient(chat, route: route, tenantID: tenantID, logger: logger, trace: exchange.trace)
            let body: [UInt8]
            switch attempted.value {
            case .verbatim(let answer): body = answer.body
            case .translated(let response): body = endpoint.encodeChat(response)
            }
            return answered(attempted, usage: attempted.value.usage, body: body, exchange: exchange, finishReason: attempted.value.finishReason)
        }
        let attempted = try await executor.chat(chat, route: route, tenantID: tenantID, logger: logger, trace: exchange.trace)
        return answered(attempted, usage: attempted.value.usage, body: endpoint.encodeChat(attempted.value), exchange: exchange,
                        finishReason: attempted.value.choices.first?.finishReason)
    }

    func answered<Value>(_ attempted: RouteExecutor.Attempted<Value>, usage: Usage?, body: [UInt8],
                         exchange: InferenceExchange, contentType: String = "application/json",
                         media: MediaUsage? = nil, unitCost: Money? = nil, finishReason: FinishReason? = nil,
                         status: Int = 200, headers extraHeaders: [(String, String)] = []) -> InferenceReply {
        exchange.markAnswerReady(upstreamTime: attempted.upstreamTime)
        exchange.markFirstByte()
        exchange.complete(.answered, providerID: attempted.providerID, upstreamModel: attempted.upstreamModel,
                          attempts: attempted.attempts, usage: usage, price: attempted.price, media: media, unitCost: unitCost,
                          finishReason: finishReason)
        // Appended, not `[…] + extraHeaders`: that made a second array (a retain and a release
        // per header) even when there were none.
        var headers: [(String, String)] = [("Content-Type", contentType), ("X-Provider", attempted.providerID),
                                           ("X-Gatewyse-Attempts", String(attempted.attempts))]
        headers += extraHeaders
        return .complete(status: status, headers: exchange.governanceHeaders(headers), body: body)
    }

    /// Ends an admitted request the transport must answer before its body is complete (it grew
    /// past the limit, or stopped arriving): the error in the client's envelope.
    public func refuse(_ exchange: InferenceExchange, _ error: GatewayError) -> (status: Int, headers: [(String, String)], body: [UInt8]) {
        exchange.fail(error)
        return ErrorEnvelope.render(error, format: exchange.context.clientFormat)
    }

    // MARK: Beside inference

    /// For the routes that are not inference (the model list, token counting): the same keys,
    /// the same tenant status and address checks, and `capability` when the route has one.
    public func authenticate(_ credentials: Credentials, clientAddress: ClientAddress?,
                             capability: Capability? = nil) throws(GatewayError) -> Principal {
        let principal = try snapshot.authenticator.authenticate(credentials, now: clock())
        if let capability {
            try principal.policy.admit(capability, from: clientAddress)
        } else {
            try principal.policy.checkAccess(from: clientAddress)
        }
        return principal
    }
}

/// What the engine answers a request with: a complete body, or a stream for the transport to
/// write out. Headers come first in the order to send them.
public enum InferenceReply: Sendable {
    case complete(status: Int, headers: [(String, String)], body: [UInt8])
    case stream(headers: [(String, String)], InferenceStream)
}
