import GatewyseCore
import GatewyseProviders
import GatewyseRouting
import Logging

/// Runs a request along its route plan (ARCHITECTURE rule 4: retry, failover and circuit feedback
/// live here, once). For each deployment in the order the strategy chose: the circuit breaker
/// may refuse it; an attempt's outcome feeds health and free-tier counters; a retryable failure
/// (connect error, timeout, 429, 5xx) is retried with backoff — honouring `Retry-After` — or
/// moves on to the next deployment, as `RetryPolicy` decides; a non-retryable one (the request
/// itself is wrong) is returned at once. When every deployment failed, the last failure is what
/// the client sees.
public struct RouteExecutor: Sendable {
    let transport: any UpstreamTransport
    let settings: UpstreamSettings
    let routing: RoutingRuntime
    /// Attempts and failures by deployment and reason (nil: metrics off).
    let metrics: GatewayMetrics?
    /// Largest upstream response body read into memory (non-streaming).
    let maximumResponseBytes = 64 * 1024 * 1024
    let maximumErrorBytes = 256 * 1024
    /// Cancel calls for upstream jobs the gateway gave up on, sent by the server's
    /// `UpstreamCancellationService`.
    public let cancellations: UpstreamCancellations

    public init(transport: any UpstreamTransport, settings: UpstreamSettings, routing: RoutingRuntime, metrics: GatewayMetrics? = nil,
                cancellations: UpstreamCancellations = UpstreamCancellations()) {
        self.cancellations = cancellations
        self.metrics = metrics
        self.transport = transport
        self.settings = settings
        self.routing = routing
    }

    /// The outcome of a successful attempt, and how many attempts it took.
    public struct Attempted<Value: Sendable>: Sendable {
        public var value: Value
        public var providerID: String
        public var upstreamModel: String
        public var attempts: Int
        /// The token prices of the deployment that answered, for the caller's tenant
        /// (`RouteCandidate.price`): what the completion event's cost is computed with.
        public var price: ModelPrice?
        /// Time spent waiting on upstreams (every attempt, and the backoff between them): what
        /// the gateway's own overhead is computed without.
        public var upstreamTime: Duration = .zero
    }

    public func chat(_ request: ChatRequest, route: ResolvedRoute, tenantID: String, logger: Logger, trace: RequestTrace? = nil) async throws -> Attempted<ChatResponse> {
        try await run(request, route: route, tenantID: tenantID, logger: logger, trace: trace) { candidate, response in
            let parsed = try Self.translated(candidate, status: response.status, headers: response.headers,
                                             body: try await response.collectBody(upTo: maximumResponseBytes))
            return (parsed, parsed.usage?.totalTokens ?? 0)
        }
    }

    /// A chat for an OpenAI-format client: an answer the adapter can hand on unchanged is
    /// forwarded as it came (only its usage is read), anything else is translated.
    public func chatForOpenAIClient(_ request: ChatRequest, route: ResolvedRoute, tenantID: String, logger: Logger, trace: RequestTrace? = nil) async throws -> Attempted<OpenAIChatAnswer> {
        try await run(request, route: route, tenantID: tenantID, logger: logger, trace: trace) { candidate, response in
            let body = try await response.collectBody(upTo: maximumResponseBytes)
            if let verbatim = try candidate.adapter.verbatimChatResponse(status: response.status, headers: response.headers, body: body) {
                return (.verbatim(verbatim), verbatim.usage?.totalTokens ?? 0)
            }
            let parsed = try Self.translated(candidate, status: response.status, headers: response.headers, body: body)
            return (.translated(parsed), parsed.usage?.totalTokens ?? 0)
        }
    }

    private static func translated(_ candidate: RouteCandidate, status: Int, headers: [(String, String)], body: [UInt8]) throws(GatewayError) -> ChatResponse {
        var parsed = try candidate.adapter.parseChatResponse(status: status, headers: headers, body: body)
        // Converse and Cohere answers do not name the model: report the one that was called.
        if parsed.model.isEmpty { parsed.model = candidate.upstreamModel }
        return parsed
    }

