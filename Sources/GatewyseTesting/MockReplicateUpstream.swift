import GatewyseCore
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix

/// A mock Replicate upstream on loopback, faithful to providers.md §12 and the §5 checklist:
/// `Authorization: Bearer <token>` (or the legacy `Token <token>`; 401 otherwise); predictions
/// created with `POST /v1/models/{owner}/{name}/predictions`, `POST /v1/predictions` (with a
/// known `version`) or `POST /v1/deployments/{owner}/{name}/predictions`, body `{input, …}`
/// (unknown top-level fields are a 422; inputs a model does not have are ignored, as Replicate
/// does, and those it has are checked against its schema: `MockReplicateUpstream.models`);
/// `Prefer: wait[=N]` (1–60) holds the answer until the prediction ends or N seconds pass,
/// without it the answer comes at once. A prediction is `starting`, then `processing`, then
/// `succeeded` after its model's run time (real time, not polls); `GET /v1/predictions/{id}`
/// reads it, `POST /v1/predictions/{id}/cancel` cancels it. Output files are served by the mock
/// itself at `/delivery/{id}/…` (Replicate's `replicate.delivery`, which needs no key). Errors
/// are problem details `{title, detail, status}`. Scenarios by a marker in the prompt:
/// `[mock:failed]` (the prediction fails), `[mock:stuck]` (never ends), `[mock:slow]` (runs 4 s),
/// `[mock:error-500|429|402]` (the create call fails; 429 with `retry-after: 1`),
/// `[mock:poll-500]` (polls fail), `[mock:data-uri]` (the output is a `data:` URI),
/// `[mock:metadata-url]` (the output links to 169.254.169.254); speech models take the marker in
/// `text`, Whisper models in `initial_prompt`, and `[mock:wrong-format]` makes a speech model
/// answer MP3 whatever format was asked. Speech outputs are real audio (a WAV tone, MP3 frames,
/// a FLAC marker); Whisper outputs are the models' transcript objects, timed to the length of a
/// WAV sent as the `audio` data URI. Every request is recorded.
public final class MockReplicateUpstream: MockUpstream, @unchecked Sendable {
    let predictions: MockReplicatePredictions

    public static func start(port: Int = 0, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) async throws -> MockReplicateUpstream {
        let recorder = MockRecorder()
        let predictions = MockReplicatePredictions()
        let channel = try await MockServer.bind(port: port, group: group, recorder: recorder) {
            MockReplicateHTTPHandler(recorder: recorder, predictions: predictions)
        }
        return MockReplicateUpstream(port: channel.localAddress?.port ?? port, channel: channel, recorder: recorder, predictions: predictions)
    }

    init(port: Int, channel: any Channel, recorder: MockRecorder, predictions: MockReplicatePredictions) {
        self.predictions = predictions
        super.init(port: port, channel: channel, recorder: recorder)
    }

    /// The base URL to configure: no version segment (the adapter appends `/v1/…`).
    public var baseURL: String { "http://127.0.0.1:\(port)" }

    /// The status a prediction has now, or nil when there is no such prediction.
    public func status(of id: String) -> String? { predictions.peek(id).map { $0.status(at: .now()) } }

    /// Why the mock would refuse `input` for `model` (`owner/name`, `owner/name:version`,
    /// `deployments/owner/name`), or nil when it would run it: lets adapter tests check their
    /// inputs without a socket.
    public static func inputProblem(model: String, input: JSONObject) -> String? {
        guard let known = models[model] ?? audioModels[model] else { return "unknown model \(model)" }
        return MockReplicateHTTPHandler.validate(input, against: known)
    }

