import GatewyseCore

/// One upstream HTTP call, built by an adapter and sent by the engine's `UpstreamTransport`.
public struct UpstreamRequest: Sendable {
    public var method: String
    public var url: String
    public var headers: [(String, String)]
    public var body: [UInt8]
    /// Whether the response is an event stream (decides timeouts and how the body is read).
    public var expectsStream: Bool
    /// Whether the provider may sit on a private or loopback address: the transport checks every
    /// address a host name resolves to against it when it connects (set by the route executor).
    public var allowPrivateNetwork = false
    /// The longest, in seconds, the upstream may hold this call before it answers (RFC 7240
    /// `Prefer: wait=N`, Replicate's sync mode: providers.md §12). The route executor writes the
    /// header, bounded by the first-byte timeout and the request's deadline — which adapters do
    /// not know — or leaves it out when too little time is left. Nil: no such preference.
    public var preferWait: Int?

    public init(method: String = "POST", url: String, headers: [(String, String)], body: [UInt8], expectsStream: Bool) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.expectsStream = expectsStream
    }
}

/// A failed upstream attempt, classified by the adapter: what the client would see and whether
/// another attempt (same or next provider) may succeed.
public struct UpstreamFailure: Error, Sendable {
    public var error: GatewayError
    public var retryable: Bool
    /// The provider's own hint, from `Retry-After`, `retry-after-ms` or the body.
    public var retryAfterSeconds: Double?

    public init(error: GatewayError, retryable: Bool, retryAfterSeconds: Double? = nil) {
        self.error = error
        self.retryable = retryable
        self.retryAfterSeconds = retryAfterSeconds
    }
}

/// Turns a provider's event stream into unified chunks. A state machine fed with raw bytes.
///
/// A failure the provider reports inside the stream (an `error` event after the 200, a frame that
/// does not parse) is not thrown: the events before it often arrive in the same read, and
/// throwing would drop the chunks already decoded from them. `decode` returns those chunks and
/// the failure is left in `failure`, for the caller to deliver after them; the decoder then
/// ignores everything else it is fed.
public protocol ChatStreamDecoder: Sendable {
    /// Decodes what `bytes` completes; keeps partial frames for the next call. Throws only when
    /// the framing itself breaks (an over-long SSE line, a corrupt AWS event-stream frame).
    mutating func decode(_ bytes: [UInt8]) throws(GatewayError) -> [ChatChunk]
    /// True once the provider signalled the end of the stream (`[DONE]`, `message_stop`).
    var isFinished: Bool { get }
    /// The failure that ended the stream, once one was met; set by the `decode` call whose
    /// chunks precede it. Defaults to nil (a decoder that throws instead).
    var failure: GatewayError? { get }
    /// Input usage the provider reported before its final usage (Anthropic's `message_start`):
    /// the real prompt count of a stream abandoned before the end. Defaults to nil.
    var promptUsage: Usage? { get }
}

extension ChatStreamDecoder {
    public var failure: GatewayError? { nil }
    public var promptUsage: Usage? { nil }
}

/// A provider's wire format as pure functions (ARCHITECTURE rule 1): no I/O, fed recorded bytes in
/// tests. The engine only ever sees `any ProviderAdapter`.
public protocol ProviderAdapter: Sendable {
    /// The configured provider id (`groq`), reported in `X-Provider`.
    var providerID: String { get }
    /// The provider instance this adapter speaks for: its catalog entry says which type it is,
    /// which is what free-tier quotas and default prices are declared by.
    var configuration: ProviderConfiguration { get }
    var capabilities: Set<Capability> { get }

    /// Why this provider cannot serve `request` (tools to a provider without tools, …), or nil.
    func incompatibility(with request: ChatRequest) -> String?
    func makeChatRequest(_ request: ChatRequest, upstreamModel: String) throws(GatewayError) -> UpstreamRequest
    func parseChatResponse(status: Int, headers: [(String, String)], body: [UInt8]) throws(GatewayError) -> ChatResponse
    /// The 2xx answer as the client may receive it unchanged — an OpenAI-format upstream whose
    /// answers need no rewriting — with its usage; nil when it must be parsed and re-encoded.
    /// Defaults to nil (`ProviderAdapter+Verbatim.swift`).
    func verbatimChatResponse(status: Int, headers: [(String, String)], body: [UInt8]) throws(GatewayError) -> VerbatimChatResponse?
    /// The stream counterpart: nil when frames must be decoded and re-encoded.
    func makeVerbatimStreamFilter(for request: ChatRequest) -> (any VerbatimStreamFilter)?
    func makeChatStreamDecoder(for request: ChatRequest) -> any ChatStreamDecoder
    /// Classifies a non-2xx answer.
    func parseFailure(status: Int, headers: [(String, String)], body: [UInt8]) -> UpstreamFailure

