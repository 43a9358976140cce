import GatewyseCore
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix

/// A mock AssemblyAI upstream on loopback, faithful to providers.md §18 and the §5 checklist:
/// the key bare in `Authorization` (401 `{"error": "Invalid API key"}` otherwise, a "Bearer"
/// prefix included); `POST /v2/upload` (raw bytes → `{upload_url}`); `POST /v2/transcript`
/// (`audio_url` of an upload, `speech_models` required, → the transcript `queued`);
/// `GET /v2/transcript/{id}` going `queued → processing → completed` one poll at a time, the
/// completed object with `text`, `words` (ms), `audio_duration` (from the WAV), `language_code`;
/// `GET /v2/transcript/{id}/srt|vtt`. Errors are `{"error": "…"}`. Scenarios by the first
/// speech model: `mock-error` (the transcript ends in `status: "error"`), `mock-500` (the create
/// call fails), `mock-stuck` (the transcript stays `processing`). Every request is recorded (JSON bodies as JSON, uploads as their size).
public final class MockAssemblyAIUpstream: MockUpstream, @unchecked Sendable {
    let jobs: MockAssemblyAIJobs

    public static func start(port: Int = 0, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) async throws -> MockAssemblyAIUpstream {
        let recorder = MockRecorder()
        let jobs = MockAssemblyAIJobs()
        let channel = try await MockServer.bind(port: port, group: group, recorder: recorder) { MockAssemblyAIHTTPHandler(recorder: recorder, jobs: jobs) }
        return MockAssemblyAIUpstream(port: channel.localAddress?.port ?? port, channel: channel, recorder: recorder, jobs: jobs)
    }

    init(port: Int, channel: any Channel, recorder: MockRecorder, jobs: MockAssemblyAIJobs) {
        self.jobs = jobs
        super.init(port: port, channel: channel, recorder: recorder)
    }

    /// The base URL to configure, as AssemblyAI documents it: no version segment.
    public var baseURL: String { "http://127.0.0.1:\(port)" }

    /// Why the mock would refuse this upload (header names lower-cased), or nil: the bare key,
    /// a non-empty body of raw bytes (not a form or JSON).
    public static func uploadValidationError(headers: [String: String], body: [UInt8]) -> String? {
        (MockAssemblyAIHTTPHandler.keyRejection(headers) ?? MockAssemblyAIHTTPHandler.uploadRejection(headers: headers, body: body))?.message
    }

    /// Why the mock would refuse this transcript creation, or nil.
    public static func createValidationError(headers: [String: String], body: JSONValue?) -> String? {
        (MockAssemblyAIHTTPHandler.keyRejection(headers) ?? MockAssemblyAIHTTPHandler.createRejection(body))?.message
    }

    public static let speechModels: Set<String> = ["universal-3-pro", "universal-2", "slam-1", "best", "nano", "mock-error", "mock-500", "mock-stuck"]
    public static let transcriptText = "Hello from the mock transcript. It has two sentences."
}

/// Uploads and transcripts, shared by every connection.
final class MockAssemblyAIJobs: Sendable {
    struct Transcript {
        var id: String
        var audioURL: String
        var model: String
        var language: String?
        var seconds: Double
        var polls = 0
    }
    private struct State {
        var uploads: [String: Double] = [:]
        var transcripts: [String: Transcript] = [:]
        var counter = 0
    }
    private let state = NIOLockedValueBox(State())

    func upload(seconds: Double) -> String {
        state.withLockedValue {
            $0.counter += 1
            let url = "https://cdn.assemblyai.com/upload/mock-\($0.counter)"
            $0.uploads[url] = seconds
            return url
        }
    }

    func create(audioURL: String, model: String, language: String?) -> Transcript? {
        state.withLockedValue {
            guard let seconds = $0.uploads[audioURL] else { return nil }
            $0.counter += 1
            let transcript = Transcript(id: "5551722-f677-48a4-a7b4-mock\($0.counter)", audioURL: audioURL, model: model, language: language, seconds: seconds)
            $0.transcripts[transcript.id] = transcript
            return transcript
        }
    }

