import GatewyseCore

// Replicate's Whisper models (decisions/0028): the audio goes inline as a data URI (Replicate
// recommends those below 1 MB; its file upload API is not in providers.md), and each model's
// output is mapped back to the OpenAI format asked for — where it has what that format needs.

extension ReplicateWire {
    /// The Whisper models the gateway drives, by what their inputs and outputs look like.
    public enum WhisperModel: Sendable, Equatable {
        /// `openai/whisper`: inputs `audio`, `transcription` ("plain text" | "srt" | "vtt"),
        /// `translate`, `language` (ISO-639-1 or "auto"), `initial_prompt`, `temperature`;
        /// output `{transcription, segments, detected_language, translation}` — `segments` are
        /// Whisper's own (`id`, `seek`, `start`, `end`, `text`, `tokens`, …), and `translation`
        /// plain text without segments of its own.
        case openAIWhisper
        /// `vaibhavs10/incredibly-fast-whisper`: inputs `audio`, `task` ("transcribe" |
        /// "translate"), `timestamp` ("chunk" | "word"), `language` as an English name
        /// ("english", not "en"); output `{text, chunks: [{timestamp: [start, end], text}]}`.
        case incrediblyFastWhisper
    }

    /// Replicate's recommended ceiling for a data URI input (replicate.com/docs/topics/
    /// predictions/input-files): a larger file is refused rather than sent.
    public static let maximumDataURIBytes = 1_000_000

    public static func whisperModel(_ upstreamModel: String) -> WhisperModel? {
        switch modelName(upstreamModel) {
        case "openai/whisper": .openAIWhisper
        case "vaibhavs10/incredibly-fast-whisper": .incrediblyFastWhisper
        default: nil
        }
    }

    /// Why `request` cannot be served by `model`, naming the field, or nil.
    public static func transcriptionProblem(_ request: TranscriptionRequest, model: WhisperModel) -> String? {
        guard request.form.part(named: "file") != nil else { return nil }
        if request.fileBytes > maximumDataURIBytes {
            return "takes audio (file) as a data URI, which Replicate recommends only up to \(maximumDataURIBytes) bytes; this one has \(request.fileBytes)"
        }
        let granularities = (request.form.parts(named: "timestamp_granularities[]") + request.form.parts(named: "timestamp_granularities"))
            .map { String(decoding: request.body[$0.valueRange], as: UTF8.self) }
        if granularities.contains("word") { return "gives no word timestamps (timestamp_granularities)" }
        switch (model, request.task, request.responseFormat) {
        case (_, .translation, .json), (_, .translation, .text):
            return nil
        case (.openAIWhisper, .translation, let format):
            return "gives translations as plain text only (response_format '\(format.rawValue)')"
        case (.openAIWhisper, .transcription, _):
            return nil
        case (.incrediblyFastWhisper, _, .srt), (.incrediblyFastWhisper, _, .vtt):
            return "does not make response_format '\(request.responseFormat.rawValue)' with this model"
        case (.incrediblyFastWhisper, _, _):
            if let language = request.form.text("language", in: request.body), !language.isEmpty {
                return "takes no ISO-639-1 language with this model (language)"
            }
            return nil
        }
    }

    /// The audio file of the form as `data:<type>;base64,…`.
    public static func audioDataURI(_ request: TranscriptionRequest) -> String? {
        guard let file = request.form.part(named: "file") else { return nil }
        let type = file.contentType.flatMap { $0.isEmpty || $0.contains(",") || $0.contains(";") ? nil : $0 } ?? "application/octet-stream"
        return "data:\(type);base64," + Base64.encode(Array(request.body[file.valueRange]))
    }

    /// The prediction's `input` for `request`.
    public static func transcriptionInput(_ request: TranscriptionRequest, model: WhisperModel, audio: String) -> JSONObject {
        var input = JSONObject([("audio", .string(audio))])
        let translate = request.task == .translation
        switch model {
        case .openAIWhisper:
            let format = switch request.responseFormat {
            case .srt: "srt"
            case .vtt: "vtt"
            case .json, .text, .verboseJSON: "plain text"
            }
            input["transcription"] = .string(format)
            input["translate"] = .bool(translate)
            if let language = request.form.text("language", in: request.body), !language.isEmpty { input["language"] = .string(language) }
            if let prompt = request.form.text("prompt", in: request.body), !prompt.isEmpty { input["initial_prompt"] = .string(prompt) }
            if let text = request.form.text("temperature", in: request.body), let temperature = Double(text) { input["temperature"] = .double(temperature) }
        case .incrediblyFastWhisper:
            input["task"] = .string(translate ? "translate" : "transcribe")
            input["timestamp"] = "chunk"
        }
        return input
    }

