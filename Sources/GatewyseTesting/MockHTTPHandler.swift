import GatewyseCore
import NIOCore
import NIOHTTP1

/// Serves one connection of the mock upstream.
final class MockHTTPHandler: MockHTTPConnection, @unchecked Sendable {
    // @unchecked: all state is touched on the channel's event loop only.

    override func respond(context: ChannelHandlerContext, head: HTTPRequestHead, body: [UInt8]) {
        let path = head.uri.split(separator: "?").first.map(String.init) ?? head.uri
        let served = head.method == .POST && ["/chat/completions", "/rerank", "/embeddings", "/images/generations", "/images/edits", "/audio/transcriptions",
                                              "/audio/translations", "/audio/speech"].contains { path.hasSuffix($0) } || (head.method == .POST && Self.isFireworksWorkflow(path))
        guard served else {
            sendError(context: context, status: 404, type: "invalid_request_error", code: "unknown_url", message: "Unknown request URL: \(head.method) \(path).")
            return
        }
        // Every request to a served route is recorded, parsed or not, with lowercased header names.
        let isForm = path.hasSuffix("/audio/transcriptions") || path.hasSuffix("/audio/translations") || path.hasSuffix("/images/edits")
        let json = isForm ? MockHTTPHandler.describeForm(body, contentType: head.headers.first(name: "content-type")) : try? JSONParser.parse(body)
        var headers: [String: String] = [:]
        for (name, value) in head.headers { headers[name.lowercased()] = value }
        recorder.record(RecordedRequest(method: "POST", path: head.uri, headers: headers, body: json))
        switch path {
        case _ where Self.isFireworksWorkflow(path):
            fireworksImage(context: context, path: path, headers: headers, body: json)
        case _ where path.hasSuffix("/chat/completions"):
            guard let object = json?.objectValue, let model = object["model"]?.stringValue else {
                sendError(context: context, status: 400, type: "invalid_request_error", code: "invalid_json", message: "We could not parse the JSON body of your request.")
                return
            }
            chat(context: context, model: model, body: object)
        case _ where path.hasSuffix("/rerank"):
            rerank(context: context, headers: headers, body: json)
        case _ where path.hasSuffix("/embeddings"):
            embeddings(context: context, uri: head.uri, path: path, headers: headers, body: json)
        case _ where path.hasSuffix("/images/generations"):
            images(context: context, body: json)
        case _ where path.hasSuffix("/images/edits"):
            imageEdit(context: context, head: head, body: body)
        case _ where path.hasSuffix("/audio/transcriptions"):
            transcription(context: context, head: head, body: body, translation: false)
        case _ where path.hasSuffix("/audio/translations"):
            transcription(context: context, head: head, body: body, translation: true)
        case _ where path.hasSuffix("/audio/speech"):
            speech(context: context, body: json)
        default:
            sendError(context: context, status: 404, type: "invalid_request_error", code: "unknown_url", message: "Unknown request URL: \(head.method) \(path).")
        }
    }

    /// The scenarios every route plays alike: an error answer, a reset connection, or the route's
    /// own `answer` after a delay. Returns whether `scenario` was one of them.
    func playFailure(_ scenario: MockScenario, context: ChannelHandlerContext,
                     answer: @escaping @Sendable (ChannelHandlerContext) -> Void) -> Bool {
        switch scenario {
        case .error(let status, let headers, let type, let code, let message):
            sendError(context: context, status: status, type: type, code: code, message: message, headers: headers)
        case .reset:
            context.close(promise: nil)
        case .slow(let milliseconds):
            let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
            let recorder = recorder
            recorder.slowAnswerStarted()
            context.eventLoop.scheduleTask(in: .milliseconds(Int64(milliseconds))) {
                recorder.slowAnswerEnded()
                guard loopBound.value.channel.isActive else { return }
                answer(loopBound.value)
            }
        default:
            return false
        }
        return true
    }