    // Embeddings (`POST /v1/embeddings`). Defaults below refuse them, so an adapter without
    // embeddings needs no code; one that has them implements all three.

    /// Why this provider cannot serve `request` (no embeddings, token-id input, too many inputs…),
    /// or nil. Routing skips the candidate with this reason.
    func embeddingIncompatibility(with request: EmbeddingRequest) -> String?
    func makeEmbeddingRequest(_ request: EmbeddingRequest, upstreamModel: String) throws(GatewayError) -> UpstreamRequest
    /// Reads a 2xx answer. `request` and `upstreamModel` are given because some providers echo
    /// neither the model nor the usage (Gemini).
    func parseEmbeddingResponse(status: Int, headers: [(String, String)], body: [UInt8],
                                for request: EmbeddingRequest, upstreamModel: String) throws(GatewayError) -> EmbeddingResponse

    // Rerank (`POST /v1/rerank`), refused by default like embeddings.

    /// Why this provider cannot serve `request` (no rerank…), or nil.
    func rerankIncompatibility(with request: RerankRequest) -> String?
    func makeRerankRequest(_ request: RerankRequest, upstreamModel: String) throws(GatewayError) -> UpstreamRequest
    /// Reads a 2xx answer; `request` gives the document count to check indices against.
    func parseRerankResponse(status: Int, headers: [(String, String)], body: [UInt8],
                             for request: RerankRequest, upstreamModel: String) throws(GatewayError) -> RerankResponse

    // Images and audio (`ProviderAdapter+Media.swift`), refused by default like embeddings.

