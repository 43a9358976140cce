import GatewyseCore

/// The outbound adapter for AssemblyAI (providers.md §18): `POST /v1/audio/transcriptions`
/// becomes a job — the file's bytes to `POST /v2/upload`, `POST /v2/transcript` with the
/// `upload_url`, then `GET /v2/transcript/{id}` until `completed` or `error`, and for `srt` /
/// `vtt` the transcript's own export — answered in the OpenAI format asked for
/// (`AssemblyAITranscriptionJob`). The key goes bare in `Authorization` (no "Bearer").
/// Transcriptions only: AssemblyAI has no translation to English in this API.
public struct AssemblyAIAdapter: MediaOnlyAdapter {
    public let configuration: ProviderConfiguration
    let keyHeaders: [(String, String)]

    public init(configuration: ProviderConfiguration) {
        self.configuration = configuration
        keyHeaders = configuration.credentialHeaders + configuration.headers
    }

    public var providerID: String { configuration.id }
    public var capabilities: Set<Capability> { configuration.entry.capabilities }

    public func transcriptionIncompatibility(with request: TranscriptionRequest) -> String? {
        request.task == .translation ? "does not offer audio translations" : nil
    }

    /// The first call: the uploaded file's bytes as the body (the one copy out of the form).
    public func makeTranscriptionRequest(_ request: TranscriptionRequest, upstreamModel: String) throws(GatewayError) -> UpstreamRequest {
        guard let file = request.form.part(named: "file") else { throw GatewayError.invalidRequest("Missing required field 'file'.", param: "file") }
        return UpstreamRequest(url: configuration.baseURL + "/v2/upload", headers: [("content-type", "application/octet-stream")] + keyHeaders,
                               body: Array(request.body[file.valueRange]), expectsStream: false)
    }

    public func makeTranscriptionJob(for request: TranscriptionRequest, upstreamModel: String) -> (any TranscriptionJob)? {
        AssemblyAITranscriptionJob(request: request, model: upstreamModel, baseURL: configuration.baseURL, keyHeaders: keyHeaders,
                                   providerID: providerID, secret: configuration.apiKey)
    }

    /// `{"error": "…"}` (providers.md §18), read by the shared classifier.
    public func parseFailure(status: Int, headers: [(String, String)], body: [UInt8]) -> UpstreamFailure {
        UpstreamFailureClassifier.classify(providerID: providerID, status: status, headers: headers,
                                           message: UpstreamFailureClassifier.openAIStyleMessage(body), secret: configuration.apiKey)
    }
}
