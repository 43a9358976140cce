import GatewyseCore
import GatewyseProviders
import GatewyseRouting
import Logging

// Images and audio take the attempt loop every capability takes (`RouteExecutor.run`): the
// alias's strategy, retries, failover and circuit feedback, with candidates whose adapter cannot
// serve the request skipped with the reason (a route with none left is a 400 naming it).

extension ImageGenerationRequest: RoutedRequest {
    static var capability: Capability { .images }
    var isStream: Bool { false }
    /// Nothing to classify, no tokens to estimate (images are billed per image).
    func routingProfile(full: Bool) -> RequestProfile { RequestProfile(estimatedInputTokens: 0, estimatedOutputTokens: 0) }
    func incompatibility(with candidate: RouteCandidate) -> String? {
        candidate.adapter.imageIncompatibility(with: self) ?? candidate.adapter.imageIncompatibility(with: self, upstreamModel: candidate.upstreamModel)
    }
    func upstreamRequest(for candidate: RouteCandidate) throws(GatewayError) -> UpstreamRequest {
        try candidate.adapter.makeImageRequest(self, upstreamModel: candidate.upstreamModel)
    }
}

extension VideoGenerationRequest: RoutedRequest {
    static var capability: Capability { .videoGeneration }
    var isStream: Bool { false }
    func routingProfile(full: Bool) -> RequestProfile { RequestProfile(estimatedInputTokens: 0, estimatedOutputTokens: 0) }
    func incompatibility(with candidate: RouteCandidate) -> String? { candidate.adapter.videoIncompatibility(with: self) }
    func upstreamRequest(for candidate: RouteCandidate) throws(GatewayError) -> UpstreamRequest {
        try candidate.adapter.makeVideoRequest(self, upstreamModel: candidate.upstreamModel)
    }
}

extension ImageEditRequest: RoutedRequest {
    static var capability: Capability { .images }
    var isStream: Bool { false }
    func routingProfile(full: Bool) -> RequestProfile { RequestProfile(estimatedInputTokens: 0, estimatedOutputTokens: 0) }
    func incompatibility(with candidate: RouteCandidate) -> String? {
        candidate.adapter.imageEditIncompatibility(with: self) ?? candidate.adapter.imageEditIncompatibility(with: self, upstreamModel: candidate.upstreamModel)
    }
    func upstreamRequest(for candidate: RouteCandidate) throws(GatewayError) -> UpstreamRequest {
        try candidate.adapter.makeImageEditRequest(self, upstreamModel: candidate.upstreamModel)
    }
}

extension TranscriptionRequest: RoutedRequest {
    static var capability: Capability { .audio }
    var isStream: Bool { false }
    func routingProfile(full: Bool) -> RequestProfile { RequestProfile(estimatedInputTokens: 0, estimatedOutputTokens: 0) }
    func incompatibility(with candidate: RouteCandidate) -> String? {
        candidate.adapter.transcriptionIncompatibility(with: self)
            ?? candidate.adapter.transcriptionIncompatibility(with: self, upstreamModel: candidate.upstreamModel)
    }
    func upstreamRequest(for candidate: RouteCandidate) throws(GatewayError) -> UpstreamRequest {
        try candidate.adapter.makeTranscriptionRequest(self, upstreamModel: candidate.upstreamModel)
    }
}

extension SpeechRequest: RoutedRequest {
    static var capability: Capability { .tts }
    var isStream: Bool { true }
    func routingProfile(full: Bool) -> RequestProfile { RequestProfile(estimatedInputTokens: 0, estimatedOutputTokens: 0) }
    func incompatibility(with candidate: RouteCandidate) -> String? {
        candidate.adapter.speechIncompatibility(with: self) ?? candidate.adapter.speechIncompatibility(with: self, upstreamModel: candidate.upstreamModel)
    }
    func upstreamRequest(for candidate: RouteCandidate) throws(GatewayError) -> UpstreamRequest {
        try candidate.adapter.makeSpeechRequest(self, upstreamModel: candidate.upstreamModel)
    }
}

/// A media answer with the key its unit price is looked up by (`"<provider type>/<model>"`,
/// as `UnitPriceBook` keys prices).
public struct MediaAnswer<Value: Sendable>: Sendable {
    public var value: Value
    public var unitPriceKey: String
}

extension RouteExecutor {
    /// Images; for a provider whose images are jobs (Replicate's predictions) the job is
    /// followed to its end inside the attempt (`follow`), stopped at `deadline`.
    public func images(_ request: ImageGenerationRequest, route: ResolvedRoute, tenantID: String, logger: Logger,
                       deadline: ContinuousClock.Instant? = nil, trace: RequestTrace? = nil) async throws -> Attempted<MediaAnswer<ImageGenerationResponse>> {
        let deadline = deadline ?? .now + UpstreamNumber.duration(settings.totalTimeout)
        return try await run(request, route: route, tenantID: tenantID, logger: logger, trace: trace) { candidate, response in
            let body = try await response.collectBody(upTo: maximumResponseBytes)
            let parsed: ImageGenerationResponse
            if var job = candidate.adapter.makeImageJob(for: request, upstreamModel: candidate.upstreamModel) {
                parsed = try await follow(&job, status: response.status, headers: response.headers, body: body, candidate: candidate, deadline: deadline)
            } else {
                parsed = try candidate.adapter.parseImageResponse(status: response.status, headers: response.headers, body: body)
            }
            return (MediaAnswer(value: parsed, unitPriceKey: candidate.providerType + "/" + candidate.upstreamModel), 0)
        }
    }