    /// Why the mock would refuse this create call (`path` from the base URL on, header names
    /// lower-cased), or nil when it would start the prediction: the token, the route (model,
    /// version or deployment), the body's top-level fields and the model's input schema.
    public static func createValidationError(path: String, headers: [String: String], body: [UInt8]) -> String? {
        guard MockReplicateHTTPHandler.authorized(headers) else { return "401 Unauthenticated" }
        let segments = path.split(separator: "?").first.map { $0.split(separator: "/").map(String.init) } ?? []
        let check: Result<(String, Model, JSONObject), MockReplicateHTTPHandler.Problem>
        switch segments.count {
        case 5 where segments[0] == "v1" && segments[1] == "models" && segments[4] == "predictions":
            check = MockReplicateHTTPHandler.checkCreate(named: segments[2] + "/" + segments[3], version: false, body: body)
        case 5 where segments[0] == "v1" && segments[1] == "deployments" && segments[4] == "predictions":
            check = MockReplicateHTTPHandler.checkCreate(named: "deployments/" + segments[2] + "/" + segments[3], version: false, body: body)
        case 2 where segments == ["v1", "predictions"]:
            check = MockReplicateHTTPHandler.checkCreate(named: nil, version: true, body: body)
        default:
            return "404 no create route at \(path)"
        }
        if case .failure(let problem) = check { return "\(problem.status) \(problem.title): \(problem.detail)" }
        return nil
    }

    /// One input of a model's schema.
    enum Input {
        case string(required: Bool)
        case choice([String])
        case integer(ClosedRange<Int>, multipleOf: Int = 1)
        case integerChoice([Int])
        case boolean
        case number(ClosedRange<Double>)
        /// A file input: a `data:…;base64,…` URI whose payload decodes, or an http(s) URL.
        case file
    }

    /// A model as the mock runs it: its inputs, how long a prediction takes, and its output's shape.
    struct Model {
        var inputs: [String: Input]
        var runSeconds: Double
        var kind: Kind
        enum Kind {
            case images(list: Bool), video
            /// A text-to-speech model: its output file's format is `audio_format` or `format`.
            case speech(format: String)
            /// openai/whisper's `{transcription, segments, …}` or incredibly-fast-whisper's `{text, chunks}`.
            case whisper, fastWhisper
        }
    }

    static let imageRatios = ["1:1", "16:9", "21:9", "3:2", "2:3", "4:5", "5:4", "3:4", "4:3", "9:16", "9:21"]
    /// A published version of stability-ai/sdxl, the one model run here by version.
    public static let sdxlVersion = "7762fd07cf82c948538e41f63f77d685e02b063e37e496e96eefd46c929f9bdc"

    /// Official models (and one version, and one deployment), with their schemas as published on
    /// replicate.com, trimmed to the inputs the gateway may send.
    static let models: [String: Model] = [
        "black-forest-labs/flux-schnell": Model(inputs: [
            "prompt": .string(required: true), "aspect_ratio": .choice(imageRatios), "num_outputs": .integer(1...4),
            "output_format": .choice(["webp", "jpg", "png"]), "output_quality": .integer(0...100), "seed": .integer(0...Int(Int32.max)),
            "go_fast": .boolean, "megapixels": .choice(["1", "0.25"]), "num_inference_steps": .integer(1...4),
        ], runSeconds: 0.2, kind: .images(list: true)),
        "black-forest-labs/flux-1.1-pro": Model(inputs: [
            "prompt": .string(required: true), "aspect_ratio": .choice(imageRatios + ["custom"]),
            "width": .integer(256...1440, multipleOf: 32), "height": .integer(256...1440, multipleOf: 32),
            "output_format": .choice(["webp", "jpg", "png"]), "output_quality": .integer(0...100), "safety_tolerance": .integer(1...6),
            "seed": .integer(0...Int(Int32.max)), "prompt_upsampling": .boolean,
        ], runSeconds: 2.5, kind: .images(list: false)),
        "stability-ai/sdxl:" + sdxlVersion: Model(inputs: [
            "prompt": .string(required: true), "negative_prompt": .string(required: false), "width": .integer(128...2048, multipleOf: 8),
            "height": .integer(128...2048, multipleOf: 8), "num_outputs": .integer(1...4), "seed": .integer(0...Int(Int32.max)),
        ], runSeconds: 0.3, kind: .images(list: true)),
        "deployments/acme/flux-fast": Model(inputs: [
            "prompt": .string(required: true), "aspect_ratio": .choice(imageRatios), "num_outputs": .integer(1...4),
            "output_format": .choice(["webp", "jpg", "png"]),
        ], runSeconds: 0.2, kind: .images(list: true)),
        "minimax/hailuo-02": Model(inputs: [
            "prompt": .string(required: true), "duration": .integerChoice([6, 10]), "resolution": .choice(["512p", "768p", "1080p"]),
            "prompt_optimizer": .boolean,
        ], runSeconds: 2.0, kind: .video),
        "google/veo-3-fast": Model(inputs: [
            "prompt": .string(required: true), "aspect_ratio": .choice(["16:9", "9:16"]), "duration": .integerChoice([8]),
            "resolution": .choice(["720p", "1080p"]), "negative_prompt": .string(required: false), "seed": .integer(0...Int(Int32.max)),
        ], runSeconds: 1.0, kind: .video),
    ]

