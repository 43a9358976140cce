import GatewyseCore
import NIOCore
import NIOHTTP1

/// The mock's speech to text (providers.md §19; elevenlabs.io API reference "Create
/// transcript"): `POST /v1/speech-to-text`, a multipart form with `model_id` (required) and
/// `file` (or `cloud_storage_url`), optional `language_code`, `timestamps_granularity`
/// (`none` | `word` | `character`), `diarize` and `tag_audio_events` (booleans), `num_speakers`
/// (1–32), the key in `xi-api-key`. Fields it does not know are ignored, as FastAPI does; the
/// recorder keeps the form's fields so tests can assert what was sent. The answer is
/// `{language_code, language_probability, text, words}` with words and the spaces between them
/// timed across the WAV's length.
extension MockElevenLabsHTTPHandler {
    static let speechToTextModels: Set<String> = ["scribe_v1", "scribe_v2", "mock-error-500", "mock-error-429"]
    static let transcriptText = "Hello from the mock transcription."

    struct AcceptedTranscript {
        var model: String
        var answer: JSONValue
    }

    /// The checks in ElevenLabs' order: key, form, model, file, then the optional fields.
    static func validateSpeechToText(headers: [String: String], body: [UInt8]) -> (accepted: AcceptedTranscript?, rejection: (status: Int, body: JSONValue)?) {
        guard let key = headers["xi-api-key"], !key.isEmpty else {
            return (nil, (401, detail("invalid_api_key", "Invalid API key")))
        }
        guard let boundary = MultipartForm.boundary(contentType: headers["content-type"]),
              let form = try? MultipartForm(body: body, boundary: boundary) else {
            return (nil, (422, unprocessable(["body", "model_id"], "Field required", type: "missing")))
        }
        guard let model = form.text("model_id", in: body) else {
            return (nil, (422, unprocessable(["body", "model_id"], "Field required", type: "missing")))
        }
        guard speechToTextModels.contains(model) else {
            return (nil, (400, detail("model_not_found", "A model with model ID '\(model)' does not exist.")))
        }
        let file = form.part(named: "file")
        guard let file, file.filename != nil, !file.valueRange.isEmpty else {
            if form.part(named: "cloud_storage_url") != nil { return (nil, (400, detail("invalid_parameters", "cloud_storage_url cannot be fetched by the mock."))) }
            return (nil, (400, detail("invalid_parameters", "Must provide either file or cloud_storage_url.")))
        }
        if let language = form.text("language_code", in: body),
           !((2...3).contains(language.utf8.count) && language.utf8.allSatisfy({ (UInt8(ascii: "a")...UInt8(ascii: "z")).contains($0) })) {
            return (nil, (400, detail("invalid_language_code", "Language code '\(language)' is not supported.")))
        }
        let granularity = form.text("timestamps_granularity", in: body) ?? "word"
        guard ["none", "word", "character"].contains(granularity) else {
            return (nil, (422, unprocessable(["body", "timestamps_granularity"], "Input should be 'none', 'word' or 'character'", type: "enum")))
        }
        for name in ["diarize", "tag_audio_events"] {
            if let value = form.text(name, in: body), !["true", "false"].contains(value.lowercased()) {
                return (nil, (422, unprocessable(["body", name], "Input should be a valid boolean, unable to interpret input", type: "bool_parsing")))
            }
        }
        if let value = form.text("num_speakers", in: body) {
            guard let speakers = Int(value), (1...32).contains(speakers) else {
                return (nil, (422, unprocessable(["body", "num_speakers"], "Input should be an integer between 1 and 32", type: "int_parsing")))
            }
        }
        let seconds = Double(AudioDuration.milliseconds(ofWAV: body[file.valueRange]) ?? 1000) / 1000
        var answer = JSONObject([("language_code", .string(form.text("language_code", in: body) ?? "eng")), ("language_probability", 0.98),
                                 ("text", .string(transcriptText))])
        if granularity != "none" { answer["words"] = .array(words(lasting: seconds)) }
        return (AcceptedTranscript(model: model, answer: .object(answer)), nil)
    }

    /// The transcript's words with the spaces between them, spread evenly over the audio.
    static func words(lasting seconds: Double) -> [JSONValue] {
        let texts = transcriptText.split(separator: " ").map(String.init)
        let step = seconds / Double(texts.count)
        var out: [JSONValue] = []
        for (index, text) in texts.enumerated() {
            let start = Double(index) * step
            if index > 0 {
                out.append(["text": " ", "start": .double(start - step * 0.1), "end": .double(start), "type": "spacing", "speaker_id": "speaker_0"])
            }
            out.append(["text": .string(text), "start": .double(start), "end": .double(start + step * 0.9), "type": "word",
                        "speaker_id": "speaker_0", "logprob": -0.05])
        }
        return out
    }

    func speechToText(context: ChannelHandlerContext, headers: [String: String], body: [UInt8]) {
        let (accepted, rejection) = Self.validateSpeechToText(headers: headers, body: body)
        guard let accepted else {
            let rejection = rejection ?? (500, Self.detail("internal_error", "validation failed"))
            return sendJSONValue(context: context, status: rejection.status, rejection.body)
        }
        switch accepted.model {
        case "mock-error-500":
            sendJSONValue(context: context, status: 500, Self.detail("internal_server_error", "An internal error occurred."))
        case "mock-error-429":
            sendJSONValue(context: context, status: 429, Self.detail("too_many_concurrent_requests", "Too many concurrent requests for your plan."),
                          headers: [("retry-after", "1")])
        default:
            sendJSONValue(context: context, status: 200, accepted.answer, headers: [("request-id", "mock-el-stt-0001")])
        }
    }
}
