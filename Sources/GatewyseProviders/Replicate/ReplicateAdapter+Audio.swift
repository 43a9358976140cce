import GatewyseCore

// Speech and transcription on Replicate (decisions/0028): predictions of the models whose
// inputs `ReplicateWire+Speech.swift` and `ReplicateWire+Transcription.swift` list, followed
// like images (`Prefer: wait`, then polls); any other model is skipped with the reason.

extension ReplicateAdapter {
    /// Speech work is seconds, like images.
    static let longestAudioPause = 2.0

    // MARK: Speech

    /// Every request's question is the model's (below): the default refuses speech outright.
    public func speechIncompatibility(with request: SpeechRequest) -> String? { nil }

    public func speechIncompatibility(with request: SpeechRequest, upstreamModel: String) -> String? {
        guard let model = ReplicateWire.speechModel(upstreamModel) else {
            return "does not know the inputs of '\(upstreamModel)' as a text-to-speech model (model)"
        }
        return ReplicateWire.speechProblem(request, model: model, configured: configuration.voices)
    }

    public func makeSpeechRequest(_ request: SpeechRequest, upstreamModel: String) throws(GatewayError) -> UpstreamRequest {
        guard let model = ReplicateWire.speechModel(upstreamModel) else {
            throw GatewayError.unsupportedCapability("Provider '\(providerID)' does not know the inputs of '\(upstreamModel)' as a text-to-speech model.",
                                                     param: "model")
        }
        if let problem = ReplicateWire.speechProblem(request, model: model, configured: configuration.voices) {
            // Reached only past routing's skip; the reason names its field (format, speed, voice…).
            throw GatewayError.invalidRequest("Provider '\(providerID)' \(problem).")
        }
        let voice: String
        switch ReplicateWire.speechVoice(request, model: model, configured: configuration.voices) {
        case .success(let name): voice = name
        case .failure(let problem): throw GatewayError.invalidRequest("Provider '\(providerID)' \(problem.reason).", param: "voice")
        }
        return createRequest(try target(upstreamModel), input: ReplicateWire.speechInput(request, model: model, voice: voice))
    }

    public func makeSpeechJob(for request: SpeechRequest, upstreamModel: String) -> (any UpstreamJob<[UInt8]>)? {
        ReplicateSpeechJob(tracker: tracker(longestPause: Self.longestAudioPause), format: request.format)
    }

    // MARK: Transcription

    /// As for speech, the question is the model's.
    public func transcriptionIncompatibility(with request: TranscriptionRequest) -> String? { nil }

    public func transcriptionIncompatibility(with request: TranscriptionRequest, upstreamModel: String) -> String? {
        guard let model = ReplicateWire.whisperModel(upstreamModel) else {
            return "does not know the inputs of '\(upstreamModel)' as a Whisper model (model)"
        }
        return ReplicateWire.transcriptionProblem(request, model: model)
    }

    public func makeTranscriptionRequest(_ request: TranscriptionRequest, upstreamModel: String) throws(GatewayError) -> UpstreamRequest {
        guard let model = ReplicateWire.whisperModel(upstreamModel) else {
            throw GatewayError.unsupportedCapability("Provider '\(providerID)' does not know the inputs of '\(upstreamModel)' as a Whisper model.",
                                                     param: "model")
        }
        if let problem = ReplicateWire.transcriptionProblem(request, model: model) {
            // Reached only past routing's skip; the reason names its field (format, speed, voice…).
            throw GatewayError.invalidRequest("Provider '\(providerID)' \(problem).")
        }
        guard let audio = ReplicateWire.audioDataURI(request) else { throw GatewayError.invalidRequest("Missing required field 'file'.", param: "file") }
        return createRequest(try target(upstreamModel), input: ReplicateWire.transcriptionInput(request, model: model, audio: audio))
    }

    public func makeTranscriptionJob(for request: TranscriptionRequest, upstreamModel: String) -> (any TranscriptionJob)? {
        guard let model = ReplicateWire.whisperModel(upstreamModel) else { return nil }
        return ReplicateTranscriptionJob(tracker: tracker(longestPause: Self.longestAudioPause), model: model, request: request)
    }
}