    static let minimaxSpeechInputs: [String: Input] = [
        "text": .string(required: true), "voice_id": .string(required: false), "speed": .number(0.5...2), "volume": .number(0...10),
        "pitch": .integer(-12...12), "emotion": .choice(["auto", "neutral", "happy", "sad", "angry", "fearful", "disgusted", "surprised"]),
        "audio_format": .choice(["mp3", "wav", "flac", "pcm"]), "sample_rate": .integerChoice([8000, 16000, 22050, 24000, 32000, 44100]),
    ]

    /// Speech and Whisper models, with the inputs of their pages on replicate.com.
    static let audioModels: [String: Model] = [
        "minimax/speech-02-turbo": Model(inputs: minimaxSpeechInputs, runSeconds: 0.3, kind: .speech(format: "mp3")),
        "minimax/speech-2.6-turbo": Model(inputs: minimaxSpeechInputs, runSeconds: 0.3, kind: .speech(format: "mp3")),
        "jaaari/kokoro-82m": Model(inputs: [
            "text": .string(required: true), "speed": .number(0.1...5),
            "voice": .choice(["af_alloy", "af_bella", "af_heart", "af_nicole", "af_nova", "af_sarah", "am_adam", "am_echo", "am_michael",
                              "am_onyx", "bf_emma", "bm_fable", "bm_george"]),
        ], runSeconds: 0.2, kind: .speech(format: "wav")),
        "openai/whisper": Model(inputs: [
            "audio": .file, "transcription": .choice(["plain text", "srt", "vtt"]), "translate": .boolean,
            "language": .string(required: false), "initial_prompt": .string(required: false), "temperature": .number(0...1),
        ], runSeconds: 0.4, kind: .whisper),
        "vaibhavs10/incredibly-fast-whisper": Model(inputs: [
            "audio": .file, "task": .choice(["transcribe", "translate"]), "timestamp": .choice(["chunk", "word"]),
            "batch_size": .integer(1...64), "language": .string(required: false),
        ], runSeconds: 0.3, kind: .fastWhisper),
    ]

    /// A few bytes that start like an MP4 (an `ftyp` box), served as the mock's videos.
    public static let mp4: [UInt8] = [0x00, 0x00, 0x00, 0x18] + Array("ftypmp42".utf8) + [0x00, 0x00, 0x00, 0x00] + Array("mp42isom".utf8)
}

/// The predictions, shared by every connection.
final class MockReplicatePredictions: Sendable {
    struct Prediction {
        var id: String
        var model: String
        var input: JSONObject
        var created: NIODeadline
        var runSeconds: Double
        var kind: MockReplicateUpstream.Model.Kind
        var outputs: Int
        var fails = false
        var canceledAt: NIODeadline?
        var output: [String]

