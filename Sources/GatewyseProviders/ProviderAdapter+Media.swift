import GatewyseCore

// Images, audio and video are refused by every adapter that does not implement them, with a reason
// routing shows the client when no candidate is left: the catalog does not list the capability,
// or it does and the gateway has no adapter for it yet (Gemini's images and TTS, …).

/// Reasons several image providers give alike, written once so the client reads one wording.
enum ImageRefusal {
    /// Providers that answer with the image's bytes (Stability, Gemini, Fireworks' FLUX): the
    /// gateway keeps no files, so there is nothing a `url` could point at.
    static let noURLs = "returns image bytes only, and the gateway stores no images to link to: response_format 'url' is not possible (ask for 'b64_json')"
}

extension ProviderAdapter {
    func mediaIncompatibility(_ capability: Capability, _ noun: String) -> String {
        capabilities.contains(capability) ? "offers \(noun), but the gateway does not implement them for it yet" : "does not offer \(noun)"
    }

    func refusal(_ noun: String) -> GatewayError {
        GatewayError.unsupportedCapability("Provider '\(providerID)' cannot serve \(noun) through this gateway.", param: "model")
    }

    public func imageIncompatibility(with request: ImageGenerationRequest) -> String? { mediaIncompatibility(.images, "images") }

    public func makeImageRequest(_ request: ImageGenerationRequest, upstreamModel: String) throws(GatewayError) -> UpstreamRequest {
        throw refusal("images")
    }

    public func parseImageResponse(status: Int, headers: [(String, String)], body: [UInt8]) throws(GatewayError) -> ImageGenerationResponse {
        throw refusal("images")
    }

    public func makeImageJob(for request: ImageGenerationRequest, upstreamModel: String) -> (any UpstreamJob<ImageGenerationResponse>)? { nil }

    public func imageIncompatibility(with request: ImageGenerationRequest, upstreamModel: String) -> String? { nil }

    public func imageEditIncompatibility(with request: ImageEditRequest) -> String? { mediaIncompatibility(.images, "image edits") }

    public func imageEditIncompatibility(with request: ImageEditRequest, upstreamModel: String) -> String? { nil }

    public func makeImageEditRequest(_ request: ImageEditRequest, upstreamModel: String) throws(GatewayError) -> UpstreamRequest {
        throw refusal("image edits")
    }

    public func transcriptionIncompatibility(with request: TranscriptionRequest) -> String? {
        mediaIncompatibility(.audio, "audio transcriptions")
    }

    public func makeTranscriptionRequest(_ request: TranscriptionRequest, upstreamModel: String) throws(GatewayError) -> UpstreamRequest {
        throw refusal("audio transcriptions")
    }

    public func transcriptionIncompatibility(with request: TranscriptionRequest, upstreamModel: String) -> String? { nil }

    public func parseTranscriptionResponse(status: Int, headers: [(String, String)], body: [UInt8],
                                           for request: TranscriptionRequest) throws(GatewayError) -> TranscriptionResponse {
        throw refusal("audio transcriptions")
    }

    public func makeTranscriptionJob(for request: TranscriptionRequest, upstreamModel: String) -> (any TranscriptionJob)? { nil }

    public func speechIncompatibility(with request: SpeechRequest) -> String? { mediaIncompatibility(.tts, "speech (tts)") }

    public func makeSpeechRequest(_ request: SpeechRequest, upstreamModel: String) throws(GatewayError) -> UpstreamRequest {
        throw refusal("speech")
    }

    public func speechIncompatibility(with request: SpeechRequest, upstreamModel: String) -> String? { nil }

    public func makeSpeechDecoder(for request: SpeechRequest, upstreamModel: String) -> (any SpeechStreamDecoder)? { nil }

    public func makeSpeechJob(for request: SpeechRequest, upstreamModel: String) -> (any UpstreamJob<[UInt8]>)? { nil }

    public func videoIncompatibility(with request: VideoGenerationRequest) -> String? {
        mediaIncompatibility(.videoGeneration, "video generation")
    }

    public func makeVideoRequest(_ request: VideoGenerationRequest, upstreamModel: String) throws(GatewayError) -> UpstreamRequest {
        throw refusal("video generation")
    }

    public func makeVideoJob(for request: VideoGenerationRequest, upstreamModel: String) -> any UpstreamJob<VideoGenerationResponse> {
        RefusedJob(failure: UpstreamFailure(error: refusal("video generation"), retryable: false))
    }
}

/// The job of a provider that has none for this request: it refuses at its first answer (only
/// a caller that skipped the incompatibility check could get there).
struct RefusedJob<Value: Sendable>: UpstreamJob {
    let failure: UpstreamFailure
    mutating func next(status: Int, headers: [(String, String)], body: [UInt8]) throws(UpstreamFailure) -> UpstreamJobStep<Value> {
        throw failure
    }
}
