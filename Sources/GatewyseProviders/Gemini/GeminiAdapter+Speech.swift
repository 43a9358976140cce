import GatewyseCore

// MARK: - Text to speech (providers.md §3 "TTS")

extension GeminiAdapter {
    /// Skips requests Gemini cannot speak as asked, so another provider may: formats other than
    /// `wav` and `pcm` (Gemini makes raw PCM and the gateway has no MP3/Opus/AAC/FLAC encoder),
    /// a `speed` other than 1 and `instructions` (Gemini has neither field; its style is steered
    /// by the text itself), or a voice that cannot be a Gemini voice name.
    public func speechIncompatibility(with request: SpeechRequest) -> String? {
        guard capabilities.contains(.tts) else { return "does not offer speech (tts)" }
        guard GeminiWire.servesSpeech(request.format) else {
            return "does not offer response_format '\(request.format.rawValue)' (Gemini speaks raw PCM: 'wav' or 'pcm' only)"
        }
        if let speed = request.fields["speed"]?.doubleValue, speed != 1 { return "does not take 'speed'" }
        if let instructions = request.fields["instructions"], instructions != .null { return "does not take 'instructions'" }
        if case .failure(let problem) = GeminiWire.voiceName(for: request, configured: configuration.voices) { return problem.reason }
        return nil
    }

    /// `POST <base>/models/<model>:streamGenerateContent?alt=sse`: the audio is streamed in
    /// frames as Gemini makes it, and `GeminiSpeechDecoder` hands it on as it comes.
    public func makeSpeechRequest(_ request: SpeechRequest, upstreamModel: String) throws(GatewayError) -> UpstreamRequest {
        guard GeminiWire.servesSpeech(request.format) else {
            throw GatewayError.unsupportedCapability("Provider '\(providerID)' has no '\(request.format.rawValue)' output (only 'wav' and 'pcm').",
                                                     param: "response_format")
        }
        let voice: String
        switch GeminiWire.voiceName(for: request, configured: configuration.voices) {
        case .success(let name): voice = name
        case .failure(let problem): throw GatewayError.invalidRequest("Provider '\(providerID)' \(problem.reason).", param: "voice")
        }
        return UpstreamRequest(url: url(model: upstreamModel, stream: true), headers: baseHeaders + [("accept", "text/event-stream")],
                               body: JSONWriter.bytes(GeminiWire.encodeSpeechRequest(input: request.input, voice: voice)), expectsStream: true)
    }

    public func makeSpeechDecoder(for request: SpeechRequest, upstreamModel: String) -> (any SpeechStreamDecoder)? {
        GeminiSpeechDecoder(providerID: providerID, format: request.format)
    }
}
