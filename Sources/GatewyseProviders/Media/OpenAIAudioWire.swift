import GatewyseCore

/// OpenAI's audio formats (providers.md §1 "Other endpoints"): speech to text
/// (`/audio/transcriptions`, `/audio/translations`: multipart in, JSON or text out) and text to
/// speech (`/audio/speech`: JSON in, audio bytes out) — the client format of the gateway's audio
/// routes and the upstream format of every OpenAI-format provider that has them.
public enum OpenAIAudioWire {
    /// OpenAI's ceiling on `input` for speech.
    public static let maximumSpeechCharacters = 4_096
    static let granularities: Set<String> = ["word", "segment"]

    // MARK: Speech to text

    /// Reads a transcription or translation form. The body stays as it came (the file is
    /// located, never copied out); errors name the field, as for JSON bodies.
    public static func decodeTranscription(_ body: [UInt8], contentType: String?, task: TranscriptionTask) throws(GatewayError) -> TranscriptionRequest {
        let form = try readForm(body, contentType: contentType, files: "the audio as the 'file' part")
        guard let file = form.part(named: "file") else { throw missing("file") }
        guard file.filename != nil else { throw invalid("file", "must be a file part (with a filename), not a text field.") }
        guard !file.valueRange.isEmpty else { throw invalid("file", "is empty.") }
        guard let model = form.text("model", in: body) else { throw missing("model") }
        guard !model.isEmpty else { throw invalid("model", "must not be empty.") }
        var format = TranscriptionFormat.json
        if let value = form.text("response_format", in: body) {
            guard let parsed = TranscriptionFormat(rawValue: value) else {
                throw invalid("response_format", "must be one of 'json', 'text', 'srt', 'verbose_json', 'vtt', got '\(value)'.")
            }
            format = parsed
        }
        if let value = form.text("temperature", in: body) {
            guard let temperature = Double(value), (0...1).contains(temperature) else {
                throw invalid("temperature", "must be a number between 0 and 1, got '\(value)'.")
            }
        }
        for part in form.parts(named: "timestamp_granularities[]") {
            let value = String(decoding: body[part.valueRange], as: UTF8.self)
            guard granularities.contains(value) else {
                throw invalid("timestamp_granularities[]", "must be 'word' or 'segment', got '\(value)'.")
            }
            guard format == .verboseJSON else {
                throw invalid("timestamp_granularities[]", "needs response_format 'verbose_json'.")
            }
        }
        if let value = form.text("stream", in: body), value == "true" {
            throw GatewayError.unsupportedCapability("Streamed transcription ('stream': true) is not served by this gateway yet; send the request without it.",
                                                     param: "stream")
        }
        return TranscriptionRequest(task: task, model: model, responseFormat: format, body: body, form: form,
                                    fileBytes: file.valueRange.count,
                                    fileDurationMilliseconds: AudioDuration.milliseconds(ofWAV: body[file.valueRange]))
    }

    /// A 2xx answer, relayed as it came. JSON formats are checked to be a JSON object with
    /// `text`; the audio's length is read from `duration` (verbose_json) or `usage.seconds`
    /// (gpt-4o transcribe's duration usage), and token usage from `usage.input_tokens`.
    public static func decodeTranscriptionResponse(_ body: [UInt8], format: TranscriptionFormat, provider: String) throws(GatewayError) -> TranscriptionResponse {
        guard format.isJSON else { return TranscriptionResponse(body: body, format: format) }
        let json = try UpstreamJSON.parse(body, provider: provider)
        guard json["text"]?.stringValue != nil else {
            throw GatewayError.badUpstreamResponse(provider, "a transcription without 'text'")
        }
        var response = TranscriptionResponse(body: body, format: format)
        if let duration = json["duration"]?.doubleValue ?? json["usage"]?["seconds"]?.doubleValue, duration.isFinite, duration >= 0 {
            response.audioMilliseconds = Int(min(duration, 1e9) * 1000)
        }
        if let usage = json["usage"]?.objectValue {
            let reader = JSONFieldReader(usage, path: "usage")
            if let input = try? reader.count("input_tokens"), let output = try? reader.count("output_tokens") {
                response.usage = Usage(promptTokens: input, completionTokens: output)
            }
        }
        return response
    }

    // MARK: Text to speech

    /// Validates a speech body; errors name the field. Other fields pass on untouched.
    public static func decodeSpeech(_ body: JSONValue) throws(GatewayError) -> SpeechRequest {
        let reader = try JSONFieldReader(body: body)
        let model = try reader.requiredString("model")
        guard !model.isEmpty else { throw reader.invalid("model", "must not be empty.") }
        let input = try reader.requiredString("input")
        guard !input.isEmpty else { throw reader.invalid("input", "must not be empty.") }
        guard input.count <= maximumSpeechCharacters else {
            throw reader.invalid("input", "must be at most \(maximumSpeechCharacters) characters, got \(input.count).")
        }
        // A voice name, or `{id}` for a custom voice (OpenAI's newer form).
        switch reader.object["voice"] {
        case nil, .null?: throw reader.missing("voice")
        case .string(let voice)?: guard !voice.isEmpty else { throw reader.invalid("voice", "must not be empty.") }
        case .object(let voice)?: guard voice["id"]?.stringValue != nil else { throw reader.missing("voice.id") }
        case let other?: throw reader.wrongType("voice", expected: "a string or an object with 'id'", got: other)
        }
        var format = SpeechFormat.mp3
        if let value = try reader.string("response_format") {
            guard let parsed = SpeechFormat(rawValue: value) else {
                throw reader.invalid("response_format", "must be one of 'mp3', 'opus', 'aac', 'flac', 'wav', 'pcm', got '\(value)'.")
            }
            format = parsed
        }
        _ = try reader.double("speed", in: 0.25...4)
        _ = try reader.string("instructions")
        if let streamFormat = try reader.string("stream_format"), streamFormat != "audio" {
            throw GatewayError.unsupportedCapability("Only 'stream_format': 'audio' is served (the audio bytes, streamed as they are made); got '\(streamFormat)'.",
                                                     param: "stream_format")
        }
        return SpeechRequest(model: model, input: input, format: format, fields: reader.object)
    }

    /// The client's object with `model` replaced.
    public static func encodeSpeech(_ request: SpeechRequest, model: String) -> JSONValue {
        var body = request.fields
        body["model"] = .string(model)
        return .object(body)
    }

    // MARK: Forms and errors

    /// The client's multipart form, or the 400 that says why it is not one.
    static func readForm(_ body: [UInt8], contentType: String?, files: String) throws(GatewayError) -> MultipartForm {
        guard let boundary = MultipartForm.boundary(contentType: contentType) else {
            throw GatewayError.invalidRequest("Content-Type must be multipart/form-data with a boundary (send \(files) of a form).",
                                              code: "INVALID_CONTENT_TYPE")
        }
        do { return try MultipartForm(body: body, boundary: boundary) } catch {
            throw GatewayError.invalidRequest("Request body is not a valid multipart form: \(error.description).", code: "INVALID_MULTIPART")
        }
    }

    static func missing(_ field: String) -> GatewayError {
        .invalidRequest("Missing required field '\(field)'.", param: field, code: "MISSING_FIELD")
    }

    static func invalid(_ field: String, _ reason: String) -> GatewayError {
        .invalidRequest("Field '\(field)' \(reason)", param: field, code: "INVALID_FIELD")
    }
}
