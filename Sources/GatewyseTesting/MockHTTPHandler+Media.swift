import GatewyseCore
import NIOCore
import NIOHTTP1

// MARK: - Images and audio, as OpenAI serves them (providers.md §1 "Other endpoints")

extension MockHTTPHandler {
    /// `POST …/images/generations`: the shape `MockOpenAIMediaValidator.image` checks (400 like
    /// OpenAI otherwise); `n` images of a 1×1 PNG, as `b64_json` or as a URL. Error models behave as for chat.
    func images(context: ChannelHandlerContext, body: JSONValue?) {
        if let rejection = MockOpenAIMediaValidator.image(body) { return reject(context: context, rejection) }
        let object = body?.objectValue ?? JSONObject()
        let model = object["model"]?.stringValue ?? ""
        let prompt = object["prompt"]?.stringValue ?? ""
        let n = object["n"]?.intValue ?? 1
        let asURL = object["response_format"]?.stringValue == "url"
        let answer: @Sendable (ChannelHandlerContext) -> Void = { context in
            let data: [JSONValue] = (0..<n).map { _ in
                asURL ? ["url": "https://images.mock.invalid/img-mock.png", "revised_prompt": .string(prompt)]
                      : ["b64_json": .string(MockMedia.pngBase64), "revised_prompt": .string(prompt)]
            }
            self.sendJSON(context: context, status: .ok, ["created": 1_700_000_000, "data": .array(data)])
        }
        if playFailure(MockScenario.forModel(model), context: context, answer: answer) { return }
        answer(context)
    }

    /// `POST …/images/edits` (multipart): an `image` (or `image[]`) file and a `prompt` are
    /// required, as OpenAI requires them; the answer is `images`' (`n` 1×1 PNGs).
    func imageEdit(context: ChannelHandlerContext, head: HTTPRequestHead, body: [UInt8]) {
        guard let boundary = MultipartForm.boundary(contentType: head.headers.first(name: "content-type")),
              let form = try? MultipartForm(body: body, boundary: boundary) else {
            return sendError(context: context, status: 400, type: "invalid_request_error", code: nil, message: "Could not parse multipart form")
        }
        guard form.parts.contains(where: { ($0.name == "image" || $0.name == "image[]") && $0.filename != nil && !$0.valueRange.isEmpty }) else {
            return sendError(context: context, status: 400, type: "invalid_request_error", code: nil,
                             message: "'image' is a required property", param: "image")
        }
        guard let prompt = form.text("prompt", in: body), !prompt.isEmpty else {
            return sendError(context: context, status: 400, type: "invalid_request_error", code: nil,
                             message: "'prompt' is a required property", param: "prompt")
        }
        var fields = JSONObject([("model", .string(form.text("model", in: body) ?? "")), ("prompt", .string(prompt))])
        if let n = form.text("n", in: body).flatMap(Int.init) { fields["n"] = .int(n) }
        if let format = form.text("response_format", in: body) { fields["response_format"] = .string(format) }
        images(context: context, body: .object(fields))
    }

