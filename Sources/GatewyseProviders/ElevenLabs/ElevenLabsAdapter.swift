import GatewyseCore

/// The outbound adapter for ElevenLabs (providers.md §19): `POST /v1/audio/speech` becomes
/// `POST <base>/v1/text-to-speech/{voice_id}/stream?output_format=…` with the key in
/// `xi-api-key`, and the audio it streams goes to the client as it arrives (the engine relays
/// the body; there is nothing to parse). OpenAI voice names become ElevenLabs voice ids through
/// the provider's `voices` mapping. `POST /v1/audio/transcriptions` becomes
/// `POST <base>/v1/speech-to-text` (Scribe), the client's form rebuilt with ElevenLabs' field
/// names and answered in OpenAI's `json`, `text` or `verbose_json`; translations, srt / vtt and
/// segments are refused (`ElevenLabsWire+SpeechToText`, decisions/0027).
public struct ElevenLabsAdapter: MediaOnlyAdapter {
    public let configuration: ProviderConfiguration
    let jsonHeaders: [(String, String)]
    let keyHeaders: [(String, String)]

    public init(configuration: ProviderConfiguration) {
        self.configuration = configuration
        keyHeaders = configuration.credentialHeaders + configuration.headers
        jsonHeaders = [("content-type", "application/json")] + keyHeaders
    }

    public var providerID: String { configuration.id }
    public var capabilities: Set<Capability> { configuration.entry.capabilities }

    /// Skips requests ElevenLabs cannot speak as asked: a format it has no output for (AAC,
    /// FLAC), a speed outside its range, `instructions` (it has no style prompt), or a voice
    /// without an id.
    public func speechIncompatibility(with request: SpeechRequest) -> String? {
        guard ElevenLabsWire.outputFormat(for: request.format) != nil else {
            return "does not offer response_format '\(request.format.rawValue)'"
        }
        if let speed = request.fields["speed"]?.doubleValue, !ElevenLabsWire.speedRange.contains(speed) {
            return "accepts speed \(ElevenLabsWire.speedRange.lowerBound)–\(ElevenLabsWire.speedRange.upperBound) only"
        }
        if let instructions = request.fields["instructions"], instructions != .null { return "does not take 'instructions'" }
        if case .failure(let problem) = ElevenLabsWire.voiceID(for: request, voices: configuration.voices) { return problem.reason }
        return nil
    }

    public func makeSpeechRequest(_ request: SpeechRequest, upstreamModel: String) throws(GatewayError) -> UpstreamRequest {
        guard let format = ElevenLabsWire.outputFormat(for: request.format) else {
            throw GatewayError.unsupportedCapability("Provider '\(providerID)' has no '\(request.format.rawValue)' output.", param: "response_format")
        }
        let voice: String
        switch ElevenLabsWire.voiceID(for: request, voices: configuration.voices) {
        case .success(let id): voice = id
        case .failure(let problem): throw GatewayError.invalidRequest("Provider '\(providerID)' \(problem.reason).", param: "voice")
        }
        let url = configuration.baseURL + "/v1/text-to-speech/" + voice + "/stream?output_format=" + format
        return UpstreamRequest(url: url, headers: jsonHeaders, body: JSONWriter.bytes(ElevenLabsWire.encodeRequest(request, model: upstreamModel)),
                               expectsStream: true)
    }

    public func transcriptionIncompatibility(with request: TranscriptionRequest) -> String? {
        ElevenLabsWire.transcriptionIncompatibility(request)
    }

    /// `POST <base>/v1/speech-to-text` with the rebuilt form, under the client's boundary.
    public func makeTranscriptionRequest(_ request: TranscriptionRequest, upstreamModel: String) throws(GatewayError) -> UpstreamRequest {
        guard let form = ElevenLabsWire.speechToTextForm(request, model: upstreamModel) else {
            throw GatewayError.invalidRequest("Provider '\(providerID)' cannot be sent this form: a field carries the form's boundary.",
                                              code: "INVALID_MULTIPART")
        }
        return UpstreamRequest(url: configuration.baseURL + "/v1/speech-to-text",
                               headers: [("content-type", "multipart/form-data; boundary=\(request.form.boundary)")] + keyHeaders,
                               body: form, expectsStream: false)
    }

    public func parseTranscriptionResponse(status: Int, headers: [(String, String)], body: [UInt8],
                                           for request: TranscriptionRequest) throws(GatewayError) -> TranscriptionResponse {
        try ElevenLabsWire.decodeTranscript(body, for: request, provider: providerID)
    }

    public func parseFailure(status: Int, headers: [(String, String)], body: [UInt8]) -> UpstreamFailure {
        UpstreamFailureClassifier.classify(providerID: providerID, status: status, headers: headers,
                                           message: ElevenLabsWire.errorMessage(body), secret: configuration.apiKey)
    }
}