    /// Opens a stream. Failover happens only until an upstream answers 2xx: from then on bytes may
    /// have reached the client, and a retry would duplicate them.
    /// `forOpenAIClient`: the client reads OpenAI's format, so an OpenAI-format upstream's frames
    /// may go to it unchanged (`ChatStream.isVerbatim`).
    public func chatStream(_ request: ChatRequest, route: ResolvedRoute, tenantID: String, logger: Logger,
                           trace: RequestTrace? = nil, forOpenAIClient: Bool = false) async throws -> Attempted<ChatStream> {
        try await run(request, route: route, tenantID: tenantID, logger: logger, trace: trace) { candidate, response in
            let stream = ChatStream(body: response.body, decoder: candidate.adapter.makeChatStreamDecoder(for: request),
                                    verbatim: forOpenAIClient ? candidate.adapter.makeVerbatimStreamFilter(for: request) : nil,
                                    providerID: candidate.adapter.providerID, upstreamModel: candidate.upstreamModel,
                                    includeUsage: request.includeStreamUsage)
            return (stream, 0)
        }
    }

    /// Embeddings take the same path as a non-streaming chat: plan, attempts, failover, health.
    /// Candidates whose adapter has no embeddings (or not for this input) are skipped with the
    /// reason, which the client sees when no candidate is left.
    public func embeddings(_ request: EmbeddingRequest, route: ResolvedRoute, tenantID: String, logger: Logger, trace: RequestTrace? = nil) async throws -> Attempted<EmbeddingResponse> {
        try await run(request, route: route, tenantID: tenantID, logger: logger, trace: trace) { candidate, response in
            let body = try await response.collectBody(upTo: maximumResponseBytes)
            let parsed = try candidate.adapter.parseEmbeddingResponse(status: response.status, headers: response.headers, body: body,
                                                                      for: request, upstreamModel: candidate.upstreamModel)
            return (parsed, parsed.usage.totalTokens)
        }
    }

    /// Rerank, like embeddings: candidates without rerank are skipped with the reason.
    public func rerank(_ request: RerankRequest, route: ResolvedRoute, tenantID: String, logger: Logger, trace: RequestTrace? = nil) async throws -> Attempted<RerankResponse> {
        try await run(request, route: route, tenantID: tenantID, logger: logger, trace: trace) { candidate, response in
            let body = try await response.collectBody(upTo: maximumResponseBytes)
            let parsed = try candidate.adapter.parseRerankResponse(status: response.status, headers: response.headers, body: body,
                                                                   for: request, upstreamModel: candidate.upstreamModel)
            return (parsed, parsed.usage.totalTokens ?? 0)
        }
    }

