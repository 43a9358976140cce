import GatewyseCore
import NIOCore
import NIOHTTP1
import NIOPosix

/// A mock ElevenLabs upstream on loopback, faithful to providers.md §19 and the §5 checklist:
/// `POST /v1/text-to-speech/{voice_id}` and `…/stream` with `?output_format=` and the key in
/// `xi-api-key`, answering the audio bytes (chunked for `/stream`) in the asked format, and
/// `POST /v1/speech-to-text` (`MockElevenLabsSpeechToText.swift`, recorded as its form's fields); errors
/// as ElevenLabs writes them: `{"detail": {"status", "message"}}`, and FastAPI's
/// `{"detail": [{type, loc, msg, input}]}` for 422. Voices are a fixed set (`voices`); other
/// ids are 404 `voice_not_found`. Scenarios by `model_id`: `mock-error-500`, `mock-error-429`
/// (with `retry-after`), `mock-slow` (the last chunk held back for `MockMedia.slowLastChunk`).
/// Every request is recorded, readable at `GET /__mock/requests`.
public final class MockElevenLabsUpstream: MockUpstream, @unchecked Sendable {
    public static func start(port: Int = 0, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) async throws -> MockElevenLabsUpstream {
        let recorder = MockRecorder()
        let channel = try await MockServer.bind(port: port, group: group, recorder: recorder) { MockElevenLabsHTTPHandler(recorder: recorder) }
        return MockElevenLabsUpstream(port: channel.localAddress?.port ?? port, channel: channel, recorder: recorder)
    }

    /// The base URL to configure, as ElevenLabs documents it: no version segment.
    public var baseURL: String { "http://127.0.0.1:\(port)" }

    /// The voice ids the mock knows (ElevenLabs' premade "Rachel" and "George").
    public static let voices: Set<String> = ["21m00Tcm4TlvDq8ikWAM", "JBFqnCBsd6RMkjVDRZzb"]
    static let models: Set<String> = ["eleven_multilingual_v2", "eleven_v3", "eleven_flash_v2_5", "eleven_turbo_v2_5",
                                      "mock-error-500", "mock-error-429", "mock-slow"]
    /// ElevenLabs' `output_format` values (codec_samplerate[_bitrate]).
    static let outputFormats: Set<String> = [
        "mp3_22050_32", "mp3_24000_48", "mp3_44100_32", "mp3_44100_64", "mp3_44100_96", "mp3_44100_128", "mp3_44100_192",
        "pcm_8000", "pcm_16000", "pcm_22050", "pcm_24000", "pcm_32000", "pcm_44100", "pcm_48000",
        "wav_8000", "wav_16000", "wav_22050", "wav_24000", "wav_32000", "wav_44100", "wav_48000",
        "ulaw_8000", "alaw_8000", "opus_48000_32", "opus_48000_64", "opus_48000_96", "opus_48000_128", "opus_48000_192",
    ]

    /// What the mock would refuse this request with (status and body), or nil when valid: lets
    /// adapter tests check their requests without a socket. `path` includes the query.
    public static func validationError(path: String, headers: [String: String], body: [UInt8]) -> (status: Int, body: JSONValue)? {
        if path == speechToTextPath { return MockElevenLabsHTTPHandler.validateSpeechToText(headers: headers, body: body).rejection }
        return MockElevenLabsHTTPHandler.validate(path: path, headers: headers, body: body).rejection
    }

    static let speechToTextPath = "/v1/speech-to-text"

    /// The transcript's text (`POST /v1/speech-to-text`).
    public static var transcriptText: String { MockElevenLabsHTTPHandler.transcriptText }
}

final class MockElevenLabsHTTPHandler: MockHTTPConnection, @unchecked Sendable {
    // @unchecked: all state is touched on the channel's event loop only.

    struct Accepted {
        var format: String
        var model: String
        var streamed: Bool
        var characters: Int
    }

    static func detail(_ status: String, _ message: String) -> JSONValue {
        ["detail": ["status": .string(status), "message": .string(message)]]
    }

    static func unprocessable(_ location: [String], _ message: String, type: String) -> JSONValue {
        ["detail": [["type": .string(type), "loc": .array(location.map(JSONValue.string)), "msg": .string(message), "input": .null]]]
    }