    /// Why this provider cannot make `request`'s images, or nil.
    func imageIncompatibility(with request: ImageGenerationRequest) -> String?
    /// The same for one upstream model, for providers where what a request may ask depends on
    /// the model: a ComfyUI model is a workflow, whose placeholders say which of `size`, `n`,
    /// `seed` it can take; Imagen makes up to 4 images, Gemini image models one. Routing asks
    /// both this and `imageIncompatibility(with:)`; defaults to nil.
    func imageIncompatibility(with request: ImageGenerationRequest, upstreamModel: String) -> String?
    func makeImageRequest(_ request: ImageGenerationRequest, upstreamModel: String) throws(GatewayError) -> UpstreamRequest
    func parseImageResponse(status: Int, headers: [(String, String)], body: [UInt8]) throws(GatewayError) -> ImageGenerationResponse
    /// The rest of an image generation that is a job (Replicate's predictions: `UpstreamJob.swift`),
    /// or nil when the first answer is the images (`parseImageResponse`). Defaults to nil.
    func makeImageJob(for request: ImageGenerationRequest, upstreamModel: String) -> (any UpstreamJob<ImageGenerationResponse>)?
    /// Why this provider cannot edit images, or nil; its answer is an image answer
    /// (`parseImageResponse`).
    func imageEditIncompatibility(with request: ImageEditRequest) -> String?
    /// The same for one upstream model (Gemini edits with its image models, not with Imagen).
    /// Routing asks both; defaults to nil.
    func imageEditIncompatibility(with request: ImageEditRequest, upstreamModel: String) -> String?
    func makeImageEditRequest(_ request: ImageEditRequest, upstreamModel: String) throws(GatewayError) -> UpstreamRequest
    /// Why this provider cannot transcribe (or translate) `request`, or nil.
    func transcriptionIncompatibility(with request: TranscriptionRequest) -> String?
    /// The same for one upstream model (Replicate's Whisper models differ in the formats they
    /// can answer). Routing asks both; defaults to nil.
    func transcriptionIncompatibility(with request: TranscriptionRequest, upstreamModel: String) -> String?
    func makeTranscriptionRequest(_ request: TranscriptionRequest, upstreamModel: String) throws(GatewayError) -> UpstreamRequest
    func parseTranscriptionResponse(status: Int, headers: [(String, String)], body: [UInt8],
                                    for request: TranscriptionRequest) throws(GatewayError) -> TranscriptionResponse
    /// The rest of a transcription that is a job (`UpstreamJob.swift`), or nil when the first
    /// answer is the transcription (`parseTranscriptionResponse`). Defaults to nil.
    func makeTranscriptionJob(for request: TranscriptionRequest, upstreamModel: String) -> (any TranscriptionJob)?
    /// Why this provider cannot speak `request`, or nil. The answer is audio bytes, relayed as
    /// they arrive: there is nothing to parse.
    func speechIncompatibility(with request: SpeechRequest) -> String?
    func makeSpeechRequest(_ request: SpeechRequest, upstreamModel: String) throws(GatewayError) -> UpstreamRequest
    /// The same for one upstream model. Defaults to nil.
    func speechIncompatibility(with request: SpeechRequest, upstreamModel: String) -> String?
    /// Turns the upstream's 2xx answer into the audio asked for, when the answer is not that
    /// audio itself (Gemini's event stream of base64 PCM: `SpeechStreamDecoder`); nil when the
    /// bytes are relayed as they come. Defaults to nil.
    func makeSpeechDecoder(for request: SpeechRequest, upstreamModel: String) -> (any SpeechStreamDecoder)?
    /// The rest of a speech request that is a job (Replicate's predictions, whose output is an
    /// audio file to fetch): its value is the whole audio in the format asked for. Nil when the
    /// first answer is the audio itself (the default).
    func makeSpeechJob(for request: SpeechRequest, upstreamModel: String) -> (any UpstreamJob<[UInt8]>)?
    /// Why this provider cannot make `request`'s video, or nil.
    func videoIncompatibility(with request: VideoGenerationRequest) -> String?
    /// The first call of a video generation; video is always a job (`makeVideoJob` follows it).
    func makeVideoRequest(_ request: VideoGenerationRequest, upstreamModel: String) throws(GatewayError) -> UpstreamRequest
    func makeVideoJob(for request: VideoGenerationRequest, upstreamModel: String) -> any UpstreamJob<VideoGenerationResponse>
}

extension ProviderAdapter {
    /// Skips the provider: either its catalog entry lists no embeddings, or it does but its
    /// adapter does not implement them yet (the reason says which).
    public func embeddingIncompatibility(with request: EmbeddingRequest) -> String? {
        capabilities.contains(.embeddings) ? "offers embeddings, but the gateway does not implement them for it yet" : "does not offer embeddings"
    }

    public func makeEmbeddingRequest(_ request: EmbeddingRequest, upstreamModel: String) throws(GatewayError) -> UpstreamRequest {
        throw GatewayError.unsupportedCapability("Provider '\(providerID)' cannot serve embeddings through this gateway.", param: "model")
    }

    public func parseEmbeddingResponse(status: Int, headers: [(String, String)], body: [UInt8],
                                       for request: EmbeddingRequest, upstreamModel: String) throws(GatewayError) -> EmbeddingResponse {
        throw GatewayError.unsupportedCapability("Provider '\(providerID)' cannot serve embeddings through this gateway.", param: "model")
    }
}

extension ProviderAdapter {
    /// Skips the provider: its catalog entry lists no rerank, or its adapter does not implement it.
    public func rerankIncompatibility(with request: RerankRequest) -> String? {
        capabilities.contains(.rerank) ? "offers rerank, but the gateway does not implement it for it yet" : "does not offer rerank"
    }

    public func makeRerankRequest(_ request: RerankRequest, upstreamModel: String) throws(GatewayError) -> UpstreamRequest {
        throw GatewayError.unsupportedCapability("Provider '\(providerID)' cannot serve rerank through this gateway.", param: "model")
    }

    public func parseRerankResponse(status: Int, headers: [(String, String)], body: [UInt8],
                                    for request: RerankRequest, upstreamModel: String) throws(GatewayError) -> RerankResponse {
        throw GatewayError.unsupportedCapability("Provider '\(providerID)' cannot serve rerank through this gateway.", param: "model")
    }
}
