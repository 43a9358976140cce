import GatewyseCore
import NIOCore
import NIOHTTP1
import NIOPosix

/// A mock Gemini Developer API upstream on loopback, faithful to providers.md §3 and the §5
/// checklist: `POST /v1beta/models/{model}:generateContent` and `:streamGenerateContent`
/// (`?alt=sse`: data-only SSE frames, no `[DONE]`; without it one JSON array), `:embedContent`
/// and `:batchEmbedContents` (`MockGeminiEmbeddings`), validated as the
/// real API does (`MockGeminiValidator`), Google RPC error bodies with a body-only
/// `RetryInfo.retryDelay` on 429. The scenario is chosen by the model in the URL
/// (`MockGeminiScenario`). Every request is recorded, readable at `GET /__mock/requests`.
public final class MockGeminiUpstream: MockUpstream, @unchecked Sendable {
    /// Starts listening on 127.0.0.1 (port 0: any free port).
    public static func start(port: Int = 0, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) async throws -> MockGeminiUpstream {
        let recorder = MockRecorder()
        let channel = try await MockServer.bind(port: port, group: group, recorder: recorder) { MockGeminiHTTPHandler(recorder: recorder) }
        return MockGeminiUpstream(port: channel.localAddress?.port ?? port, channel: channel, recorder: recorder)
    }

    /// The base URL to configure, as Google documents it: with the `/v1beta` segment.
    public var baseURL: String { "http://127.0.0.1:\(port)/v1beta" }

    /// The message the mock would refuse this body with (header names lower-cased), or nil when
    /// it is valid: lets adapter tests check their bodies without a socket.
    public static func validationError(headers: [String: String], query: String = "", body: JSONValue?) -> String? {
        MockGeminiValidator.validate(headers: headers, query: query, body: body)?.message
    }

    /// The same for image and speech calls on `model`: `predict`, or generateContent's output
    /// checks (`MockGeminiMedia`) after the common ones.
    public static func mediaValidationError(model: String, method: String, headers: [String: String], body: JSONValue?) -> String? {
        do throws(MockGeminiValidator.Rejection) {
            if method == "predict" {
                if let rejection = MockGeminiValidator.keyRejection(headers: headers, query: "") { throw rejection }
                _ = try MockGeminiMedia.predict(model: model, body: body)
                return nil
            }
            if let rejection = MockGeminiValidator.validate(headers: headers, query: "", body: body) { throw rejection }
            try MockGeminiMedia.validateOutputs(model: model, body: body?.objectValue ?? JSONObject())
            return nil
        } catch {
            return error.message
        }
    }

    /// The same for `:embedContent` / `:batchEmbedContents` bodies on `model`.
    public static func embeddingValidationError(model: String, method: String, body: JSONValue?) -> String? {
        do throws(MockGeminiValidator.Rejection) {
            _ = try MockGeminiEmbeddings.answer(model: model, method: method, body: body)
            return nil
        } catch {
            return error.message
        }
    }
}

/// Serves one connection of `MockGeminiUpstream`.
final class MockGeminiHTTPHandler: MockHTTPConnection, @unchecked Sendable {
    // @unchecked: all state is touched on the channel's event loop only.

    override func respond(context: ChannelHandlerContext, head: HTTPRequestHead, body: [UInt8]) {
        let split = head.uri.split(separator: "?", maxSplits: 1)
        let path = split.first.map(String.init) ?? head.uri
        let query = split.count > 1 ? String(split[1]) : ""
        let prefix = "/v1beta/models/"
        switch (head.method, path) {
        case (.POST, _) where path.hasPrefix(prefix) && path.contains(":"):
            let rest = path.dropFirst(prefix.count)
            let colon = rest.lastIndex(of: ":")!
            let model = String(rest[..<colon])
            let method = String(rest[rest.index(after: colon)...])
            guard ["generateContent", "streamGenerateContent", "embedContent", "batchEmbedContents", "predict"].contains(method) else {
                sendError(context: context, status: 404, rpcStatus: "NOT_FOUND", message: "Method not found.")
                return
            }
            var headers: [String: String] = [:]
            for (name, value) in head.headers { headers[name.lowercased()] = value }
            let json = try? JSONParser.parse(body)
            recorder.record(RecordedRequest(method: "POST", path: String(head.uri), headers: headers, body: json))
            if method == "embedContent" || method == "batchEmbedContents" {
                embed(context: context, model: model, method: method, headers: headers, query: query, body: json)
                return
            }
            if method == "predict" {
                predict(context: context, model: model, headers: headers, query: query, body: json)
                return
            }
            if let rejection = MockGeminiValidator.validate(headers: headers, query: query, body: json) {
                sendError(context: context, status: rejection.status, rpcStatus: rejection.rpcStatus, message: rejection.message)
                return
            }
            do throws(MockGeminiValidator.Rejection) {
                try MockGeminiMedia.validateOutputs(model: model, body: json?.objectValue ?? JSONObject())
            } catch {
                sendError(context: context, status: error.status, rpcStatus: error.rpcStatus, message: error.message)
                return
            }
            let sse = query.split(separator: "&").contains("alt=sse")
            generate(context: context, model: model, body: json?.objectValue ?? JSONObject(),
                     stream: method == "streamGenerateContent" ? (sse ? .sse : .jsonArray) : nil)
        default:
            sendError(context: context, status: 404, rpcStatus: "NOT_FOUND", message: "Not found: \(head.method) \(path)")
        }
    }