    /// The checks ElevenLabs makes, in its order: route, key, voice, query, body.
    static func validate(path uri: String, headers: [String: String], body: [UInt8]) -> (accepted: Accepted?, rejection: (status: Int, body: JSONValue)?) {
        let pieces = uri.split(separator: "?", maxSplits: 1)
        let segments = pieces.first.map { $0.split(separator: "/").map(String.init) } ?? []
        guard segments.count >= 3, segments.count <= 4, segments[0] == "v1", segments[1] == "text-to-speech",
              segments.count == 3 || segments[3] == "stream" else {
            return (nil, (404, ["detail": "Not Found"]))
        }
        guard let key = headers["xi-api-key"], !key.isEmpty else {
            return (nil, (401, detail("invalid_api_key", "Invalid API key")))
        }
        let voice = segments[2]
        guard MockElevenLabsUpstream.voices.contains(voice) else {
            return (nil, (404, detail("voice_not_found", "A voice with voice_id '\(voice)' was not found.")))
        }
        var format = "mp3_44100_128"
        if pieces.count == 2 {
            for pair in pieces[1].split(separator: "&") {
                let kv = pair.split(separator: "=", maxSplits: 1).map(String.init)
                if kv.first == "output_format" { format = kv.count == 2 ? kv[1] : "" }
            }
        }
        guard MockElevenLabsUpstream.outputFormats.contains(format) else {
            return (nil, (422, unprocessable(["query", "output_format"], "Input should be a valid output format", type: "enum")))
        }
        guard headers["content-type"]?.hasPrefix("application/json") == true, let json = try? JSONParser.parse(body), let object = json.objectValue else {
            return (nil, (422, unprocessable(["body"], "Input should be a valid dictionary", type: "model_attributes_type")))
        }
        guard let text = object["text"]?.stringValue else {
            return (nil, (422, unprocessable(["body", "text"], "Field required", type: "missing")))
        }
        guard !text.isEmpty else { return (nil, (400, detail("invalid_text", "Text must not be empty."))) }
        let model = object["model_id"]?.stringValue ?? "eleven_multilingual_v2"
        guard models.contains(model) else {
            return (nil, (400, detail("model_not_found", "A model with model ID '\(model)' does not exist.")))
        }
        if let settings = object["voice_settings"] {
            guard let settings = settings.objectValue else {
                return (nil, (422, unprocessable(["body", "voice_settings"], "Input should be a valid dictionary", type: "model_type")))
            }
            if let speed = settings["speed"] {
                guard let value = speed.doubleValue, (0.7...1.2).contains(value) else {
                    return (nil, (400, detail("invalid_voice_settings", "voice_settings.speed must be between 0.7 and 1.2.")))
                }
            }
        }
        return (Accepted(format: format, model: model, streamed: segments.count == 4, characters: text.count), nil)
    }

    static var models: Set<String> { MockElevenLabsUpstream.models }

    override func respond(context: ChannelHandlerContext, head: HTTPRequestHead, body: [UInt8]) {
        let headers = Self.headerMap(head)
        let isForm = head.uri == MockElevenLabsUpstream.speechToTextPath
        recorder.record(RecordedRequest(method: "\(head.method)", path: head.uri, headers: headers,
                                        body: isForm ? MockHTTPHandler.describeForm(body, contentType: headers["content-type"]) : try? JSONParser.parse(body)))
        guard head.method == .POST else {
            return sendJSONValue(context: context, status: 405, ["detail": "Method Not Allowed"])
        }
        if isForm { return speechToText(context: context, headers: headers, body: body) }
        let (accepted, rejection) = Self.validate(path: head.uri, headers: headers, body: body)
        guard let accepted else {
            let rejection = rejection ?? (500, Self.detail("internal_error", "validation failed"))
            return sendJSONValue(context: context, status: rejection.status, rejection.body)
        }
        switch accepted.model {
        case "mock-error-500":
            return sendJSONValue(context: context, status: 500, Self.detail("internal_server_error", "An internal error occurred."))
        case "mock-error-429":
            return sendJSONValue(context: context, status: 429, Self.detail("too_many_concurrent_requests",
                                                                            "Too many concurrent requests for your plan."), headers: [("retry-after", "1")])
        default:
            break
        }
        let (audio, contentType) = Self.audio(format: accepted.format)
        let answerHeaders = [("content-type", contentType), ("request-id", "mock-el-0001"), ("character-cost", String(accepted.characters))]
        if accepted.streamed {
            sendChunked(context: context, headers: answerHeaders, audio, pieces: MockMedia.speechChunks, interval: .milliseconds(5),
                        lastDelay: accepted.model == "mock-slow" ? MockMedia.slowLastChunk : nil)
        } else {
            sendBytes(context: context, status: 200, headers: answerHeaders, audio)
        }
    }

    /// Audio in the asked codec: MP3 frames, a 24 kHz WAV or its bare samples, an Ogg page.
    static func audio(format: String) -> ([UInt8], String) {
        if format.hasPrefix("mp3_") { return (MockMedia.mp3(frames: 40), "audio/mpeg") }
        let wav = MockMedia.wav(milliseconds: 500)
        if format.hasPrefix("wav_") { return (wav, "audio/wav") }
        if format.hasPrefix("pcm_") { return (Array(wav.dropFirst(44)), "audio/pcm") }
        if format.hasPrefix("opus_") { return (Array("OggS".utf8) + [UInt8](repeating: 0, count: 1_020), "audio/opus") }
        return ([UInt8](repeating: 0xFF, count: 4_000), "audio/basic")
    }
}