    /// The transcript as one more poll sees it.
    func poll(_ id: String) -> Transcript? {
        state.withLockedValue {
            guard var transcript = $0.transcripts[id] else { return nil }
            transcript.polls += 1
            $0.transcripts[id] = transcript
            return transcript
        }
    }

    func peek(_ id: String) -> Transcript? { state.withLockedValue { $0.transcripts[id] } }
}

final class MockAssemblyAIHTTPHandler: MockHTTPConnection, @unchecked Sendable {
    // @unchecked: all state is touched on the channel's event loop only; `jobs` guards its own.
    let jobs: MockAssemblyAIJobs

    init(recorder: MockRecorder, jobs: MockAssemblyAIJobs) {
        self.jobs = jobs
        super.init(recorder: recorder)
    }

    func error(_ context: ChannelHandlerContext, _ status: Int, _ message: String) {
        sendJSONValue(context: context, status: status, ["error": .string(message)])
    }

    override func respond(context: ChannelHandlerContext, head: HTTPRequestHead, body: [UInt8]) {
        let headers = Self.headerMap(head)
        let path = head.uri.split(separator: "?").first.map(String.init) ?? head.uri
        let json = try? JSONParser.parse(body)
        recorder.record(RecordedRequest(method: "\(head.method)", path: head.uri, headers: headers,
                                        body: path == "/v2/upload" ? ["bytes": .int(body.count)] : json))
        if let rejection = Self.keyRejection(headers) { return error(context, rejection.status, rejection.message) }
        let segments = path.split(separator: "/").map(String.init)
        switch (head.method, segments.count) {
        case (.POST, 2) where path == "/v2/upload":
            if let rejection = Self.uploadRejection(headers: headers, body: body) { return error(context, rejection.status, rejection.message) }
            let seconds = Double(AudioDuration.milliseconds(ofWAV: body[...]) ?? 1_000) / 1000
            sendJSONValue(context: context, status: 200, ["upload_url": .string(jobs.upload(seconds: seconds))])
        case (.POST, 2) where path == "/v2/transcript":
            create(context: context, body: json)
        case (.GET, 3) where segments[1] == "transcript":
            guard let transcript = jobs.poll(segments[2]) else { return error(context, 404, "Transcript not found") }
            sendJSONValue(context: context, status: 200, Self.object(transcript))
        case (.GET, 4) where segments[1] == "transcript" && (segments[3] == "srt" || segments[3] == "vtt"):
            guard let transcript = jobs.peek(segments[2]) else { return error(context, 404, "Transcript not found") }
            guard Self.status(transcript) == "completed" else { return error(context, 400, "Transcript is not completed") }
            let text = Self.captions(vtt: segments[3] == "vtt")
            sendBytes(context: context, status: 200, headers: [("content-type", "text/plain")], Array(text.utf8))
        default:
            error(context, 404, "Not found: \(head.method) \(path)")
        }
    }

    struct Rejection: Error {
        var status: Int
        var message: String
    }

    /// The key goes bare: "Bearer <key>" is not a valid key.
    static func keyRejection(_ headers: [String: String]) -> Rejection? {
        guard let key = headers["authorization"], !key.isEmpty, !key.hasPrefix("Bearer ") else { return Rejection(status: 401, message: "Invalid API key") }
        return nil
    }

    /// `POST /v2/upload` takes the file's raw bytes as the body: a multipart form or a JSON
    /// document would be stored as the "audio" and fail to transcode later, so the mock refuses
    /// them at once (as a content type other than binary or audio/video).
    static func uploadRejection(headers: [String: String], body: [UInt8]) -> Rejection? {
        guard !body.isEmpty else { return Rejection(status: 400, message: "Upload body is empty") }
        let type = headers["content-type"]?.split(separator: ";").first.map { $0.lowercased() } ?? "application/octet-stream"
        guard type == "application/octet-stream" || type.hasPrefix("audio/") || type.hasPrefix("video/") else {
            return Rejection(status: 400, message: "Upload must be the file's raw bytes, not \(type)")
        }
        return nil
    }