    /// The attempt loop, generic over the kind of request (specialized per kind; see
    /// `RoutedRequest`). Internal so each capability's entry point can live in its own file
    /// (`RouteExecutor+Media.swift`).
    func run<Request: RoutedRequest, Value: Sendable>(
        _ request: Request, route: ResolvedRoute, tenantID: String, logger: Logger, trace: RequestTrace? = nil,
        onSuccess: (RouteCandidate, UpstreamResponse) async throws -> (Value, tokens: Int)
    ) async throws -> Attempted<Value> {
        var rng = RoutingRandom()
        let plan = routing.planRoute(route, for: request, tenantID: tenantID, rng: &rng)
        let deadline = routing.clock() + settings.totalTimeout
        var lastError: GatewayError?
        var skipped: [String] = []
        var total = 0
        var upstreamTime = Duration.zero
        let clock = ContinuousClock()
        for (index, candidate) in plan.enumerated() {
            if let reason = Self.modelIncompatibility(candidate, Request.capability) ?? request.incompatibility(with: candidate) {
                skipped.append("\(candidate.adapter.providerID) \(reason)")
                continue
            }
            let providerID = candidate.adapter.providerID
            let deploymentID = candidate.deployment.id
            var upstreamRequest = try request.upstreamRequest(for: candidate)
            upstreamRequest.allowPrivateNetwork = candidate.allowPrivateNetwork
            var attemptsHere = 0
            attempts: while true {
                guard routing.health.acquire(deploymentID, at: routing.clock()).allowsRequest else {
                    metrics?.circuitRefused(providerID: providerID, model: candidate.upstreamModel)
                    logger.debug("circuit open, skipping", metadata: ["deployment": "\(deploymentID)"])
                    lastError = lastError ?? GatewayError.noProviderAvailable("Every provider for '\(request.model)' is temporarily unavailable (circuit open).")
                    break attempts
                }
                // The client left: nothing more is tried, and nothing is held against the upstream.
                try Task.checkCancellation()
                attemptsHere += 1
                total += 1
                let started = routing.clock()
                let attemptStarted = clock.now
                // Traced: this attempt's span, and its context in the upstream request's
                // `traceparent` (replacing the previous attempt's).
                var span: RequestTrace.Attempt?
                if let trace {
                    let (attempt, headers) = trace.startAttempt()
                    span = attempt
                    upstreamRequest.headers.removeAll { $0.0 == "traceparent" || $0.0 == "tracestate" }
                    upstreamRequest.headers += headers
                }
                let failure: UpstreamFailure
                var status: Int?
                do {
                    Self.writePreferWait(&upstreamRequest, firstByteTimeout: settings.firstByteTimeout, remaining: deadline - routing.clock())
                    let response = try await transport.send(upstreamRequest, timeouts: settings)
                    status = response.status
                    if (200..<300).contains(response.status) {
                        let result: (Value, tokens: Int)
                        do {
                            result = try await onSuccess(candidate, response)
                        } catch let error as GatewayError {
                            metrics?.attemptFinished(providerID: providerID, model: candidate.upstreamModel, failure: .badResponse)
                            if let span { trace?.finishAttempt(span, candidate: candidate, status: response.status, errorCode: error.code) }
                            throw error
                        }
                        let (value, tokens) = result
                        upstreamTime += clock.now - attemptStarted
                        metrics?.attemptFinished(providerID: providerID, model: candidate.upstreamModel, failure: nil)
                        // A stream's upstream call lasts as long as the stream: its span ends with the request.
                        if let span { trace?.finishAttempt(span, candidate: candidate, status: response.status, errorCode: nil, endsWithRequest: request.isStream) }
                        let now = routing.clock()
                        _ = routing.health.record(deploymentID, .success(latency: now - started, timeToFirstToken: request.isStream ? now - started : nil), at: now)
                        recordFreeTier(candidate, tokens: tokens, headers: response.headers, at: now)
                        return Attempted(value: value, providerID: providerID, upstreamModel: candidate.upstreamModel, attempts: total,
                                         price: candidate.price, upstreamTime: upstreamTime)
                    }
                    let errorBody = (try? await response.collectBody(upTo: maximumErrorBytes)) ?? []
                    var parsed = candidate.adapter.parseFailure(status: response.status, headers: response.headers, body: errorBody)
                    if response.status == 429 {
                        recordFreeTier(candidate, tokens: 0, headers: response.headers, at: routing.clock())
                        Self.addResetHint(to: &parsed, headers: response.headers)
                    }
                    failure = parsed
                    logger.warning("upstream answered an error", metadata: ["provider": "\(providerID)", "status": "\(response.status)", "retryable": "\(failure.retryable)"])
                } catch let error as UpstreamTransportError {
                    // A call cut short because its client left says nothing about the upstream.
                    if Task.isCancelled {
                        if let span { trace?.finishAttempt(span, candidate: candidate, status: nil, errorCode: "CLIENT_GONE") }
                        throw CancellationError()
                    }
                    failure = UpstreamFailure(error: error.gatewayError(provider: providerID), retryable: true)
                    logger.warning("upstream attempt failed", metadata: ["provider": "\(providerID)", "error": "\(failure.error.code)"])
                } catch let jobFailure as UpstreamFailure {
                    // A later call of a job (`follow`) failed, or the job itself did (a
                    // transcript whose status is `error`): a failed attempt like any other.
                    if Task.isCancelled { throw CancellationError() }
                    failure = jobFailure
                    logger.warning("upstream job failed", metadata: ["provider": "\(providerID)", "error": "\(failure.error.code)"])
                }
                upstreamTime += clock.now - attemptStarted
                metrics?.attemptFinished(providerID: providerID, model: candidate.upstreamModel,
                                         failure: GatewayMetrics.FailureReason(code: failure.error.code, status: status))
                if let span { trace?.finishAttempt(span, candidate: candidate, status: status, errorCode: failure.error.code) }
                var error = failure.error
                error.headers.append(("X-Provider", providerID))
                // A request the provider rejected as malformed says nothing about its health.
                _ = routing.health.record(deploymentID, failure.retryable ? .failure : .ignored, at: routing.clock())
                lastError = error
                let hasMore = index < plan.count - 1
                var decision = routing.retry.decide(
                    retryable: failure.retryable, retryAfter: failure.retryAfterSeconds, attemptsOnCandidate: attemptsHere,
                    totalAttempts: total, hasMoreCandidates: hasMore, now: routing.clock(), deadline: deadline, using: &rng)
                // An unreachable deployment is skipped at once when another one can serve.
                if case .retry = decision, hasMore, failure.error.code == "UPSTREAM_UNAVAILABLE" { decision = .nextCandidate }
                if case .retry(let delay) = decision {
                    // Not on the same deployment: a timeout already cost the client the whole
                    // first-byte wait, and a provider asking for a long pause is better answered
                    // with its 429 and Retry-After, so the client decides whether to wait.
                    if failure.error.code == "UPSTREAM_TIMEOUT" || delay > routing.retry.preferNextCandidateAfter {
                        decision = hasMore ? .nextCandidate : .giveUp
                    }
                }
                switch decision {
                case .retry(let delay):
                    if delay > 0 {
                        let sleepStarted = clock.now
                        try await Task.sleep(for: UpstreamNumber.duration(delay))
                        upstreamTime += clock.now - sleepStarted
                    }
                case .nextCandidate:
                    break attempts
                case .giveUp:
                    error.headers.append(("X-Gatewyse-Attempts", String(total)))
                    throw error
                }
            }
        }
        if var lastError {
            lastError.headers.append(("X-Gatewyse-Attempts", String(total)))
            throw lastError
        }
        if !skipped.isEmpty {
            throw GatewayError.unsupportedCapability("No provider for model '\(request.model)' can serve this request: \(skipped.joined(separator: "; ")).")
        }
        throw GatewayError.noProviderAvailable("Model '\(request.model)' has no configured provider.")
    }