    /// `POST …/audio/transcriptions|translations`: the multipart shape
    /// `MockOpenAIMediaValidator.transcription` checks (400 otherwise); answers in the `response_format`
    /// asked for, the duration read from the WAV when it is one.
    func transcription(context: ChannelHandlerContext, head: HTTPRequestHead, body: [UInt8], translation: Bool) {
        if let rejection = MockOpenAIMediaValidator.transcription(contentType: head.headers.first(name: "content-type"), body: body) {
            return reject(context: context, rejection)
        }
        // Both parse: the validator has just checked them.
        guard let boundary = MultipartForm.boundary(contentType: head.headers.first(name: "content-type")),
              let form = try? MultipartForm(body: body, boundary: boundary), let file = form.part(named: "file") else { return }
        let model = form.text("model", in: body) ?? ""
        let format = form.text("response_format", in: body) ?? "json"
        let seconds = Double(AudioDuration.milliseconds(ofWAV: body[file.valueRange]) ?? 1000) / 1000
        let text = translation ? "Hello from the mock translation." : "Hello from the mock transcription."
        let language = translation ? "english" : (form.text("language", in: body) ?? "english")
        let answer: @Sendable (ChannelHandlerContext) -> Void = { context in
            switch format {
            case "json":
                self.sendJSON(context: context, status: .ok, ["text": .string(text)])
            case "verbose_json":
                let segment: JSONValue = ["id": 0, "seek": 0, "start": 0.0, "end": .double(seconds), "text": .string(" " + text),
                                          "tokens": [50364, 2425], "temperature": 0.0, "avg_logprob": -0.2, "compression_ratio": 1.0,
                                          "no_speech_prob": 0.01]
                var object = JSONObject([("task", .string(translation ? "translate" : "transcribe")), ("language", .string(language)),
                                         ("duration", .double(seconds)), ("text", .string(text)), ("segments", [segment])])
                if form.parts(named: "timestamp_granularities[]").contains(where: { String(decoding: body[$0.valueRange], as: UTF8.self) == "word" }) {
                    object["words"] = [["word": "Hello", "start": 0.0, "end": 0.4]]
                }
                self.sendJSON(context: context, status: .ok, .object(object))
            case "text":
                self.sendText(context: context, text + "\n", contentType: "text/plain; charset=utf-8")
            case "srt":
                self.sendText(context: context, "1\n00:00:00,000 --> 00:00:01,000\n\(text)\n\n", contentType: "text/plain; charset=utf-8")
            case "vtt":
                self.sendText(context: context, "WEBVTT\n\n00:00:00.000 --> 00:00:01.000\n\(text)\n\n", contentType: "text/plain; charset=utf-8")
            default:
                self.sendError(context: context, status: 400, type: "invalid_request_error", code: nil,
                               message: "Invalid response_format '\(format)'.", param: "response_format")
            }
        }
        if playFailure(MockScenario.forModel(model), context: context, answer: answer) { return }
        answer(context)
    }