    /// A succeeded prediction's `output` in the OpenAI format asked for.
    public static func transcriptionAnswer(_ output: JSONValue?, model: WhisperModel, request: TranscriptionRequest) -> Result<TranscriptionResponse, ReadProblem> {
        guard let output, output.objectValue != nil else { return .failure(.invalid("a transcription without an output object")) }
        let text: String
        let segments: [JSONValue]
        let language: String
        switch model {
        case .openAIWhisper:
            let field = request.task == .translation ? "translation" : "transcription"
            guard let value = output[field]?.stringValue else { return .failure(.invalid("a transcription without '\(field)'")) }
            text = value
            segments = (output["segments"]?.arrayValue ?? []).compactMap(whisperSegment)
            language = output["detected_language"]?.stringValue ?? ""
        case .incrediblyFastWhisper:
            guard let value = output["text"]?.stringValue else { return .failure(.invalid("a transcription without 'text'")) }
            text = value
            segments = (output["chunks"]?.arrayValue ?? []).enumerated().compactMap { chunkSegment($1, id: $0) }
            language = ""
        }
        let milliseconds = segments.last?["end"]?.doubleValue.map { Int(($0 * 1000).rounded()) }
        let trimmed = trimmedText(text)
        let body: [UInt8] = switch request.responseFormat {
        case .srt, .vtt: Array(text.utf8)
        case .text: Array((trimmed + "\n").utf8)
        case .json: JSONWriter.bytes(["text": .string(trimmed)])
        case .verboseJSON:
            JSONWriter.bytes(.object(JSONObject([
                ("task", .string(request.task == .translation ? "translate" : "transcribe")), ("language", .string(language)),
                ("duration", .double(Double(milliseconds ?? 0) / 1000)), ("text", .string(trimmed)), ("segments", .array(segments)),
            ])))
        }
        return .success(TranscriptionResponse(body: body, format: request.responseFormat, audioMilliseconds: milliseconds))
    }

    /// One of openai/whisper's segments in OpenAI's shape (the same fields, those it has).
    static func whisperSegment(_ segment: JSONValue) -> JSONValue? {
        guard let start = segment["start"]?.doubleValue, let end = segment["end"]?.doubleValue, let text = segment["text"]?.stringValue else { return nil }
        var object = JSONObject([("id", segment["id"] ?? .int(0)), ("seek", segment["seek"] ?? .int(0)), ("start", .double(start)),
                                 ("end", .double(end)), ("text", .string(text))])
        for key in ["tokens", "temperature", "avg_logprob", "compression_ratio", "no_speech_prob"] {
            if let value = segment[key], value != .null { object[key] = value }
        }
        return .object(object)
    }

    /// One of incredibly-fast-whisper's chunks (`{timestamp: [start, end], text}`) as a segment.
    static func chunkSegment(_ chunk: JSONValue, id: Int) -> JSONValue? {
        guard let stamps = chunk["timestamp"]?.arrayValue, stamps.count == 2, let start = stamps[0].doubleValue,
              let text = chunk["text"]?.stringValue else { return nil }
        // The last chunk of a file may have no end (`null`): it ends where it starts.
        let end = stamps[1].doubleValue ?? start
        return .object(JSONObject([("id", .int(id)), ("seek", .int(0)), ("start", .double(start)), ("end", .double(end)), ("text", .string(text))]))
    }

    /// Whisper's text starts with a space and may end with a newline; OpenAI's does neither.
    static func trimmedText(_ text: String) -> String {
        var slice = Substring(text)
        while let first = slice.first, first.isWhitespace { slice = slice.dropFirst() }
        while let last = slice.last, last.isWhitespace { slice = slice.dropLast() }
        return String(slice)
    }
}