    /// A model the catalog says does not serve the capability (an Imagen model asked to chat, a
    /// chat model asked for speech: `ModelCapabilityRules`), or nil.
    static func modelIncompatibility(_ candidate: RouteCandidate, _ capability: Capability) -> String? {
        guard let served = candidate.modelCapabilities, !served.contains(capability) else { return nil }
        return "model '\(candidate.upstreamModel)' does not offer \(capability.rawValue)"
    }

    /// A 429 without `Retry-After` often still says when the exhausted counter resets
    /// (`x-ratelimit-reset-requests: 6m0s` on OpenAI and Groq, RFC 3339 times on Anthropic): that
    /// becomes the retry hint, for the retry policy and as the client's `Retry-After`.
    static func addResetHint(to failure: inout UpstreamFailure, headers: [(String, String)]) {
        guard failure.retryAfterSeconds == nil, let delay = RateLimitHeaders(headers).suggestedRetryDelay, delay > 0 else { return }
        failure.retryAfterSeconds = delay
        if !failure.error.headers.contains(where: { $0.0.lowercased() == "retry-after" }) {
            failure.error.headers.append(("Retry-After", UpstreamNumber.retryAfterValue(delay)))
        }
    }

    /// Counts the attempt against the deployment's free tier, whatever its wire format (the
    /// tracker ignores deployments without a declared quota).
    private func recordFreeTier(_ candidate: RouteCandidate, tokens: Int, headers: [(String, String)], at now: Double) {
        let key = candidate.freeTierKey
        routing.freeTier.record(key, requests: 1, tokens: tokens, at: now)
        routing.freeTier.correct(key, with: RateLimitHeaders(headers), at: now)
    }
}
