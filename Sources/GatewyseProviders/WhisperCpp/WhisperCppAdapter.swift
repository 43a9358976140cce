import GatewyseCore

/// The outbound adapter for whisper.cpp's `whisper-server` (providers.md §25):
/// `POST /v1/audio/transcriptions` becomes `POST <base>/inference`, a multipart form of `file`,
/// `response_format` (json | text | srt | vtt | verbose_json, the same names and shapes as
/// OpenAI's), `temperature`, and the `language` and `prompt` fields the server reads beside them
/// (whisper.cpp `examples/server/server.cpp`). The server transcribes with the one model it
/// loaded at start, so the request's model is not sent. Answers are relayed as they came.
/// Refused (decisions/0027): translations — whisper.cpp's `translate` field is not in
/// providers.md — and `timestamp_granularities[]` `word`, which its verbose_json does not
/// answer at the top level.
public struct WhisperCppAdapter: MediaOnlyAdapter {
    public let configuration: ProviderConfiguration
    let keyHeaders: [(String, String)]

    /// The client's fields whisper.cpp reads; the rest (`model`, `timestamp_granularities[]`,
    /// anything else) are left out, so a field the gateway refuses cannot reach it another way.
    static let forwardedFields: Set<String> = ["file", "language", "prompt", "response_format", "temperature"]

    public init(configuration: ProviderConfiguration) {
        self.configuration = configuration
        keyHeaders = configuration.credentialHeaders + configuration.headers
    }

    public var providerID: String { configuration.id }
    public var capabilities: Set<Capability> { configuration.entry.capabilities }

    public func transcriptionIncompatibility(with request: TranscriptionRequest) -> String? {
        if request.task == .translation { return "does not offer audio translations (/v1/audio/translations)" }
        let asksWords = request.form.parts(named: "timestamp_granularities[]").contains { String(decoding: request.body[$0.valueRange], as: UTF8.self) == "word" }
        return asksWords ? "does not offer timestamp_granularities[] 'word'" : nil
    }

    /// `POST <base>/inference` with the forwarded parts copied as they came (the file once),
    /// under the client's boundary.
    public func makeTranscriptionRequest(_ request: TranscriptionRequest, upstreamModel: String) throws(GatewayError) -> UpstreamRequest {
        let kept = request.form.parts.filter { Self.forwardedFields.contains($0.name) }
        guard let form = request.form.rebuilt(fields: [], keeping: kept, from: request.body) else {
            throw GatewayError.invalidRequest("Request body is not a form this provider can be sent.", code: "INVALID_MULTIPART")
        }
        return UpstreamRequest(url: configuration.baseURL + "/inference",
                               headers: [("content-type", "multipart/form-data; boundary=\(request.form.boundary)")] + keyHeaders,
                               body: form, expectsStream: false)
    }

    /// whisper.cpp's json is `{"text"}` and its verbose_json has OpenAI's `task`, `language`,
    /// `duration`, `text` and `segments`: both are checked and relayed like an OpenAI answer.
    public func parseTranscriptionResponse(status: Int, headers: [(String, String)], body: [UInt8],
                                           for request: TranscriptionRequest) throws(GatewayError) -> TranscriptionResponse {
        try OpenAIAudioWire.decodeTranscriptionResponse(body, format: request.responseFormat, provider: providerID)
    }

    /// `{"error": "…"}`, read by the shared classifier.
    public func parseFailure(status: Int, headers: [(String, String)], body: [UInt8]) -> UpstreamFailure {
        UpstreamFailureClassifier.classify(providerID: providerID, status: status, headers: headers,
                                           message: UpstreamFailureClassifier.openAIStyleMessage(body), secret: configuration.apiKey)
    }
}