        func status(at now: NIODeadline) -> String {
            if canceledAt != nil { return "canceled" }
            let elapsed = Double((now - created).nanoseconds) / 1e9
            if elapsed < min(0.1, runSeconds / 3) { return "starting" }
            if elapsed < runSeconds { return "processing" }
            return fails ? "failed" : "succeeded"
        }

        var endsAt: NIODeadline? { runSeconds.isFinite ? created + .nanoseconds(Int64(runSeconds * 1e9)) : nil }
    }
    private struct State {
        var predictions: [String: Prediction] = [:]
        var counter = 0
    }
    private let state = NIOLockedValueBox(State())

    func create(_ prediction: (String) -> Prediction) -> Prediction {
        state.withLockedValue {
            $0.counter += 1
            let id = "rmock" + String(repeating: "0", count: 8) + String($0.counter, radix: 36) + "q7x2kd9w"
            let made = prediction(id)
            $0.predictions[id] = made
            return made
        }
    }

    func peek(_ id: String) -> Prediction? { state.withLockedValue { $0.predictions[id] } }

    func cancel(_ id: String) -> Prediction? {
        state.withLockedValue {
            guard var prediction = $0.predictions[id] else { return nil }
            let status = prediction.status(at: .now())
            if status == "starting" || status == "processing" { prediction.canceledAt = .now() }
            $0.predictions[id] = prediction
            return prediction
        }
    }
}

final class MockReplicateHTTPHandler: MockHTTPConnection, @unchecked Sendable {
    // @unchecked: all state is touched on the channel's event loop only; `predictions` guards its own.
    let predictions: MockReplicatePredictions

    init(recorder: MockRecorder, predictions: MockReplicatePredictions) {
        self.predictions = predictions
        super.init(recorder: recorder)
    }

    static func problem(_ status: Int, _ title: String, _ detail: String) -> JSONValue {
        ["title": .string(title), "detail": .string(detail), "status": .int(status)]
    }

    func fail(_ context: ChannelHandlerContext, _ status: Int, _ title: String, _ detail: String, headers: [(String, String)] = []) {
        sendJSONValue(context: context, status: status, Self.problem(status, title, detail), headers: headers)
    }

    override func respond(context: ChannelHandlerContext, head: HTTPRequestHead, body: [UInt8]) {
        let headers = Self.headerMap(head)
        let path = head.uri.split(separator: "?").first.map(String.init) ?? head.uri
        recorder.record(RecordedRequest(method: "\(head.method)", path: head.uri, headers: headers, body: try? JSONParser.parse(body)))
        let segments = path.split(separator: "/").map(String.init)
        // Output files, like replicate.delivery: no key needed.
        if head.method == .GET, segments.first == "delivery", segments.count == 3 {
            guard let prediction = predictions.peek(segments[1]), prediction.status(at: .now()) == "succeeded" else {
                return sendBytes(context: context, status: 404, headers: [("content-type", "text/plain")], Array("Not found".utf8))
            }
            if case .video = prediction.kind {
                return sendBytes(context: context, status: 200, headers: [("content-type", "video/mp4")], MockReplicateUpstream.mp4)
            }
            if case .speech = prediction.kind {
                let (audio, type) = MockReplicateAudio.file(named: segments[2], wrongFormat: Self.prompt(prediction).contains("[mock:wrong-format]"))
                return sendBytes(context: context, status: 200, headers: [("content-type", type)], audio)
            }
            return sendBytes(context: context, status: 200, headers: [("content-type", "image/png")], MockStabilityUpstream.png)
        }
        guard Self.authorized(headers) else {
            return fail(context, 401, "Unauthenticated", "You did not pass a valid authentication token")
        }
        let host = headers["host"] ?? "127.0.0.1"
        switch (head.method, segments.count) {
        case (.POST, 5) where segments[0] == "v1" && segments[1] == "models" && segments[4] == "predictions":
            create(context: context, model: segments[2] + "/" + segments[3], version: false, headers: headers, body: body, host: host)
        case (.POST, 5) where segments[0] == "v1" && segments[1] == "deployments" && segments[4] == "predictions":
            create(context: context, model: "deployments/" + segments[2] + "/" + segments[3], version: false, headers: headers, body: body, host: host)
        case (.POST, 2) where path == "/v1/predictions":
            create(context: context, model: nil, version: true, headers: headers, body: body, host: host)
        case (.GET, 3) where segments[0] == "v1" && segments[1] == "predictions":
            guard let prediction = predictions.peek(segments[2]) else { return fail(context, 404, "Not found", "The requested resource could not be found.") }
            if Self.prompt(prediction).contains("[mock:poll-500]") { return fail(context, 500, "Internal Server Error", "Something went wrong.") }
            sendJSONValue(context: context, status: 200, Self.object(prediction, host: host))
        case (.POST, 4) where segments[0] == "v1" && segments[1] == "predictions" && segments[3] == "cancel":
            guard let prediction = predictions.cancel(segments[2]) else { return fail(context, 404, "Not found", "The requested resource could not be found.") }
            sendJSONValue(context: context, status: 200, Self.object(prediction, host: host))
        default:
            fail(context, 404, "Not found", "The requested resource could not be found.")
        }
    }