    private func chat(context: ChannelHandlerContext, model: String, body: JSONObject) {
        let stream = body["stream"]?.boolValue ?? false
        let includeUsage = body["stream_options"]?["include_usage"]?.boolValue ?? false
        let scenario = MockScenario.forModel(model)
        let played = playFailure(scenario, context: context) { context in
            self.sendJSON(context: context, status: .ok, MockResponses.completion(model: model, message: ["role": "assistant", "content": "finally"], finishReason: "stop"))
        }
        if played { return }
        switch scenario {
        case .error, .reset, .slow:
            return  // played above
        case .echo:
            let text = MockResponses.echoText(body)
            if stream {
                sendStream(context: context, frames: textFrames(model: model, text: text, includeUsage: includeUsage))
            } else {
                sendJSON(context: context, status: .ok, MockResponses.completion(model: model, message: ["role": "assistant", "content": .string(text), "refusal": nil], finishReason: "stop"))
            }
        case .reasoning:
            let text = MockResponses.echoText(body)
            if stream {
                sendStream(context: context, frames: textFrames(model: model, text: text, includeUsage: includeUsage, usage: MockResponses.reasoningUsage))
            } else {
                sendJSON(context: context, status: .ok, MockResponses.completion(model: model, message: ["role": "assistant", "content": .string(text)],
                                                                                  finishReason: "stop", usage: MockResponses.reasoningUsage))
            }
        case .json:
            let text = "{\"answer\": 42}"
            if stream {
                sendStream(context: context, frames: textFrames(model: model, text: text, includeUsage: includeUsage))
            } else {
                sendJSON(context: context, status: .ok, MockResponses.completion(model: model, message: ["role": "assistant", "content": .string(text)], finishReason: "stop"))
            }
        case .toolCall:
            let name = MockResponses.toolName(body)
            if stream {
                sendStream(context: context, frames: toolFrames(model: model, name: name, includeUsage: includeUsage))
            } else {
                let call: JSONValue = ["id": "call_mock_1", "type": "function", "function": ["name": .string(name), "arguments": .string(MockResponses.toolArguments)]]
                sendJSON(context: context, status: .ok, MockResponses.completion(model: model, message: ["role": "assistant", "content": nil, "tool_calls": [call]], finishReason: "tool_calls"))
            }
        case .slowStream:
            let pieces = (0..<50).map { "piece\($0) " }
            var frames = [MockResponses.chunk(model: model, delta: ["role": "assistant", "content": ""])]
            frames += pieces.map { MockResponses.chunk(model: model, delta: ["content": .string($0)]) }
            frames.append(MockResponses.chunk(model: model, delta: [:], finishReason: "stop"))
            sendStream(context: context, frames: frames, interval: .milliseconds(100))
        case .pacedStream:
            let words = (1...20).map { "word\($0) " }.joined()
            sendStream(context: context, frames: textFrames(model: model, text: words, includeUsage: includeUsage), interval: .milliseconds(5))
        case .slowFirstToken:
            let headers = HTTPHeaders([("Content-Type", "text/event-stream"), ("Cache-Control", "no-cache"), ("x-request-id", "req_mock")])
            context.writeAndFlush(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .ok, headers: headers))), promise: nil)
            let frames: [[UInt8]] = textFrames(model: model, text: "late", includeUsage: includeUsage).map { frame in
                var out: [UInt8] = []
                SSEEncoder.encodeData(frame, into: &out)
                return out
            } + [SSEEncoder.done]
            let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
            context.eventLoop.scheduleTask(in: .seconds(1)) {
                self.sendPaced(context: loopBound.value, frames: frames[...], interval: .milliseconds(10))
            }
        case .truncatedStream:
            let frames = [MockResponses.chunk(model: model, delta: ["role": "assistant", "content": ""]),
                          MockResponses.chunk(model: model, delta: ["content": "partial "])]
            sendStream(context: context, frames: frames, terminate: false)
        case .failingStream:
            guard stream else {
                sendError(context: context, status: 500, type: "server_error", code: nil, message: "The server had an error while processing your request. Sorry about that!")
                return
            }
            var frames = [MockResponses.chunk(model: model, delta: ["role": "assistant", "content": ""])]
            frames += MockResponses.pieces("Waves fold into foam").map { MockResponses.chunk(model: model, delta: ["content": .string($0)]) }
            frames.append(["error": ["message": "The server had an error while processing your request. Sorry about that!",
                                     "type": "server_error", "param": nil, "code": nil]])
            sendInOneWrite(context: context, frames: frames)
        }
    }

    private func textFrames(model: String, text: String, includeUsage: Bool, usage: JSONValue = MockResponses.usage) -> [JSONValue] {
        var frames = [MockResponses.chunk(model: model, delta: ["role": "assistant", "content": ""])]
        frames += MockResponses.pieces(text).map { MockResponses.chunk(model: model, delta: ["content": .string($0)]) }
        frames.append(MockResponses.chunk(model: model, delta: [:], finishReason: "stop"))
        if includeUsage { frames.append(MockResponses.usageChunk(model: model, usage: usage)) }
        return frames
    }

    private func toolFrames(model: String, name: String, includeUsage: Bool) -> [JSONValue] {
        let opener: JSONValue = ["index": 0, "id": "call_mock_1", "type": "function", "function": ["name": .string(name), "arguments": ""]]
        var frames = [MockResponses.chunk(model: model, delta: ["role": "assistant", "content": nil, "tool_calls": [opener]])]
        for fragment in ["{\"ci", "ty\": ", "\"Paris\"}"] {
            frames.append(MockResponses.chunk(model: model, delta: ["tool_calls": [["index": 0, "function": ["arguments": .string(fragment)]]]]))
        }
        frames.append(MockResponses.chunk(model: model, delta: [:], finishReason: "tool_calls"))
        if includeUsage { frames.append(MockResponses.usageChunk(model: model)) }
        return frames
    }

    // MARK: Writing

    func sendJSON(context: ChannelHandlerContext, status: HTTPResponseStatus, _ json: JSONValue, extraHeaders: [(String, String)] = []) {
        let bytes = JSONWriter.bytes(json)
        var headers = HTTPHeaders([("Content-Type", "application/json"), ("Content-Length", String(bytes.count)), ("x-request-id", "req_mock")])
        for (name, value) in extraHeaders { headers.add(name: name, value: value) }
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: status, headers: headers))), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: bytes)))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
    }

    func sendError(context: ChannelHandlerContext, status: Int, type: String, code: String?, message: String, param: String? = nil,
                           headers: [(String, String)] = []) {
        let body: JSONValue = ["error": ["message": .string(message), "type": .string(type), "param": param.map(JSONValue.string) ?? .null,
                                         "code": code.map(JSONValue.string) ?? .null]]
        sendJSON(context: context, status: HTTPResponseStatus(statusCode: status), body, extraHeaders: headers)
    }

    private func sendStream(context: ChannelHandlerContext, frames: [JSONValue], interval: TimeAmount? = nil, terminate: Bool = true) {
        let headers = HTTPHeaders([("Content-Type", "text/event-stream"), ("Cache-Control", "no-cache"), ("x-request-id", "req_mock")])
        context.writeAndFlush(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .ok, headers: headers))), promise: nil)
        var encoded: [[UInt8]] = frames.map { frame in
            var out: [UInt8] = []
            SSEEncoder.encodeData(frame, into: &out)
            return out
        }
        if terminate { encoded.append(SSEEncoder.done) }
        guard let interval else {
            for bytes in encoded { context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: bytes)))), promise: nil) }
            if terminate {
                context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
            } else {
                // Drop the connection mid-stream, as a crashed upstream would.
                context.flush()
                context.close(promise: nil)
            }
            return
        }
        sendPaced(context: context, frames: encoded[...], interval: interval)
    }

    /// Every frame in one body write (one chunk on the wire, so one read for the gateway), then
    /// the end of the response, without `[DONE]`: how OpenAI ends a stream that failed in-band.
    private func sendInOneWrite(context: ChannelHandlerContext, frames: [JSONValue]) {
        let headers = HTTPHeaders([("Content-Type", "text/event-stream"), ("Cache-Control", "no-cache"), ("x-request-id", "req_mock")])
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .ok, headers: headers))), promise: nil)
        var out: [UInt8] = []
        for frame in frames { SSEEncoder.encodeData(frame, into: &out) }
        context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: out)))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
    }

    private func sendPaced(context: ChannelHandlerContext, frames: ArraySlice<[UInt8]>, interval: TimeAmount) {
        guard context.channel.isActive else {
            recorder.streamAbandoned()
            return
        }
        guard let first = frames.first else {
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
            return
        }
        context.writeAndFlush(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: first)))), promise: nil)
        let rest = frames.dropFirst()
        let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
        context.eventLoop.scheduleTask(in: interval) {
            self.sendPaced(context: loopBound.value, frames: rest, interval: interval)
        }
    }

    static func encode(_ request: RecordedRequest) -> JSONValue {
        var headers = JSONObject()
        for (name, value) in request.headers.sorted(by: { $0.key < $1.key }) { headers.appendUnique(name, .string(value)) }
        return ["method": .string(request.method), "path": .string(request.path), "headers": .object(headers), "body": request.body ?? .null]
    }
}
