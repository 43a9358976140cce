import GatewyseCore

// MARK: - Images and audio (providers.md §1 "Other endpoints"; §4 Azure's deployment URLs)

extension OpenAICompatibleAdapter {
    /// `<base>/<operation>`, or Azure's `/deployments/{model}/<operation>?api-version=…`.
    func url(_ operation: String, model: String) -> String {
        usesAzureDeploymentURLs ? azureDeploymentURL(model: model, operation: operation) : configuration.baseURL + "/" + operation
    }

    /// Only providers whose catalog entry lists images are asked.
    public func imageIncompatibility(with request: ImageGenerationRequest) -> String? {
        capabilities.contains(.images) ? nil : "does not offer images"
    }

    public func imageIncompatibility(with request: ImageGenerationRequest, upstreamModel: String) -> String? {
        switch quirks.imageWire {
        case .openAI: nil
        case .fireworksWorkflow: FireworksImagesWire.incompatibility(request, model: upstreamModel)
        }
    }

    /// `POST <base>/images/generations` with the client's fields as sent, `model` rewritten;
    /// for Fireworks, its FLUX workflow endpoint (`FireworksImagesWire`).
    public func makeImageRequest(_ request: ImageGenerationRequest, upstreamModel: String) throws(GatewayError) -> UpstreamRequest {
        switch quirks.imageWire {
        case .openAI:
            return UpstreamRequest(url: url("images/generations", model: upstreamModel), headers: baseHeaders,
                                   body: JSONWriter.bytes(OpenAIImagesWire.encodeRequest(request, model: upstreamModel)), expectsStream: false)
        case .fireworksWorkflow:
            guard let path = FireworksImagesWire.path(model: upstreamModel) else {
                throw GatewayError.invalidRequest("Provider '\(providerID)' cannot address model '\(upstreamModel)'.", param: "model")
            }
            return UpstreamRequest(url: configuration.baseURL + path, headers: baseHeaders + [("Accept", "application/json")],
                                   body: JSONWriter.bytes(FireworksImagesWire.encodeRequest(request)), expectsStream: false)
        }
    }

    public func parseImageResponse(status: Int, headers: [(String, String)], body: [UInt8]) throws(GatewayError) -> ImageGenerationResponse {
        switch quirks.imageWire {
        case .openAI: return try OpenAIImagesWire.decodeResponse(body, provider: providerID)
        case .fireworksWorkflow: return try FireworksImagesWire.decodeResponse(body, provider: providerID, created: UnixClock.now())
        }
    }

    public func imageEditIncompatibility(with request: ImageEditRequest) -> String? {
        guard capabilities.contains(.images) else { return "does not offer images" }
        return quirks.servesImageEdits ? nil : "does not offer image edits"
    }

    /// `POST <base>/images/edits`: the client's form, `model` spliced (decisions/0017).
    public func makeImageEditRequest(_ request: ImageEditRequest, upstreamModel: String) throws(GatewayError) -> UpstreamRequest {
        UpstreamRequest(url: url("images/edits", model: upstreamModel), headers: formHeaders(request.form),
                        body: request.upstreamBody(model: upstreamModel), expectsStream: false)
    }

    /// The JSON headers with the form's content type instead.
    func formHeaders(_ form: MultipartForm) -> [(String, String)] {
        [("Content-Type", "multipart/form-data; boundary=\(form.boundary)")] + baseHeaders.filter { $0.0 != "Content-Type" }
    }

    public func transcriptionIncompatibility(with request: TranscriptionRequest) -> String? {
        guard capabilities.contains(.audio) else { return "does not offer audio transcriptions" }
        if request.task == .translation, !quirks.servesAudioTranslations { return "does not offer audio translations" }
        if quirks.unsupportedTranscriptionFormats.contains(request.responseFormat.rawValue) {
            return "does not offer response_format '\(request.responseFormat.rawValue)'"
        }
        return nil
    }

    /// `POST <base>/audio/transcriptions|translations`: the client's multipart form with only the
    /// `model` part rewritten, sent under the client's boundary (decisions/0017).
    /// On a provider whose audio lives on another host (Fireworks), under that host's base URL.
    public func makeTranscriptionRequest(_ request: TranscriptionRequest, upstreamModel: String) throws(GatewayError) -> UpstreamRequest {
        let operation = "audio/" + request.task.pathSegment
        let target = audioBaseURL.map { $0 + "/" + operation } ?? url(operation, model: upstreamModel)
        return UpstreamRequest(url: target, headers: formHeaders(request.form), body: request.upstreamBody(model: upstreamModel), expectsStream: false)
    }

    /// The configured `audio_base_url`, else the catalog's default audio host, else nil (audio
    /// is under the base URL).
    var audioBaseURL: String? { configuration.audioBaseURL ?? quirks.defaultAudioBaseURL }

    public func parseTranscriptionResponse(status: Int, headers: [(String, String)], body: [UInt8],
                                           for request: TranscriptionRequest) throws(GatewayError) -> TranscriptionResponse {
        try OpenAIAudioWire.decodeTranscriptionResponse(body, format: request.responseFormat, provider: providerID)
    }

    public func speechIncompatibility(with request: SpeechRequest) -> String? {
        capabilities.contains(.tts) ? nil : "does not offer speech (tts)"
    }

    /// `POST <base>/audio/speech`; the answer is the audio itself, relayed chunk by chunk so its
    /// first bytes reach the client before the upstream has finished.
    public func makeSpeechRequest(_ request: SpeechRequest, upstreamModel: String) throws(GatewayError) -> UpstreamRequest {
        UpstreamRequest(url: url("audio/speech", model: upstreamModel), headers: baseHeaders,
                        body: JSONWriter.bytes(OpenAIAudioWire.encodeSpeech(request, model: upstreamModel)), expectsStream: true)
    }
}