    enum StreamForm { case sse, jsonArray }

    private func generate(context: ChannelHandlerContext, model: String, body: JSONObject, stream: StreamForm?) {
        if MockGeminiScenario.failure(model: model) == nil, let parts = MockGeminiMedia.parts(model: model) {
            let frames = MockGeminiMedia.frames(parts: parts, model: model)
            switch stream {
            case nil:
                // One answer: every part in one candidate, as generateContent gives it.
                var whole = frames.last ?? .object(JSONObject())
                if !parts.isEmpty { whole = MockGeminiResponses.response(parts: parts, finishReason: "STOP", thoughts: 0, model: model) }
                sendJSON(context: context, status: 200, whole)
            case .jsonArray?: sendJSON(context: context, status: 200, .array(frames))
            case .sse?: sendStream(context: context, frames: frames)
            }
            return
        }
        switch MockGeminiScenario.forRequest(model: model, body: body) {
        case .error(let status, let rpcStatus, let message, let details):
            sendError(context: context, status: status, rpcStatus: rpcStatus, message: message, details: details)
        case .reply(let parts, let finishReason, let thoughts):
            switch stream {
            case nil:
                sendJSON(context: context, status: 200, MockGeminiResponses.response(parts: parts, finishReason: finishReason, thoughts: thoughts, model: model))
            case .jsonArray?:
                sendJSON(context: context, status: 200, .array(MockGeminiResponses.streamFrames(parts: parts, finishReason: finishReason, thoughts: thoughts, model: model)))
            case .sse?:
                sendStream(context: context, frames: MockGeminiResponses.streamFrames(parts: parts, finishReason: finishReason, thoughts: thoughts, model: model))
            }
        }
    }

    /// `:embedContent` / `:batchEmbedContents` (`MockGeminiEmbeddings`): key first, then the
    /// error models, then the body.
    private func embed(context: ChannelHandlerContext, model: String, method: String, headers: [String: String], query: String, body: JSONValue?) {
        if let rejection = MockGeminiValidator.keyRejection(headers: headers, query: query) {
            return sendError(context: context, status: rejection.status, rpcStatus: rejection.rpcStatus, message: rejection.message)
        }
        if case .error(let status, let rpcStatus, let message, let details)? = MockGeminiScenario.failure(model: model) {
            return sendError(context: context, status: status, rpcStatus: rpcStatus, message: message, details: details)
        }
        do throws(MockGeminiValidator.Rejection) {
            sendJSON(context: context, status: 200, try MockGeminiEmbeddings.answer(model: model, method: method, body: body))
        } catch {
            sendError(context: context, status: error.status, rpcStatus: error.rpcStatus, message: error.message)
        }
    }

    /// `:predict` (`MockGeminiMedia.predict`): key first, then the error models, then the body.
    private func predict(context: ChannelHandlerContext, model: String, headers: [String: String], query: String, body: JSONValue?) {
        if let rejection = MockGeminiValidator.keyRejection(headers: headers, query: query) {
            return sendError(context: context, status: rejection.status, rpcStatus: rejection.rpcStatus, message: rejection.message)
        }
        if case .error(let status, let rpcStatus, let message, let details)? = MockGeminiScenario.failure(model: model) {
            return sendError(context: context, status: status, rpcStatus: rpcStatus, message: message, details: details)
        }
        do throws(MockGeminiValidator.Rejection) {
            sendJSON(context: context, status: 200, try MockGeminiMedia.predict(model: model, body: body))
        } catch {
            sendError(context: context, status: error.status, rpcStatus: error.rpcStatus, message: error.message)
        }
    }

    private func sendJSON(context: ChannelHandlerContext, status: Int, _ json: JSONValue) {
        let bytes = JSONWriter.bytes(json)
        let headers = HTTPHeaders([("content-type", "application/json; charset=UTF-8"), ("content-length", String(bytes.count))])
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: HTTPResponseStatus(statusCode: status), headers: headers))), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: bytes)))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
    }

    /// Google RPC error envelope (providers.md §3 "Errors"); the retry hint is in the body only.
    private func sendError(context: ChannelHandlerContext, status: Int, rpcStatus: String, message: String, details: [JSONValue] = []) {
        var error = JSONObject([("code", .int(status)), ("message", .string(message)), ("status", .string(rpcStatus))])
        if !details.isEmpty { error["details"] = .array(details) }
        sendJSON(context: context, status: status, ["error": .object(error)])
    }

    /// `data: <json>` frames separated by blank lines (Gemini uses CRLF), no `[DONE]`.
    private func sendStream(context: ChannelHandlerContext, frames: [JSONValue]) {
        let headers = HTTPHeaders([("content-type", "text/event-stream"), ("cache-control", "no-cache")])
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .ok, headers: headers))), promise: nil)
        for frame in frames {
            let out = Array("data: ".utf8) + JSONWriter.bytes(frame) + Array("\r\n\r\n".utf8)
            context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: out)))), promise: nil)
        }
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
    }
}