    /// `POST …/audio/speech`: the shape `MockOpenAIMediaValidator.speech` checks (400
    /// otherwise); a WAV (or an MP3 frame stream)
    /// sent in `MockMedia.speechChunks` chunks, `speech-slow` holding the last one back for
    /// `MockMedia.slowLastChunk` so a test can see the first bytes arrive before the end.
    func speech(context: ChannelHandlerContext, body: JSONValue?) {
        if let rejection = MockOpenAIMediaValidator.speech(body) { return reject(context: context, rejection) }
        let object = body?.objectValue ?? JSONObject()
        let model = object["model"]?.stringValue ?? ""
        let format = object["response_format"]?.stringValue ?? "mp3"
        let bytes = format == "wav" ? MockMedia.wav(milliseconds: 500) : MockMedia.mp3(frames: 40)
        let slowLast = model == "speech-slow"
        let answer: @Sendable (ChannelHandlerContext) -> Void = { context in
            let headers = HTTPHeaders([("Content-Type", format == "wav" ? "audio/wav" : "audio/mpeg"), ("Transfer-Encoding", "chunked"),
                                       ("x-request-id", "req_mock")])
            context.writeAndFlush(self.wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .ok, headers: headers))), promise: nil)
            let size = (bytes.count + MockMedia.speechChunks - 1) / MockMedia.speechChunks
            let chunks = stride(from: 0, to: bytes.count, by: size).map { Array(bytes[$0..<min($0 + size, bytes.count)]) }
            self.sendChunks(context: context, chunks[...], interval: .milliseconds(5), lastDelay: slowLast ? MockMedia.slowLastChunk : nil)
        }
        if playFailure(MockScenario.forModel(model), context: context, answer: answer) { return }
        answer(context)
    }

    func reject(context: ChannelHandlerContext, _ rejection: MockOpenAIMediaValidator.Rejection) {
        sendError(context: context, status: rejection.status, type: "invalid_request_error", code: nil, message: rejection.message,
                  param: rejection.param)
    }

    private func sendChunks(context: ChannelHandlerContext, _ chunks: ArraySlice<[UInt8]>, interval: TimeAmount, lastDelay: TimeAmount?) {
        guard context.channel.isActive else { return recorder.streamAbandoned() }
        guard let first = chunks.first else {
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
            return
        }
        context.writeAndFlush(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: first)))), promise: nil)
        let rest = chunks.dropFirst()
        let delay = rest.count == 1 ? (lastDelay ?? interval) : interval
        let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
        context.eventLoop.scheduleTask(in: delay) { self.sendChunks(context: loopBound.value, rest, interval: interval, lastDelay: lastDelay) }
    }

    func sendText(context: ChannelHandlerContext, _ text: String, contentType: String) {
        let bytes = Array(text.utf8)
        let headers = HTTPHeaders([("Content-Type", contentType), ("Content-Length", String(bytes.count)), ("x-request-id", "req_mock")])
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .ok, headers: headers))), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: bytes)))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
    }

    /// What the recorder keeps of a multipart request: its text fields, and of each file its
    /// name, content type and size (not its bytes).
    static func describeForm(_ body: [UInt8], contentType: String?) -> JSONValue? {
        guard let boundary = MultipartForm.boundary(contentType: contentType),
              let form = try? MultipartForm(body: body, boundary: boundary) else { return nil }
        var object = JSONObject()
        for part in form.parts {
            if let filename = part.filename {
                object[part.name] = ["filename": .string(filename), "content_type": part.contentType.map(JSONValue.string) ?? .null,
                                     "bytes": .int(part.valueRange.count)]
            } else {
                let value = JSONValue.string(String(decoding: body[part.valueRange], as: UTF8.self))
                if case .array(var values)? = object[part.name] { values.append(value); object[part.name] = .array(values) }
                else if let existing = object[part.name] { object[part.name] = [existing, value] }
                else { object[part.name] = value }
            }
        }
        return .object(object)
    }
}

/// The mock's media: a real 1×1 PNG, a real PCM WAV of silence-free tone, and MP3 frames with
/// valid headers (MPEG-1 Layer III, 128 kbit/s, 44.1 kHz), so clients that check headers pass.
enum MockMedia {
    static let speechChunks = 8
    static let slowLastChunk: TimeAmount = .milliseconds(800)

    static let pngBase64 = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="

    /// 16-bit mono PCM at 24 kHz, a square-ish tone.
    static func wav(milliseconds: Int) -> [UInt8] {
        let rate = 24_000
        let samples = rate * milliseconds / 1000
        func le32(_ v: Int) -> [UInt8] { [UInt8(v & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v >> 16 & 0xFF), UInt8(v >> 24 & 0xFF)] }
        func le16(_ v: Int) -> [UInt8] { [UInt8(v & 0xFF), UInt8(v >> 8 & 0xFF)] }
        var out = Array("RIFF".utf8) + le32(36 + samples * 2) + Array("WAVEfmt ".utf8)
        out += le32(16) + le16(1) + le16(1) + le32(rate) + le32(rate * 2) + le16(2) + le16(16)
        out += Array("data".utf8) + le32(samples * 2)
        for i in 0..<samples { out += le16((i / 30) % 2 == 0 ? 0x2000 : 0xE000) }
        return out
    }

    /// `frames` MP3 frames of 417 bytes each, headed `FF FB 90 64`, zero payload.
    static func mp3(frames: Int) -> [UInt8] {
        var frame: [UInt8] = [0xFF, 0xFB, 0x90, 0x64]
        frame += [UInt8](repeating: 0, count: 417 - 4)
        return (0..<frames).flatMap { _ in frame }
    }
}
