import GatewyseCore
import NIOCore
import NIOHTTP1
import NIOPosix

/// A mock Cohere API v2 upstream on loopback, faithful to providers.md §7 and the §5 checklist:
/// `POST /v2/chat`, JSON or (with `stream: true`) SSE events with `event: <type>` and
/// `data: {"type": <type>, …}` in the documented order, validated as the real API does
/// (`MockCohereValidator`), Cohere error bodies `{"id", "message"}`; `POST /v2/embed`
/// (`MockCohereEmbed`) and `POST /v2/rerank` (`MockCohereRerank`). The scenario is chosen by
/// the request's model (`MockCohereScenario`). Every request is recorded, readable at
/// `GET /__mock/requests`.
public final class MockCohereUpstream: MockUpstream, @unchecked Sendable {
    /// Starts listening on 127.0.0.1 (port 0: any free port).
    public static func start(port: Int = 0, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) async throws -> MockCohereUpstream {
        let recorder = MockRecorder()
        let channel = try await MockServer.bind(port: port, group: group, recorder: recorder) { MockCohereHTTPHandler(recorder: recorder) }
        return MockCohereUpstream(port: channel.localAddress?.port ?? port, channel: channel, recorder: recorder)
    }

    /// The base URL to configure, as Cohere documents it: no version segment.
    public var baseURL: String { "http://127.0.0.1:\(port)" }

    /// The message the mock would refuse this body with (header names lower-cased), or nil when
    /// it is valid: lets adapter tests check their bodies without a socket.
    public static func validationError(headers: [String: String], body: JSONValue?) -> String? {
        MockCohereValidator.validate(headers: headers, body: body)?.message
    }

    /// The message the mock's `/v2/embed` would refuse this body with, or nil when it is valid.
    public static func embedValidationError(body: JSONValue?) -> String? {
        do throws(MockCohereValidator.Rejection) { _ = try MockCohereEmbed.answer(body: body) } catch { return error.message }
        return nil
    }

    /// The message the mock's `/v2/rerank` would refuse this body with, or nil when it is valid.
    public static func rerankValidationError(body: JSONValue?) -> String? {
        do throws(MockCohereValidator.Rejection) { _ = try MockCohereRerank.answer(body: body) } catch { return error.message }
        return nil
    }
}

/// Serves one connection of `MockCohereUpstream`.
final class MockCohereHTTPHandler: MockHTTPConnection, @unchecked Sendable {
    // @unchecked: all state is touched on the channel's event loop only.

    override func respond(context: ChannelHandlerContext, head: HTTPRequestHead, body: [UInt8]) {
        let path = head.uri.split(separator: "?").first.map(String.init) ?? head.uri
        switch (head.method, path) {
        case (.POST, "/v2/chat"):
            var headers: [String: String] = [:]
            for (name, value) in head.headers { headers[name.lowercased()] = value }
            let json = try? JSONParser.parse(body)
            recorder.record(RecordedRequest(method: "POST", path: head.uri, headers: headers, body: json))
            if let rejection = MockCohereValidator.validate(headers: headers, body: json) {
                sendError(context: context, status: rejection.status, message: rejection.message)
                return
            }
            chat(context: context, body: json?.objectValue ?? JSONObject())
        case (.POST, "/v2/embed"), (.POST, "/v2/rerank"):
            var headers: [String: String] = [:]
            for (name, value) in head.headers { headers[name.lowercased()] = value }
            let json = try? JSONParser.parse(body)
            recorder.record(RecordedRequest(method: "POST", path: head.uri, headers: headers, body: json))
            guard headers["authorization"].map({ $0.hasPrefix("Bearer ") && $0.count > 7 }) == true else {
                return sendError(context: context, status: 401, message: "no api key supplied")
            }
            if let failure = MockCohereScenario.failure(model: json?["model"]?.stringValue ?? "") {
                return sendError(context: context, status: failure.status, message: failure.message)
            }
            do throws(MockCohereValidator.Rejection) {
                sendJSON(context: context, status: 200, path == "/v2/embed" ? try MockCohereEmbed.answer(body: json) : try MockCohereRerank.answer(body: json))
            } catch {
                sendError(context: context, status: error.status, message: error.message)
            }
        default:
            sendError(context: context, status: 404, message: "Not Found: \(head.method) \(path)")
        }
    }

    private func chat(context: ChannelHandlerContext, body: JSONObject) {
        switch MockCohereScenario.forRequest(body) {
        case .error(let status, let message):
            sendError(context: context, status: status, message: message)
        case .reply(let content, let toolPlan, let toolCalls, let finishReason, let error):
            if body["stream"]?.boolValue == true {
                sendStream(context: context, events: MockCohereResponses.streamEvents(content: content, toolPlan: toolPlan, toolCalls: toolCalls,
                                                                                      finishReason: finishReason, error: error))
            } else {
                sendJSON(context: context, status: 200, MockCohereResponses.response(content: content, toolPlan: toolPlan, toolCalls: toolCalls,
                                                                                     finishReason: finishReason))
            }
        }
    }

    private func sendJSON(context: ChannelHandlerContext, status: Int, _ json: JSONValue) {
        let bytes = JSONWriter.bytes(json)
        let headers = HTTPHeaders([("content-type", "application/json"), ("content-length", String(bytes.count)),
                                   ("x-debug-trace-id", "mock-trace-0001")])
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: HTTPResponseStatus(statusCode: status), headers: headers))), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: bytes)))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
    }

    /// Cohere's error body (providers.md §7 "Errors"): `{"id": "<request id>", "message": "…"}`.
    private func sendError(context: ChannelHandlerContext, status: Int, message: String) {
        sendJSON(context: context, status: status, ["id": "8d4e2c1a-mock-error", "message": .string(message)])
    }

    /// `event: <type>` + `data: <json>` per event, blank-line separated.
    private func sendStream(context: ChannelHandlerContext, events: [JSONValue]) {
        let headers = HTTPHeaders([("content-type", "text/event-stream"), ("cache-control", "no-cache")])
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .ok, headers: headers))), promise: nil)
        for event in events {
            let type = event["type"]?.stringValue ?? "unknown"
            let out = Array("event: \(type)\ndata: ".utf8) + JSONWriter.bytes(event) + Array("\n\n".utf8)
            context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: out)))), promise: nil)
        }
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
    }
}