    static func prompt(_ prediction: MockReplicatePredictions.Prediction) -> String { prompt(prediction.input) }

    /// Where a model's scenario marker is: the image and video models' `prompt`, the speech
    /// models' `text`, the Whisper models' `initial_prompt`.
    static func prompt(_ input: JSONObject) -> String {
        (input["prompt"] ?? input["text"] ?? input["initial_prompt"])?.stringValue ?? ""
    }

    private func create(context: ChannelHandlerContext, model named: String?, version: Bool, headers: [String: String], body: [UInt8], host: String) {
        let modelName: String, model: MockReplicateUpstream.Model, input: JSONObject
        switch Self.checkCreate(named: named, version: version, body: body) {
        case .failure(let problem): return fail(context, problem.status, problem.title, problem.detail)
        case .success(let accepted): (modelName, model, input) = accepted
        }
        var wait: Double?
        if let prefer = headers["prefer"] {
            guard prefer.hasPrefix("wait") else { return fail(context, 400, "Invalid Prefer header", "Prefer must be 'wait' or 'wait=N'") }
            if prefer == "wait" {
                wait = 60
            } else if prefer.hasPrefix("wait="), let seconds = Int(prefer.dropFirst(5)), (1...60).contains(seconds) {
                wait = Double(seconds)
            } else {
                return fail(context, 400, "Invalid Prefer header", "wait must be an integer between 1 and 60 seconds")
            }
        }
        let prompt = Self.prompt(input)
        if prompt.contains("[mock:error-500]") { return fail(context, 500, "Internal Server Error", "Something went wrong.") }
        if prompt.contains("[mock:error-429]") {
            return fail(context, 429, "Too Many Requests", "Request was throttled. Your rate limit resets in ~1s.", headers: [("retry-after", "1")])
        }
        if prompt.contains("[mock:error-402]") {
            return fail(context, 402, "Insufficient credit", "You have insufficient credit to run this model. Go to https://replicate.com/account/billing#billing to purchase credit.")
        }
        var runSeconds = model.runSeconds
        if prompt.contains("[mock:stuck]") { runSeconds = .infinity }
        if prompt.contains("[mock:slow]") { runSeconds = 4 }
        let prediction = predictions.create { id in
            var outputs = 1
            if case .images(list: true) = model.kind, case .number(let lexeme)? = input["num_outputs"] { outputs = Int(lexeme) ?? 1 }
            let ext = switch model.kind {
            case .video: "mp4"
            case .speech(let format): input["audio_format"]?.stringValue ?? format
            case .images, .whisper, .fastWhisper: input["output_format"]?.stringValue ?? "webp"
            }
            var urls = (0..<outputs).map { "http://\(host)/delivery/\(id)/out-\($0).\(ext)" }
            if prompt.contains("[mock:data-uri]") { urls = ["data:image/png;base64," + MockMedia.pngBase64] }
            if prompt.contains("[mock:metadata-url]") { urls = ["http://169.254.169.254/latest/meta-data/out-0.png"] }
            return MockReplicatePredictions.Prediction(id: id, model: modelName, input: input, created: .now(), runSeconds: runSeconds,
                                                       kind: model.kind, outputs: outputs, fails: prompt.contains("[mock:failed]"), output: urls)
        }
        // Sync mode: hold the answer until the prediction ends or the wait passes.
        let holdUntil: NIODeadline? = wait.map { seconds in
            let waitEnds = prediction.created + .nanoseconds(Int64(seconds * 1e9))
            return prediction.endsAt.map { min($0, waitEnds) } ?? waitEnds
        }
        guard let holdUntil, holdUntil > .now() else {
            return sendJSONValue(context: context, status: 201, Self.object(prediction, host: host))
        }
        let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
        let id = prediction.id
        context.eventLoop.scheduleTask(deadline: holdUntil) {
            guard let current = self.predictions.peek(id) else { return }
            self.sendJSONValue(context: loopBound.value, status: 201, Self.object(current, host: host))
        }
    }

