import GatewyseCore
import NIOCore
import NIOHTTP1
import NIOPosix

/// A mock whisper.cpp `whisper-server` on loopback (providers.md §25; whisper.cpp
/// `examples/server`): `POST /inference`, a multipart form with a `file` part (400
/// `{"error": "no 'file' field in the request"}` otherwise), `response_format` one of `json`
/// (the default), `text`, `srt`, `vtt`, `verbose_json`, `temperature` and `temperature_inc` as
/// numbers, `language` a language code or `auto`. No key (a server behind a proxy may ask for
/// one: the mock accepts a request with or without `Authorization`). The answers are
/// whisper.cpp's: `{"text"}`, the text, subtitles, or verbose_json with `task`, `language`,
/// `duration`, `text` and `segments`, timed by the WAV's length. A `language` of `mock-error-500`
/// answers 500. Every request is recorded, the form's fields as its body.
public final class MockWhisperCppUpstream: MockUpstream, @unchecked Sendable {
    public static func start(port: Int = 0, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) async throws -> MockWhisperCppUpstream {
        let recorder = MockRecorder()
        let channel = try await MockServer.bind(port: port, group: group, recorder: recorder) { MockWhisperCppHTTPHandler(recorder: recorder) }
        return MockWhisperCppUpstream(port: channel.localAddress?.port ?? port, channel: channel, recorder: recorder)
    }

    /// The base URL to configure: the server's root (`/inference` is under it).
    public var baseURL: String { "http://127.0.0.1:\(port)" }

    /// The text of every transcript.
    public static let transcriptText = "Hello from the mock whisper.cpp server."

    /// What the mock would refuse this request with (status and body), or nil when valid.
    public static func validationError(path: String, headers: [String: String], body: [UInt8]) -> (status: Int, body: JSONValue)? {
        if case .failure(let rejection) = MockWhisperCppHTTPHandler.validate(path: path, headers: headers, body: body) {
            return (rejection.status, rejection.body)
        }
        return nil
    }
}

final class MockWhisperCppHTTPHandler: MockHTTPConnection, @unchecked Sendable {
    // @unchecked: all state is touched on the channel's event loop only.

    struct Rejection: Error {
        var status: Int
        var body: JSONValue
    }

    struct Accepted {
        var format: String
        var language: String
        var seconds: Double
    }

    static let formats: Set<String> = ["json", "text", "srt", "vtt", "verbose_json"]

    static func error(_ status: Int, _ message: String) -> Rejection { Rejection(status: status, body: ["error": .string(message)]) }

    static func validate(path: String, headers: [String: String], body: [UInt8]) -> Result<Accepted, Rejection> {
        guard path == "/inference" else { return .failure(error(404, "Not Found")) }
        guard let boundary = MultipartForm.boundary(contentType: headers["content-type"]),
              let form = try? MultipartForm(body: body, boundary: boundary) else {
            return .failure(error(400, "no 'file' field in the request"))
        }
        guard let file = form.part(named: "file"), file.filename != nil, !file.valueRange.isEmpty else {
            return .failure(error(400, "no 'file' field in the request"))
        }
        let format = form.text("response_format", in: body) ?? "json"
        guard formats.contains(format) else { return .failure(error(400, "unsupported response_format '\(format)'")) }
        for name in ["temperature", "temperature_inc"] {
            if let value = form.text(name, in: body), Double(value) == nil { return .failure(error(400, "invalid \(name) '\(value)'")) }
        }
        let language = form.text("language", in: body) ?? "en"
        guard language == "auto" || language == "mock-error-500"
            || ((2...3).contains(language.utf8.count) && language.utf8.allSatisfy({ (UInt8(ascii: "a")...UInt8(ascii: "z")).contains($0) })) else {
            return .failure(error(400, "unknown language '\(language)'"))
        }
        let seconds = Double(AudioDuration.milliseconds(ofWAV: body[file.valueRange]) ?? 1000) / 1000
        return .success(Accepted(format: format, language: language, seconds: seconds))
    }

    override func respond(context: ChannelHandlerContext, head: HTTPRequestHead, body: [UInt8]) {
        let headers = Self.headerMap(head)
        recorder.record(RecordedRequest(method: "\(head.method)", path: head.uri, headers: headers,
                                        body: MockHTTPHandler.describeForm(body, contentType: headers["content-type"])))
        guard head.method == .POST else { return sendJSONValue(context: context, status: 405, ["error": "Method Not Allowed"]) }
        let accepted: Accepted
        switch Self.validate(path: head.uri, headers: headers, body: body) {
        case .success(let value): accepted = value
        case .failure(let rejection): return sendJSONValue(context: context, status: rejection.status, rejection.body)
        }
        if accepted.language == "mock-error-500" {
            return sendJSONValue(context: context, status: 500, ["error": "failed to process audio"])
        }
        let text = MockWhisperCppUpstream.transcriptText
        let end = Self.timestamp(accepted.seconds, separator: ",")
        switch accepted.format {
        case "text":
            sendBytes(context: context, status: 200, headers: [("content-type", "text/html; charset=utf-8")], Array((" " + text + "\n").utf8))
        case "srt":
            sendBytes(context: context, status: 200, headers: [("content-type", "application/x-subrip")],
                      Array("1\n00:00:00,000 --> \(end)\n \(text)\n\n".utf8))
        case "vtt":
            sendBytes(context: context, status: 200, headers: [("content-type", "text/vtt")],
                      Array("WEBVTT\n\n00:00:00.000 --> \(Self.timestamp(accepted.seconds, separator: "."))\n \(text)\n\n".utf8))
        case "verbose_json":
            let segment: JSONValue = ["id": 0, "text": .string(" " + text), "start": 0.0, "end": .double(accepted.seconds),
                                      "tokens": [50364, 2425, 490], "words": [["word": " Hello", "start": 0.0, "end": 0.4, "probability": 0.97]],
                                      "temperature": 0.0, "avg_logprob": -0.21, "no_speech_prob": 0.01]
            sendJSONValue(context: context, status: 200, ["task": "transcribe", "language": accepted.language == "auto" ? "english" : .string(accepted.language),
                                                          "duration": .double(accepted.seconds), "text": .string(" " + text), "segments": [segment]])
        default:
            sendJSONValue(context: context, status: 200, ["text": .string(" " + text)])
        }
    }

    /// `HH:MM:SS,mmm` (srt) or `HH:MM:SS.mmm` (vtt).
    static func timestamp(_ seconds: Double, separator: String) -> String {
        let total = Int(seconds * 1000)
        func pad(_ value: Int, _ width: Int) -> String { String(repeating: "0", count: max(0, width - String(value).count)) + String(value) }
        return "\(pad(total / 3_600_000, 2)):\(pad(total / 60_000 % 60, 2)):\(pad(total / 1000 % 60, 2))\(separator)\(pad(total % 1000, 3))"
    }
}