    /// `POST /v2/transcript`: `audio_url` and `speech_models` (known models) required;
    /// `language_code` and `language_detection` exclusive.
    static func createRejection(_ body: JSONValue?) -> Rejection? {
        guard let object = body?.objectValue else { return Rejection(status: 400, message: "Request body must be JSON") }
        guard let audioURL = object["audio_url"]?.stringValue, !audioURL.isEmpty else { return Rejection(status: 400, message: "audio_url is required") }
        guard let models = object["speech_models"]?.arrayValue, models.first?.stringValue != nil else {
            return Rejection(status: 400, message: "speech_models is required: a list of speech models in priority order")
        }
        for model in models where !MockAssemblyAIUpstream.speechModels.contains(model.stringValue ?? "") {
            return Rejection(status: 400, message: "Invalid speech model: \(model.stringValue ?? "?")")
        }
        if object["language_code"]?.stringValue != nil, object["language_detection"]?.boolValue == true {
            return Rejection(status: 400, message: "language_code and language_detection cannot be used together")
        }
        return nil
    }

    private func create(context: ChannelHandlerContext, body: JSONValue?) {
        if let rejection = Self.createRejection(body) { return error(context, rejection.status, rejection.message) }
        let object = body?.objectValue ?? JSONObject()
        let audioURL = object["audio_url"]?.stringValue ?? ""
        let first = object["speech_models"]?.arrayValue?.first?.stringValue ?? ""
        if first == "mock-500" { return error(context, 500, "Internal server error") }
        let language = object["language_code"]?.stringValue
        guard let transcript = jobs.create(audioURL: audioURL, model: first, language: language) else {
            return error(context, 400, "Cannot access uploaded file")
        }
        sendJSONValue(context: context, status: 200, Self.object(transcript))
    }

    /// Queued when created, processing at the first poll, done at the second.
    static func status(_ transcript: MockAssemblyAIJobs.Transcript) -> String {
        switch transcript.polls {
        case 0: "queued"
        case 1: "processing"
        default: transcript.model == "mock-error" ? "error" : transcript.model == "mock-stuck" ? "processing" : "completed"
        }
    }

    static func object(_ transcript: MockAssemblyAIJobs.Transcript) -> JSONValue {
        let status = status(transcript)
        var object = JSONObject([("id", .string(transcript.id)), ("status", .string(status)), ("audio_url", .string(transcript.audioURL)),
                                 ("speech_model", .string(transcript.model)), ("language_code", transcript.language.map(JSONValue.string) ?? .null)])
        switch status {
        case "completed":
            let words = MockAssemblyAIUpstream.transcriptText.split(separator: " ")
            let step = max(1, Int(transcript.seconds * 1000) / words.count)
            object["text"] = .string(MockAssemblyAIUpstream.transcriptText)
            object["words"] = .array(words.enumerated().map { index, word in
                ["text": .string(String(word)), "start": .int(index * step), "end": .int(index * step + step - 10), "confidence": 0.98, "speaker": .null]
            })
            object["utterances"] = .null
            object["confidence"] = 0.98
            object["audio_duration"] = .int(Int(transcript.seconds.rounded()))
            object["language_code"] = .string(transcript.language ?? "en")
            object["error"] = .null
        case "error":
            object["text"] = .null
            object["error"] = "Transcoding failed. File does not appear to contain audio."
        default:
            object["text"] = .null
            object["error"] = .null
        }
        return .object(object)
    }

    static func captions(vtt: Bool) -> String {
        vtt ? "WEBVTT\n\n00:00.000 --> 00:01.500\nHello from the mock transcript. It has two sentences.\n\n"
            : "1\n00:00:00,000 --> 00:00:01,500\nHello from the mock transcript. It has two sentences.\n\n"
    }
}