    struct Problem: Error {
        var status: Int
        var title: String
        var detail: String
    }

    /// The create call's body, as Replicate checks it: a JSON object with only the documented
    /// top-level fields, a known model (or `version`), an `input` its schema accepts.
    static func checkCreate(named: String?, version: Bool, body: [UInt8]) -> Result<(String, MockReplicateUpstream.Model, JSONObject), Problem> {
        guard let object = (try? JSONParser.parse(body))?.objectValue else {
            return .failure(Problem(status: 400, title: "Bad request", detail: "The request body must be a JSON object."))
        }
        let allowed: Set<String> = version ? ["version", "input", "webhook", "webhook_events_filter", "stream"]
                                           : ["input", "webhook", "webhook_events_filter", "stream"]
        for key in object.keys where !allowed.contains(key) {
            return .failure(Problem(status: 422, title: "Invalid request", detail: "- (root): Additional property \(key) is not allowed"))
        }
        var modelName = named ?? ""
        if version {
            guard let requested = object["version"]?.stringValue else {
                return .failure(Problem(status: 422, title: "Invalid request", detail: "- (root): version is required"))
            }
            let id = requested.split(separator: ":").last.map(String.init) ?? requested
            guard let match = MockReplicateUpstream.models.keys.first(where: { $0.hasSuffix(":" + id) }) else {
                return .failure(Problem(status: 422, title: "Invalid version or not permitted",
                                        detail: "The specified version does not exist (or perhaps you don't have permission to use it?)"))
            }
            modelName = match
        }
        guard let model = MockReplicateUpstream.models[modelName] ?? MockReplicateUpstream.audioModels[modelName] else {
            return .failure(Problem(status: 404, title: "Not found", detail: "The requested resource could not be found."))
        }
        guard let input = object["input"]?.objectValue else {
            return .failure(Problem(status: 422, title: "Invalid request", detail: "- (root): input is required"))
        }
        if let problem = validate(input, against: model) { return .failure(Problem(status: 422, title: "Input validation failed", detail: problem)) }
        return .success((modelName, model, input))
    }

    /// The token check every call but the delivery files gets: `Bearer <token>` or `Token <token>`.
    static func authorized(_ headers: [String: String]) -> Bool {
        guard let authorization = headers["authorization"] else { return false }
        return (authorization.hasPrefix("Bearer ") && authorization.count > 7) || (authorization.hasPrefix("Token ") && authorization.count > 6)
    }

