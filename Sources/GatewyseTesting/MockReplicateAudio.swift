import GatewyseCore

/// The mock Replicate's audio outputs: the files its speech models make and the transcript
/// objects its Whisper models answer (shapes as on replicate.com's model pages).
enum MockReplicateAudio {
    /// What the mock transcribes any audio to, in two segments.
    static let words = [" Hello from the mock", " Whisper model."]
    static let translation = " Hello from the mock Whisper model, in English."

    /// An output file by its name's extension (`out-0.wav`); with `wrongFormat`, MP3 whatever
    /// was asked (a model that ignored `audio_format`).
    static func file(named name: String, wrongFormat: Bool) -> (bytes: [UInt8], contentType: String) {
        let ext = name.split(separator: ".").last.map(String.init) ?? ""
        if wrongFormat { return (MockMedia.mp3(frames: 20), "audio/mpeg") }
        switch ext {
        case "wav": return (MockMedia.wav(milliseconds: 500), "audio/wav")
        case "flac": return (Array("fLaC".utf8) + [0x00, 0x00, 0x00, 0x22] + [UInt8](repeating: 0, count: 34), "audio/flac")
        case "pcm": return (Array(MockMedia.wav(milliseconds: 500).dropFirst(44)), "application/octet-stream")
        default: return (MockMedia.mp3(frames: 20), "audio/mpeg")
        }
    }

    /// Whether `text` is what Replicate takes for a file input: an http(s) URL, or a data URI
    /// whose base64 payload decodes to something.
    static func isFile(_ text: String) -> Bool {
        if text.hasPrefix("https://") || text.hasPrefix("http://") { return true }
        guard let payload = dataPayload(text) else { return false }
        return !payload.isEmpty
    }

    static func dataPayload(_ text: String) -> [UInt8]? {
        guard text.hasPrefix("data:"), let comma = text.firstIndex(of: ","), text[..<comma].hasSuffix(";base64") else { return nil }
        return Base64.decode(String(text[text.index(after: comma)...]))
    }

    /// The audio's length in seconds when it is a canonical PCM WAV (what Python's `wave`
    /// writes), else 2.
    static func seconds(_ input: JSONObject) -> Double {
        guard let audio = input["audio"]?.stringValue.flatMap(dataPayload), audio.count >= 44,
              Array(audio[0..<4]) == Array("RIFF".utf8), Array(audio[36..<40]) == Array("data".utf8) else { return 2 }
        func le32(_ at: Int) -> Int { Int(audio[at]) | Int(audio[at + 1]) << 8 | Int(audio[at + 2]) << 16 | Int(audio[at + 3]) << 24 }
        let byteRate = le32(28)
        guard byteRate > 0 else { return 2 }
        return Double(audio.count - 44) / Double(byteRate)
    }

    /// The two segments' times: the audio cut in half.
    static func times(_ input: JSONObject) -> [(start: Double, end: Double)] {
        let length = seconds(input)
        return [(0, length / 2), (length / 2, length)]
    }

    /// openai/whisper: `{detected_language, transcription, segments, translation, txt_file, srt_file}`;
    /// `transcription` in the format its input asked for.
    static func whisperOutput(_ input: JSONObject) -> JSONValue {
        let times = times(input)
        let segments: [JSONValue] = zip(words, times).enumerated().map { index, pair in
            .object(JSONObject([("id", .int(index)), ("seek", .int(0)), ("start", .double(pair.1.start)), ("end", .double(pair.1.end)),
                                ("text", .string(pair.0)), ("tokens", [50364, 2425]), ("temperature", .double(0)),
                                ("avg_logprob", .double(-0.25)), ("compression_ratio", .double(0.9)), ("no_speech_prob", .double(0.01))]))
        }
        let transcription: String
        switch input["transcription"]?.stringValue ?? "plain text" {
        case "srt":
            transcription = zip(words, times).enumerated().map { index, pair in
                "\(index + 1)\n\(stamp(pair.1.start, comma: true)) --> \(stamp(pair.1.end, comma: true))\n\(pair.0.dropFirst())\n"
            }.joined(separator: "\n")
        case "vtt":
            transcription = "WEBVTT\n\n" + zip(words, times).map { pair in
                "\(stamp(pair.1.start, comma: false)) --> \(stamp(pair.1.end, comma: false))\n\(pair.0.dropFirst())\n"
            }.joined(separator: "\n")
        default:
            transcription = words.joined()
        }
        let translated = input["translate"]?.boolValue == true
        return .object(JSONObject([
            ("detected_language", "english"), ("transcription", .string(transcription)), ("segments", .array(segments)),
            ("translation", translated ? .string(translation) : .null), ("txt_file", .null), ("srt_file", .null),
        ]))
    }

    /// incredibly-fast-whisper: `{text, chunks: [{timestamp: [start, end], text}]}`.
    static func fastWhisperOutput(_ input: JSONObject) -> JSONValue {
        let translated = input["task"]?.stringValue == "translate"
        let chunks: [JSONValue] = zip(words, times(input)).map { pair in
            ["timestamp": [.double(pair.1.start), .double(pair.1.end)], "text": .string(pair.0)]
        }
        return ["text": .string(translated ? translation : words.joined()), "chunks": .array(chunks)]
    }

    /// `00:00:01,250` (SRT) or `00:00:01.250` (WebVTT).
    static func stamp(_ seconds: Double, comma: Bool) -> String {
        let milliseconds = Int((seconds * 1000).rounded())
        func two(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
        let fraction = String(1000 + milliseconds % 1000).dropFirst()
        return "\(two(milliseconds / 3_600_000)):\(two(milliseconds / 60_000 % 60)):\(two(milliseconds / 1000 % 60))\(comma ? "," : ".")\(fraction)"
    }
}
