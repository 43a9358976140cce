import GatewyseCore

/// ElevenLabs' speech to text (providers.md §19; elevenlabs.io API reference "Create
/// transcript"): `POST /v1/speech-to-text`, a multipart form of `model_id`, `file`,
/// `language_code`, `timestamps_granularity` (`word` | `character`), `diarize`,
/// `tag_audio_events`, `num_speakers`, the key in `xi-api-key`; the answer is
/// `{language_code, language_probability, text, words: [{text, start, end, type, speaker_id}]}`
/// with times in seconds and `type` one of `word`, `spacing`, `audio_event`.
extension ElevenLabsWire {
    /// ElevenLabs' own form fields a client may send beside OpenAI's (the OpenAI SDKs send them
    /// through `extra_body`), passed on as sent.
    static let speechToTextPassThroughFields = ["diarize", "tag_audio_events", "num_speakers"]

    /// Why ElevenLabs cannot answer `request` as asked, naming the field: it does not translate,
    /// it answers no subtitles (srt / vtt are not built here from its words, decisions/0027), and
    /// it has no segments.
    public static func transcriptionIncompatibility(_ request: TranscriptionRequest) -> String? {
        if request.task == .translation { return "does not offer audio translations (/v1/audio/translations)" }
        switch request.responseFormat {
        case .srt, .vtt: return "does not offer response_format '\(request.responseFormat.rawValue)'"
        case .json, .text, .verboseJSON: break
        }
        if granularities(of: request).contains("segment") { return "does not offer timestamp_granularities[] 'segment'" }
        return nil
    }

    /// The `timestamp_granularities[]` the client asked for.
    static func granularities(of request: TranscriptionRequest) -> [String] {
        request.form.parts(named: "timestamp_granularities[]").map { String(decoding: request.body[$0.valueRange], as: UTF8.self) }
    }

    /// The client's form as ElevenLabs takes it: `model_id`, `language_code` from `language`,
    /// `timestamps_granularity=word` when words are asked for, ElevenLabs' own fields, and the
    /// `file` part copied as it came. OpenAI's `prompt` and `temperature` have no counterpart in
    /// providers.md §19 and are not sent; nil when a value carries the boundary.
    public static func speechToTextForm(_ request: TranscriptionRequest, model: String) -> [UInt8]? {
        guard let file = request.form.part(named: "file") else { return nil }
        var fields = [("model_id", model)]
        if let language = request.form.text("language", in: request.body), !language.isEmpty { fields.append(("language_code", language)) }
        if granularities(of: request).contains("word") { fields.append(("timestamps_granularity", "word")) }
        for name in speechToTextPassThroughFields {
            if let value = request.form.text(name, in: request.body) { fields.append((name, value)) }
        }
        return request.form.rebuilt(fields: fields, keeping: [file], from: request.body)
    }

    /// ElevenLabs' transcript in OpenAI's `json`, `text` or `verbose_json`. verbose_json has
    /// `task`, `language` (ElevenLabs' `language_code`), `duration` and `text`, and `words` (of
    /// type `word` only, without the spacing and audio events) when they were asked for; it has
    /// no `segments`, which ElevenLabs does not make. The duration is the file's own when the
    /// gateway read it (a WAV), else the end of the last word.
    public static func decodeTranscript(_ body: [UInt8], for request: TranscriptionRequest, provider: String) throws(GatewayError) -> TranscriptionResponse {
        let json = try UpstreamJSON.parse(body, provider: provider)
        guard let text = json["text"]?.stringValue else { throw GatewayError.badUpstreamResponse(provider, "a transcript without 'text'") }
        let words: [(text: String, start: Double, end: Double)] = (json["words"]?.arrayValue ?? []).compactMap { word in
            guard word["type"]?.stringValue ?? "word" == "word", let text = word["text"]?.stringValue,
                  let start = word["start"]?.doubleValue, let end = word["end"]?.doubleValue, start.isFinite, end.isFinite else { return nil }
            return (text, start, end)
        }
        let milliseconds = request.fileDurationMilliseconds ?? words.last.map { Int(min(max($0.end, 0), 1e9) * 1000) }
        let out: [UInt8]
        switch request.responseFormat {
        case .srt, .vtt:
            // Skipped by `transcriptionIncompatibility`; only a caller that did not ask gets here.
            throw GatewayError.unsupportedCapability("Provider '\(provider)' cannot answer response_format '\(request.responseFormat.rawValue)'.",
                                                     param: "response_format")
        case .text:
            out = Array((text + "\n").utf8)
        case .json:
            out = JSONWriter.bytes(["text": .string(text)])
        case .verboseJSON:
            var object = JSONObject([("task", "transcribe"), ("language", .string(json["language_code"]?.stringValue ?? "")),
                                     ("duration", .double(Double(milliseconds ?? 0) / 1000)), ("text", .string(text))])
            if granularities(of: request).contains("word") {
                object["words"] = .array(words.map { ["word": .string($0.text), "start": .double($0.start), "end": .double($0.end)] })
            }
            out = JSONWriter.bytes(.object(object))
        }
        return TranscriptionResponse(body: out, format: request.responseFormat, audioMilliseconds: milliseconds)
    }
}
