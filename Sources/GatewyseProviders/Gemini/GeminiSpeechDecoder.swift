import GatewyseCore

/// Gemini's speech answer (`:streamGenerateContent?alt=sse` on a `*-tts` model with
/// `responseModalities: ["AUDIO"]`, providers.md §3 "TTS", "Streaming") as the audio the client
/// asked for: each `data:` frame is a partial `GenerateContentResponse` whose `inlineData` parts
/// carry base64 raw PCM (`audio/L16;codec=pcm;rate=24000`), decoded frame by frame and handed
/// on as it comes. `wav` puts a streaming RIFF header (sizes `0xFFFFFFFF`, `WAVHeader`) in front
/// of the first samples; `pcm` is the samples alone, which must then be 24 kHz (OpenAI's `pcm`).
/// Models that answer in one frame (older TTS models stream the whole clip at once) work the
/// same, only later.
///
/// Failures (`SpeechStreamDecoder`): a blocked prompt or a safety finish without audio is the
/// provider refusing the text (400 `CONTENT_FILTERED`, not retried); an `error` frame, a frame
/// that does not parse, or an answer that ends without audio is a 502 another provider may not
/// share (retryable) — Gemini's TTS previews sometimes finish `OTHER` with no audio.
public struct GeminiSpeechDecoder: SpeechStreamDecoder {
    let providerID: String
    let format: SpeechFormat
    private var sse = SSEDecoder()
    private var sentAudio = false
    private var finishReason: String?

    public init(providerID: String, format: SpeechFormat) {
        self.providerID = providerID
        self.format = format
    }

    public mutating func decode(_ bytes: [UInt8]) throws(UpstreamFailure) -> [UInt8] {
        let events: [SSEEvent]
        do { events = try sse.events(bytes, provider: providerID) } catch { throw UpstreamFailure(error: error, retryable: true) }
        var out: [UInt8] = []
        for event in events { out += try frame(event.data) }
        return out
    }

    public mutating func finish() throws(UpstreamFailure) -> [UInt8] {
        var out: [UInt8] = []
        if let last = sse.finish() { out = try frame(last.data) }
        guard sentAudio else {
            throw failure("answered without audio (finishReason \(finishReason ?? "none"))", retryable: true)
        }
        return out
    }

    private mutating func frame(_ data: String) throws(UpstreamFailure) -> [UInt8] {
        let json: JSONValue
        do { json = try JSONParser.parse(data) } catch { throw failure("stream frame: \(error.description)", retryable: true) }
        if let error = json["error"] {
            let message = error["message"]?.stringValue ?? "stream failed"
            throw failure("failed mid-stream: \(message) (\(error["status"]?.stringValue ?? "UNKNOWN"))", retryable: true)
        }
        if let blocked = json["promptFeedback"]?["blockReason"]?.stringValue {
            throw filtered("blocked the text (\(blocked))")
        }
        var pcm: [UInt8] = []
        var rate: Int?
        for candidate in json["candidates"]?.arrayValue ?? [] {
            if let reason = candidate["finishReason"]?.stringValue { finishReason = reason }
            for part in candidate["content"]?["parts"]?.arrayValue ?? [] {
                guard let inline = part["inlineData"], let mimeType = inline["mimeType"]?.stringValue, mimeType.lowercased().hasPrefix("audio/") else { continue }
                guard let partRate = GeminiWire.pcmSampleRate(mimeType: mimeType) else {
                    throw failure("sent audio as '\(mimeType)', not 16-bit PCM", retryable: true)
                }
                guard let bytes = inline["data"]?.stringValue.flatMap(Base64.decode) else {
                    throw failure("sent audio that is not base64", retryable: true)
                }
                rate = partRate
                pcm += bytes
            }
        }
        if !sentAudio, pcm.isEmpty, let reason = finishReason, GeminiWire.finishReason(reason, hasFunctionCalls: false) == .contentFilter {
            throw filtered("refused to speak the text (finishReason \(reason))")
        }
        guard !pcm.isEmpty else { return [] }
        let sampleRate = rate ?? GeminiWire.speechSampleRate
        if format == .pcm, sampleRate != GeminiWire.speechSampleRate {
            throw failure("sent \(sampleRate) Hz audio, and 'pcm' is 24 kHz", retryable: true)
        }
        defer { sentAudio = true }
        if format == .wav, !sentAudio { return WAVHeader.pcm16(sampleRate: sampleRate) + pcm }
        return pcm
    }

    private func failure(_ detail: String, retryable: Bool) -> UpstreamFailure {
        UpstreamFailure(error: GatewayError(status: 502, code: "UPSTREAM_STREAM_ERROR", type: "api_error", message: "Provider '\(providerID)' \(detail)."),
                        retryable: retryable)
    }

    private func filtered(_ detail: String) -> UpstreamFailure {
        UpstreamFailure(error: GatewayError(status: 400, code: "CONTENT_FILTERED", type: "invalid_request_error", message: "Provider '\(providerID)' \(detail)."),
                        retryable: false)
    }
}