    static func validate(_ input: JSONObject, against model: MockReplicateUpstream.Model) -> String? {
        for (name, rule) in model.inputs {
            guard let value = input[name], value != .null else {
                if case .string(required: true) = rule { return "- input: \(name) is required" }
                continue
            }
            switch rule {
            case .string:
                guard let text = value.stringValue, !text.isEmpty else { return "- input.\(name): Invalid type. Expected: string" }
            case .choice(let choices):
                guard let text = value.stringValue, choices.contains(text) else {
                    return "- input.\(name): \(name) must be one of the following: \(choices.map { "\"\($0)\"" }.joined(separator: ", "))"
                }
            case .integer(let range, let step):
                guard case .number(let lexeme) = value, let number = Int(lexeme) else { return "- input.\(name): Invalid type. Expected: integer" }
                guard range.contains(number) else { return "- input.\(name): Must be between \(range.lowerBound) and \(range.upperBound)" }
                guard number % step == 0 else { return "- input.\(name): Must be a multiple of \(step)" }
            case .integerChoice(let choices):
                guard case .number(let lexeme) = value, let number = Int(lexeme), choices.contains(number) else {
                    return "- input.\(name): \(name) must be one of the following: \(choices.map(String.init).joined(separator: ", "))"
                }
            case .boolean:
                guard value.boolValue != nil else { return "- input.\(name): Invalid type. Expected: boolean" }
            case .number(let range):
                guard let number = value.doubleValue else { return "- input.\(name): Invalid type. Expected: number" }
                guard range.contains(number) else { return "- input.\(name): Must be between \(range.lowerBound) and \(range.upperBound)" }
            case .file:
                guard let text = value.stringValue, MockReplicateAudio.isFile(text) else { return "- input.\(name): Does not match format 'uri'" }
            }
        }
        if input["resolution"]?.stringValue == "1080p", case .number(let lexeme)? = input["duration"], lexeme == "10",
           model.inputs["prompt_optimizer"] != nil {
            return "- input: 1080p is only available with a duration of 6 seconds"
        }
        return nil
    }

    static func object(_ prediction: MockReplicatePredictions.Prediction, host: String) -> JSONValue {
        let status = prediction.status(at: .now())
        let api = "http://\(host)/v1/predictions/\(prediction.id)"
        let modelName = prediction.model.split(separator: ":").first.map(String.init) ?? prediction.model
        var output: JSONValue = .null
        if status == "succeeded" {
            switch prediction.kind {
            case .images(list: true): output = .array(prediction.output.map(JSONValue.string))
            case .images(list: false), .video, .speech: output = .string(prediction.output[0])
            case .whisper: output = MockReplicateAudio.whisperOutput(prediction.input)
            case .fastWhisper: output = MockReplicateAudio.fastWhisperOutput(prediction.input)
            }
        }
        let error: JSONValue = status == "failed" ? "CUDA error: out of memory (the mock's failure)" : .null
        let terminal = status == "succeeded" || status == "failed" || status == "canceled"
        return .object(JSONObject([
            ("id", .string(prediction.id)), ("model", .string(modelName)),
            ("version", .string(prediction.model.split(separator: ":").dropFirst().first.map(String.init) ?? "dp-mock0123456789")),
            ("input", .object(prediction.input)), ("logs", ""), ("output", output), ("data_removed", false), ("error", error),
            ("status", .string(status)), ("created_at", "2026-11-24T10:00:00.000Z"),
            ("started_at", status == "starting" ? .null : "2026-11-24T10:00:00.100Z"),
            ("completed_at", terminal ? "2026-11-24T10:00:02.000Z" : .null),
            ("urls", ["get": .string(api), "cancel": .string(api + "/cancel"), "stream": .string("http://\(host)/stream/\(prediction.id)"),
                      "web": .string("https://replicate.com/p/\(prediction.id)")]),
            ("metrics", terminal ? ["predict_time": .double(min(prediction.runSeconds, 60))] : .object(JSONObject())),
        ]))
    }
}
