import GatewyseCore
import NIOCore
import NIOHTTP1

/// Serves one connection of `MockAnthropicUpstream`: routes, validates, answers.
final class MockAnthropicHTTPHandler: MockHTTPConnection, @unchecked Sendable {
    // @unchecked: all state is touched on the channel's event loop only.

    override func respond(context: ChannelHandlerContext, head: HTTPRequestHead, body: [UInt8]) {
        let path = head.uri.split(separator: "?").first.map(String.init) ?? head.uri
        switch (head.method, path) {
        case (.POST, "/v1/messages"):
            var headers: [String: String] = [:]
            for (name, value) in head.headers { headers[name.lowercased()] = value }
            let json = try? JSONParser.parse(body)
            recorder.record(RecordedRequest(method: "POST", path: path, headers: headers, body: json))
            if let rejection = MockAnthropicValidator.validate(headers: headers, body: json) {
                sendError(context: context, status: rejection.status, type: rejection.type, message: rejection.message)
                return
            }
            messages(context: context, body: json?.objectValue ?? JSONObject())
        default:
            sendError(context: context, status: 404, type: "not_found_error", message: "Not found: \(head.method) \(path)")
        }
    }

    private func messages(context: ChannelHandlerContext, body: JSONObject) {
        let model = body["model"]?.stringValue ?? ""
        let stream = body["stream"]?.boolValue ?? false
        switch MockAnthropicScenario.forRequest(model: model, body: body) {
        case .error(let status, let headers, let type, let message):
            sendError(context: context, status: status, type: type, message: message, headers: headers)
        case .reply(let reply):
            if stream {
                sendStream(context: context, events: MockAnthropicResponses.streamEvents(reply, model: model))
            } else {
                sendJSON(context: context, status: 200, MockAnthropicResponses.message(reply, model: model))
            }
        case .failingStream:
            guard stream else {
                sendError(context: context, status: 529, type: "overloaded_error", message: "Overloaded")
                return
            }
            // In one write: the text and the error reach the gateway in the same read.
            sendStream(context: context, events: MockAnthropicResponses.failingStreamEvents(model: model), oneWrite: true)
        }
    }

    // MARK: Writing

    private func sendJSON(context: ChannelHandlerContext, status: Int, _ json: JSONValue, extraHeaders: [(String, String)] = []) {
        let bytes = JSONWriter.bytes(json)
        var headers = HTTPHeaders([("content-type", "application/json"), ("content-length", String(bytes.count)),
                                   ("request-id", MockAnthropicResponses.requestID)])
        for (name, value) in extraHeaders { headers.add(name: name, value: value) }
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: HTTPResponseStatus(statusCode: status), headers: headers))), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: bytes)))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
    }

    /// Anthropic's error envelope (providers.md §2 "Errors").
    private func sendError(context: ChannelHandlerContext, status: Int, type: String, message: String, headers: [(String, String)] = []) {
        let body: JSONValue = ["type": "error", "error": ["type": .string(type), "message": .string(message)],
                               "request_id": .string(MockAnthropicResponses.requestID)]
        sendJSON(context: context, status: status, body, extraHeaders: headers)
    }

    /// Named events, `event: <type>` + `data: <json>`, no `[DONE]` (providers.md §2 "Streaming"),
    /// one body write per event, or all in one (`oneWrite`).
    private func sendStream(context: ChannelHandlerContext, events: [JSONValue], oneWrite: Bool = false) {
        let headers = HTTPHeaders([("content-type", "text/event-stream; charset=utf-8"), ("cache-control", "no-cache"),
                                   ("request-id", MockAnthropicResponses.requestID)])
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .ok, headers: headers))), promise: nil)
        var out: [UInt8] = []
        for event in events {
            SSEEncoder.encodeData(event, event: event["type"]?.stringValue, into: &out)
            if oneWrite { continue }
            context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: out)))), promise: nil)
            out.removeAll(keepingCapacity: true)
        }
        if !out.isEmpty { context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: out)))), promise: nil) }
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
    }
}
