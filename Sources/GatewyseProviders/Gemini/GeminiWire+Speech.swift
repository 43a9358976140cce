import GatewyseCore

// MARK: - Text to speech (providers.md §3 "TTS")

extension GeminiWire {
    /// OpenAI's voice names → Gemini prebuilt voices, chosen by Google's own one-word
    /// characterisations of its voices (ai.google.dev "Speech generation: voice options") against
    /// the character of OpenAI's: a client's `voice: "alloy"` is heard in a comparable voice
    /// without any configuration. `providers[].voices` overrides any of them.
    public static let defaultVoices: [String: String] = [
        "alloy": "Kore",  // balanced → firm
        "ash": "Orus",  // firm
        "ballad": "Algieba",  // smooth
        "coral": "Aoede",  // breezy
        "echo": "Charon",  // informative
        "fable": "Iapetus",  // clear
        "nova": "Zephyr",  // bright
        "onyx": "Algenib",  // gravelly
        "sage": "Vindemiatrix",  // gentle
        "shimmer": "Leda",  // youthful
        "verse": "Puck",  // upbeat
        "marin": "Sulafat",  // warm
        "cedar": "Schedar",  // even
    ]

    /// Gemini speaks 24 kHz signed 16-bit mono PCM (`audio/L16;codec=pcm;rate=24000`), which is
    /// exactly OpenAI's `pcm`; `wav` is the same samples behind a RIFF header. The other formats
    /// need an encoder the gateway does not have.
    public static let speechSampleRate = 24_000

    public static func servesSpeech(_ format: SpeechFormat) -> Bool { format == .wav || format == .pcm }

    /// The Gemini voice for `request`: a configured mapping, then the default one for OpenAI's
    /// names; any other name (or a custom voice's `{id}`) is taken as a Gemini voice name, which
    /// Gemini checks itself. Names are letters only, as all of Gemini's are.
    public static func voiceName(for request: SpeechRequest, configured: [String: String]) -> Result<String, SpeechVoiceProblem> {
        let name: String
        switch request.fields["voice"] {
        case .string(let voice)?: name = voice
        case .object(let voice)?: name = voice["id"]?.stringValue ?? ""
        default: return .failure(SpeechVoiceProblem(reason: "needs a voice"))
        }
        let voice = configured[name] ?? defaultVoices[name] ?? name
        guard (1...32).contains(voice.utf8.count), voice.utf8.allSatisfy({ $0.isASCIILetter }) else {
            return .failure(SpeechVoiceProblem(reason: "takes Gemini voice names of letters only (e.g. 'Kore'), got '\(voice)'"))
        }
        return .success(voice)
    }

    /// `{contents:[{role:user, parts:[{text}]}], generationConfig:{responseModalities:["AUDIO"],
    /// speechConfig:{voiceConfig:{prebuiltVoiceConfig:{voiceName}}}}}`.
    public static func encodeSpeechRequest(input: String, voice: String) -> JSONValue {
        ["contents": [["role": "user", "parts": [["text": .string(input)]]]],
         "generationConfig": ["responseModalities": ["AUDIO"],
                              "speechConfig": ["voiceConfig": ["prebuiltVoiceConfig": ["voiceName": .string(voice)]]]]]
    }

    /// The sample rate of an `audio/L16;codec=pcm;rate=24000` part, nil when the part is not
    /// 16-bit linear PCM (the only audio Gemini's TTS is documented to return).
    static func pcmSampleRate(mimeType: String) -> Int? {
        let fields = mimeType.split(separator: ";").map { String($0.filter { $0 != " " }).lowercased() }
        guard fields.first == "audio/l16" || fields.first == "audio/pcm" else { return nil }
        for field in fields.dropFirst() where field.hasPrefix("rate=") { return Int(field.dropFirst(5)) }
        return speechSampleRate
    }
}

/// Why a voice cannot be sent (a routing skip reason).
public struct SpeechVoiceProblem: Error, Sendable {
    public var reason: String
}

extension UInt8 {
    var isASCIILetter: Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(self) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(self)
    }
}
