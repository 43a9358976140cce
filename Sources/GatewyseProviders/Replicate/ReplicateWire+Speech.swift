import GatewyseCore

// Replicate's text-to-speech models each take their own inputs (decisions/0028), so speech is
// served only for the models listed here, with what each calls the text, the voice, the speed
// and the format, and which of OpenAI's formats it makes. Any other model is skipped with that
// reason rather than sent inputs it may not have (Replicate ignores unknown inputs, so a wrong
// guess would be a model speaking with its defaults, in a format nobody asked for).

extension ReplicateWire {
    /// A text-to-speech model as the gateway drives it.
    public struct SpeechModel: Sendable, Equatable {
        /// The input that takes the text.
        public var textInput: String
        /// The input that takes the voice.
        public var voiceInput: String
        /// OpenAI voice names mapped to the model's own, for those with a counterpart.
        public var voices: [String: String]
        /// OpenAI's formats the model makes.
        public var formats: Set<SpeechFormat>
        /// The input that chooses the format, when the model makes more than one.
        public var formatInput: String?
        /// The `speed` range the model takes (OpenAI accepts 0.25–4).
        public var speedRange: ClosedRange<Double>
    }

    /// MiniMax Speech (`minimax/speech-02-turbo`, `-02-hd`, `-2.6-turbo`, `-2.6-hd`): `text`,
    /// `voice_id` (system voices such as `Wise_Woman`, or a cloned voice's id), `speed`
    /// 0.5–2 and `audio_format` mp3 | wav | flac (replicate.com/minimax/speech-02-turbo). MiniMax
    /// has no voices named like OpenAI's: those need `providers[].voices`. Raw `pcm` is refused:
    /// the output cannot be checked to be it.
    static let minimaxSpeech = SpeechModel(textInput: "text", voiceInput: "voice_id", voices: [:], formats: [.mp3, .wav, .flac],
                                           formatInput: "audio_format", speedRange: 0.5...2)

    /// Kokoro 82M (`jaaari/kokoro-82m`): `text`, `voice` (`af_bella`, `am_onyx`…: accent,
    /// gender, name) and `speed` 0.1–5; its output is always a WAV file. Five of its voices
    /// carry OpenAI's names, which they are mapped to.
    static let kokoro = SpeechModel(textInput: "text", voiceInput: "voice",
                                    voices: ["alloy": "af_alloy", "echo": "am_echo", "fable": "bm_fable", "nova": "af_nova", "onyx": "am_onyx"],
                                    formats: [.wav], formatInput: nil, speedRange: 0.1...5)

    /// The speech model `upstreamModel` (`owner/name` or `owner/name:version`) is, or nil.
    public static func speechModel(_ upstreamModel: String) -> SpeechModel? {
        let name = modelName(upstreamModel)
        if ["minimax/speech-02-turbo", "minimax/speech-02-hd", "minimax/speech-2.6-turbo", "minimax/speech-2.6-hd"].contains(name) {
            return minimaxSpeech
        }
        if name == "jaaari/kokoro-82m" { return kokoro }
        return nil
    }

    /// `owner/name` without a `:version`; a deployment keeps its `deployments/` prefix (what it
    /// runs is the operator's to know, so none is in the tables).
    static func modelName(_ upstreamModel: String) -> String {
        upstreamModel.split(separator: ":", maxSplits: 1).first.map(String.init) ?? upstreamModel
    }

    /// OpenAI's speech fields: mapped, or not sent. Other client fields are the model's own
    /// inputs (`emotion`, `pitch`, `language_boost`…) and go as sent.
    static let openAISpeechFields: Set<String> = ["model", "input", "voice", "speed", "response_format", "instructions", "stream_format"]

    /// The voice to send, or why there is none: the configured mapping, the model's own
    /// counterpart of an OpenAI name, or a name that is not OpenAI's taken as the model's voice.
    public static func speechVoice(_ request: SpeechRequest, model: SpeechModel, configured: [String: String]) -> Result<String, SpeechProblem> {
        guard let name = request.fields["voice"]?.stringValue, !name.isEmpty else { return .failure(SpeechProblem("needs a voice (voice)")) }
        if let mapped = configured[name] ?? model.voices[name] { return .success(mapped) }
        if ElevenLabsWire.openAIVoices.contains(name) {
            return .failure(SpeechProblem("has no voice for the OpenAI voice '\(name)' (voice; providers[].voices maps it)"))
        }
        return .success(name)
    }

    /// Why `request` cannot be spoken by `model`, naming the field, or nil.
    public static func speechProblem(_ request: SpeechRequest, model: SpeechModel, configured: [String: String]) -> String? {
        guard model.formats.contains(request.format) else {
            let made = model.formats.map(\.rawValue).sorted().joined(separator: ", ")
            return "does not make response_format '\(request.format.rawValue)' with this model (it makes \(made))"
        }
        if let speed = request.fields["speed"]?.doubleValue, !model.speedRange.contains(speed) {
            return "takes speed \(model.speedRange.lowerBound)–\(model.speedRange.upperBound) only with this model"
        }
        if let instructions = request.fields["instructions"], instructions != .null { return "does not take 'instructions'" }
        if case .failure(let problem) = speechVoice(request, model: model, configured: configured) { return problem.reason }
        return nil
    }

    /// A speech request as the model's `input`: the text, the voice, `speed` when given, the
    /// format for a model that takes one, then the client's other fields as sent.
    public static func speechInput(_ request: SpeechRequest, model: SpeechModel, voice: String) -> JSONObject {
        var input = JSONObject([(model.textInput, .string(request.input)), (model.voiceInput, .string(voice))])
        if let speed = request.fields["speed"], speed != .null { input["speed"] = speed }
        if let formatInput = model.formatInput { input[formatInput] = .string(request.format.rawValue) }
        for (key, value) in request.fields where !openAISpeechFields.contains(key) { input[key] = value }
        return input
    }

    /// Whether `audio` starts like `format` (a WAV's RIFF/WAVE header, FLAC's `fLaC`, an MP3's
    /// ID3 tag or frame sync): a model that ignored the format asked for is caught here.
    public static func audio(_ audio: [UInt8], isFormat format: SpeechFormat) -> Bool {
        func starts(_ text: String, at offset: Int = 0) -> Bool {
            let expected = Array(text.utf8)
            return audio.count >= offset + expected.count && Array(audio[offset..<offset + expected.count]) == expected
        }
        switch format {
        case .wav: return starts("RIFF") && starts("WAVE", at: 8)
        case .flac: return starts("fLaC")
        case .mp3: return starts("ID3") || (audio.count >= 2 && audio[0] == 0xFF && audio[1] & 0xE0 == 0xE0)
        case .opus, .aac, .pcm: return false
        }
    }

    /// A reason a request cannot be spoken, for routing (it names the field).
    public struct SpeechProblem: Error, Sendable, Equatable {
        public var reason: String
        init(_ reason: String) { self.reason = reason }
    }
}
