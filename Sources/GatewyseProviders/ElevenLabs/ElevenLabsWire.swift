import GatewyseCore

/// ElevenLabs' text-to-speech format (providers.md §19; elevenlabs.io API reference "Stream
/// speech"): `POST /v1/text-to-speech/{voice_id}/stream?output_format=<codec_rate[_bitrate]>`
/// with `{text, model_id, voice_settings?, language_code?, seed?}` and the key in `xi-api-key`;
/// the answer is the audio itself, chunked as it is made (not SSE). Errors are
/// `{"detail": {"status", "message"}}`, or FastAPI's `{"detail": [{loc, msg, type}]}` for 422.
public enum ElevenLabsWire {
    /// OpenAI's `response_format` → ElevenLabs' `output_format`. OpenAI's `pcm` is 24 kHz
    /// signed 16-bit little-endian mono, which is exactly `pcm_24000`; `wav` is the same samples
    /// with a RIFF header (`wav_24000`); `mp3` takes ElevenLabs' default `mp3_44100_128`.
    /// ElevenLabs has no AAC or FLAC output: those requests go to another provider.
    public static func outputFormat(for format: SpeechFormat) -> String? {
        switch format {
        case .mp3: "mp3_44100_128"
        case .opus: "opus_48000_128"
        case .wav: "wav_24000"
        case .pcm: "pcm_24000"
        case .aac, .flac: nil
        }
    }

    /// OpenAI's voice names: a request naming one needs a mapping to an ElevenLabs voice id in
    /// the provider's configuration (`providers[].voices`), since ElevenLabs has no such names.
    public static let openAIVoices: Set<String> = ["alloy", "ash", "ballad", "coral", "echo", "fable", "onyx", "nova", "sage",
                                                   "shimmer", "verse", "marin", "cedar"]

    /// ElevenLabs' `voice_settings.speed` range (OpenAI accepts 0.25–4).
    public static let speedRange = 0.7...1.2

    /// Request fields ElevenLabs understands that a client may send beside OpenAI's, passed on
    /// as sent (the OpenAI SDKs send them through `extra_body`).
    static let passThroughFields = ["language_code", "seed", "previous_text", "next_text"]

    /// The voice id for `request`, or why there is none: the configured mapping of an OpenAI
    /// voice name, a custom voice's `{id}`, or a name that is not OpenAI's taken as an
    /// ElevenLabs voice id. Ids go into the URL path, so only letters, digits, `-` and `_` pass.
    public static func voiceID(for request: SpeechRequest, voices: [String: String]) -> Result<String, VoiceProblem> {
        let name: String
        switch request.fields["voice"] {
        case .string(let voice)?: name = voice
        case .object(let voice)?: name = voice["id"]?.stringValue ?? ""
        default: return .failure(VoiceProblem(reason: "needs a voice"))
        }
        let id: String
        if let mapped = voices[name] {
            id = mapped
        } else if openAIVoices.contains(name) {
            return .failure(VoiceProblem(reason: "has no voice configured for the OpenAI voice '\(name)' (providers[].voices)"))
        } else {
            id = name
        }
        guard (1...64).contains(id.utf8.count), id.utf8.allSatisfy({ $0.isASCIIAlphanumeric || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_") }) else {
            return .failure(VoiceProblem(reason: "takes voice ids of letters, digits, '-' and '_' only"))
        }
        return .success(id)
    }

    /// Why a voice cannot be sent (a routing skip reason).
    public struct VoiceProblem: Error, Sendable {
        public var reason: String
    }

    /// `{text, model_id, voice_settings:{speed}?, …}`.
    public static func encodeRequest(_ request: SpeechRequest, model: String) -> JSONValue {
        var body = JSONObject([("text", .string(request.input)), ("model_id", .string(model))])
        if let speed = request.fields["speed"], speed.doubleValue != nil {
            body["voice_settings"] = .object(JSONObject([("speed", speed)]))
        }
        for key in passThroughFields {
            if let value = request.fields[key], value != .null { body[key] = value }
        }
        return .object(body)
    }

    /// The human message of an error body: `message (status)` from `detail`, or each 422
    /// problem as `query.output_format: msg`.
    public static func errorMessage(_ body: [UInt8]) -> String? {
        guard let json = try? JSONParser.parse(body), let detail = json["detail"] else {
            return UpstreamFailureClassifier.openAIStyleMessage(body)
        }
        if let message = detail["message"]?.stringValue {
            guard let status = detail["status"]?.stringValue, !status.isEmpty else { return message }
            return "\(message) (\(status))"
        }
        if let problems = detail.arrayValue {
            let lines = problems.compactMap { problem -> String? in
                guard let message = problem["msg"]?.stringValue else { return nil }
                let location = problem["loc"]?.arrayValue?.map { $0.stringValue ?? $0.intValue.map(String.init) ?? "" }.joined(separator: ".")
                return location.map { "\($0): \(message)" } ?? message
            }
            if !lines.isEmpty { return lines.joined(separator: "; ") }
        }
        return detail.stringValue ?? JSONWriter.string(detail)
    }
}

extension UInt8 {
    var isASCIIAlphanumeric: Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(self) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(self)
            || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(self)
    }
}