    /// A video: always a job, followed until `deadline`. A job still running then is handed
    /// back suspended (the client is answered 202 and asks again), not cancelled.
    func video(_ request: VideoGenerationRequest, route: ResolvedRoute, tenantID: String, logger: Logger,
               deadline: ContinuousClock.Instant, trace: RequestTrace? = nil) async throws -> Attempted<MediaAnswer<FollowedJob<VideoGenerationResponse>>> {
        try await run(request, route: route, tenantID: tenantID, logger: logger, trace: trace) { candidate, response in
            let body = try await response.collectBody(upTo: maximumResponseBytes)
            var job = candidate.adapter.makeVideoJob(for: request, upstreamModel: candidate.upstreamModel)
            let followed = try await advance(&job, status: response.status, headers: response.headers, body: body, adapter: candidate.adapter,
                                             allowPrivateNetwork: candidate.allowPrivateNetwork, deadline: deadline, suspendAtDeadline: true,
                                             cancelsWhenAbandoned: true)
            return (MediaAnswer(value: followed, unitPriceKey: candidate.providerType + "/" + candidate.upstreamModel), 0)
        }
    }

    public func imageEdit(_ request: ImageEditRequest, route: ResolvedRoute, tenantID: String, logger: Logger, trace: RequestTrace? = nil) async throws -> Attempted<MediaAnswer<ImageGenerationResponse>> {
        try await run(request, route: route, tenantID: tenantID, logger: logger, trace: trace) { candidate, response in
            let body = try await response.collectBody(upTo: maximumResponseBytes)
            let parsed = try candidate.adapter.parseImageResponse(status: response.status, headers: response.headers, body: body)
            return (MediaAnswer(value: parsed, unitPriceKey: candidate.providerType + "/" + candidate.upstreamModel), 0)
        }
    }

    /// A transcription; for a provider whose transcriptions are jobs (AssemblyAI) the job is
    /// followed to its end inside the attempt (`follow`), stopped at `deadline`.
    public func transcription(_ request: TranscriptionRequest, route: ResolvedRoute, tenantID: String, logger: Logger,
                              deadline: ContinuousClock.Instant? = nil, trace: RequestTrace? = nil) async throws -> Attempted<MediaAnswer<TranscriptionResponse>> {
        let deadline = deadline ?? .now + UpstreamNumber.duration(settings.totalTimeout)
        return try await run(request, route: route, tenantID: tenantID, logger: logger, trace: trace) { candidate, response in
            let body = try await response.collectBody(upTo: maximumResponseBytes)
            let parsed: TranscriptionResponse
            if var job = candidate.adapter.makeTranscriptionJob(for: request, upstreamModel: candidate.upstreamModel) {
                parsed = try await follow(&job, status: response.status, headers: response.headers, body: body, candidate: candidate, deadline: deadline)
            } else {
                parsed = try candidate.adapter.parseTranscriptionResponse(status: response.status, headers: response.headers, body: body, for: request)
            }
            return (MediaAnswer(value: parsed, unitPriceKey: candidate.providerType + "/" + candidate.upstreamModel), 0)
        }
    }

    /// Opens the upstream's audio stream. As for chat streams, failover happens only until an
    /// upstream answers 2xx: from then on its bytes go to the client as they arrive. An answer
    /// that must be decoded into audio (`SpeechStreamDecoder`: Gemini's event stream) is read
    /// until its first audio inside the attempt, so one that fails or ends before any audio
    /// is a failed attempt and the next candidate is tried. A provider whose speech is a job
    /// (Replicate's predictions) is followed to its end inside the attempt, stopped at
    /// `deadline`, and its whole audio is the answer.
    public func speech(_ request: SpeechRequest, route: ResolvedRoute, tenantID: String, logger: Logger,
                       deadline: ContinuousClock.Instant? = nil, trace: RequestTrace? = nil) async throws -> Attempted<MediaAnswer<any UpstreamBody>> {
        let deadline = deadline ?? .now + UpstreamNumber.duration(settings.totalTimeout)
        return try await run(request, route: route, tenantID: tenantID, logger: logger, trace: trace) { candidate, response in
            let key = candidate.providerType + "/" + candidate.upstreamModel
            if var job = candidate.adapter.makeSpeechJob(for: request, upstreamModel: candidate.upstreamModel) {
                let body = try await response.collectBody(upTo: maximumResponseBytes)
                let audio = try await follow(&job, status: response.status, headers: response.headers, body: body, candidate: candidate, deadline: deadline)
                return (MediaAnswer(value: CollectedAudioBody(audio), unitPriceKey: key), 0)
            }
            guard let decoder = candidate.adapter.makeSpeechDecoder(for: request, upstreamModel: candidate.upstreamModel) else {
                return (MediaAnswer(value: response.body, unitPriceKey: key), 0)
            }
            let audio = DecodedAudioBody(upstream: response.body, decoder: decoder)
            try await audio.readFirstAudio()
            return (MediaAnswer(value: audio, unitPriceKey: key), 0)
        }
    }
}
