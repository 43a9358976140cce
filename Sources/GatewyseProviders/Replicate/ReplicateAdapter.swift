import GatewyseCore

/// The outbound adapter for Replicate (providers.md §12): `POST /v1/images/generations` and
/// `POST /v1/video/generations` become a prediction of the upstream model (`owner/name`,
/// `owner/name:version`, a version id or `deployments/owner/name`: `ReplicateWire.target`),
/// created with `Prefer: wait` so that a fast model answers in that one call, then followed by
/// polls (`ReplicatePredictionTracker`) and cancelled upstream when the gateway gives up on it.
/// The key is a Bearer token. Images are answered as OpenAI's `url`s (Replicate's output files,
/// which expire after an hour) or, for `b64_json`, fetched and encoded; video as product-spec
/// §2.10's `data: [{url, duration}]`. `POST /v1/audio/speech` and `/v1/audio/transcriptions`
/// (and `/translations`) are predictions of the speech and Whisper models whose inputs the
/// gateway knows (`ReplicateAdapter+Audio.swift`, decisions/0028): each audio model takes its
/// own inputs, so others are skipped. Chat and image edits are not mapped: Replicate's
/// language models stream token lists.
public struct ReplicateAdapter: MediaOnlyAdapter {
    public let configuration: ProviderConfiguration
    let keyHeaders: [(String, String)]
    /// Wall-clock seconds since 1970, for `created`.
    let now: @Sendable () -> Int64

    /// Replicate's sync mode holds the create call up to 60 s (providers.md §12); the route
    /// executor shortens it to what the first-byte timeout and the deadline allow.
    public static let preferWaitSeconds = 60
    /// The longest pause between polls: images are seconds of work, videos minutes.
    static let longestImagePause = 2.0
    static let longestVideoPause = 5.0
    /// FLUX schnell and dev make at most 4 images per prediction (`num_outputs`).
    public static let maximumImages = 4

    public init(configuration: ProviderConfiguration, now: @escaping @Sendable () -> Int64 = UnixClock.now) {
        self.configuration = configuration
        self.now = now
        keyHeaders = configuration.credentialHeaders + configuration.headers
    }

    public var providerID: String { configuration.id }
    public var capabilities: Set<Capability> { configuration.entry.capabilities }

    func target(_ upstreamModel: String) throws(GatewayError) -> ReplicateWire.Target {
        guard let target = ReplicateWire.target(upstreamModel) else {
            throw GatewayError.invalidRequest("'\(upstreamModel)' is not a Replicate model: use owner/name, owner/name:version or deployments/owner/name.",
                                              param: "model")
        }
        return target
    }

    func createRequest(_ target: ReplicateWire.Target, input: JSONObject) -> UpstreamRequest {
        let (path, body) = ReplicateWire.create(target, input: input)
        var request = UpstreamRequest(url: configuration.baseURL + path, headers: [("content-type", "application/json")] + keyHeaders,
                                      body: JSONWriter.bytes(body), expectsStream: false)
        request.preferWait = Self.preferWaitSeconds
        return request
    }

    func tracker(longestPause: Double) -> ReplicatePredictionTracker {
        ReplicatePredictionTracker(baseURL: configuration.baseURL, keyHeaders: keyHeaders, providerID: providerID,
                                   secret: configuration.apiKey, longestPause: longestPause)
    }

    // MARK: Images

    public func imageIncompatibility(with request: ImageGenerationRequest) -> String? {
        if request.n > Self.maximumImages { return "makes at most \(Self.maximumImages) images per request (num_outputs)" }
        return nil
    }

    public func makeImageRequest(_ request: ImageGenerationRequest, upstreamModel: String) throws(GatewayError) -> UpstreamRequest {
        createRequest(try target(upstreamModel), input: ReplicateWire.imageInput(request, model: upstreamModel))
    }

    public func makeImageJob(for request: ImageGenerationRequest, upstreamModel: String) -> (any UpstreamJob<ImageGenerationResponse>)? {
        ReplicateImageJob(tracker: tracker(longestPause: Self.longestImagePause), wantsBase64: request.responseFormat == "b64_json", created: now())
    }

    /// Reached only through a caller that ignores `makeImageJob`: the answer is a prediction.
    public func parseImageResponse(status: Int, headers: [(String, String)], body: [UInt8]) throws(GatewayError) -> ImageGenerationResponse {
        throw GatewayError.badUpstreamResponse(providerID, "a prediction must be followed as a job")
    }

    public func imageEditIncompatibility(with request: ImageEditRequest) -> String? { "does not offer image edits through this gateway" }

    // MARK: Video

    public func videoIncompatibility(with request: VideoGenerationRequest) -> String? {
        request.n > 1 ? "makes one video per request (n=1)" : nil
    }

    public func makeVideoRequest(_ request: VideoGenerationRequest, upstreamModel: String) throws(GatewayError) -> UpstreamRequest {
        createRequest(try target(upstreamModel), input: ReplicateWire.videoInput(request))
    }

    public func makeVideoJob(for request: VideoGenerationRequest, upstreamModel: String) -> any UpstreamJob<VideoGenerationResponse> {
        ReplicateVideoJob(tracker: tracker(longestPause: Self.longestVideoPause), duration: request.duration)
    }

    // MARK: Failures

    /// Problem details (`{"detail", "title", "status"}`) through the shared classifier — 429
    /// with `Retry-After` stays 429, 5xx is a retryable 502, 401/403 the gateway's key, 404 and
    /// 422 (an unknown model, an input the model refuses) the client's request — except 402:
    /// the gateway's Replicate account is out of credit, not the client's fault, so it is a
    /// retryable 502 (as for Anthropic and Cohere).
    public func parseFailure(status: Int, headers: [(String, String)], body: [UInt8]) -> UpstreamFailure {
        let message = ReplicateWire.errorMessage(body)
        if status == 402 {
            let detail = configuration.apiKey.map { $0.scrub(message ?? "") } ?? (message ?? "")
            return UpstreamFailure(
                error: GatewayError(status: 502, code: "UPSTREAM_BILLING_FAILED", type: "api_error",
                                    message: "Provider '\(providerID)' refused the gateway's account (HTTP 402): \(detail)"),
                retryable: true)
        }
        return UpstreamFailureClassifier.classify(providerID: providerID, status: status, headers: headers, message: message,
                                                  secret: configuration.apiKey)
    }
}
