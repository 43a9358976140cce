import GatewyseCore
import GatewyseProviders
import NIOCore
import NIOHTTP1
import NIOPosix

/// A mock Amazon Bedrock runtime on loopback: `POST /model/{modelId}/converse` (JSON) and
/// `/converse-stream` (the AWS binary event stream), authenticated like the real service —
/// SigV4 checked against the mock's own access keys (wrong signature, unknown key or a clock
/// skew over 5 minutes → 403 with `x-amzn-ErrorType`), or a Bedrock API key as a bearer token —
/// and validated like the real Converse API (`MockBedrockValidator`: 400 `ValidationException`
/// naming the field). The scenario is chosen by the model id (`MockBedrockScenario`). Every
/// request is recorded (with its URL-decoded model id), readable at `GET /__mock/requests`.
public final class MockBedrockUpstream: MockUpstream, @unchecked Sendable {
    /// The access keys the mock accepts; `apiKey` is the Bedrock API key it accepts as a bearer token.
    public static let credentials = AWSCredentials(accessKeyID: "AKIAMOCKBEDROCK0001", secretAccessKey: Secret("mock/bedrock+secret-key-0123456789"))
    public static let apiKey = "bedrock-api-key-mock-0123456789"
    public static let region = "us-east-1"

    public static func start(port: Int = 0, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) async throws -> MockBedrockUpstream {
        let recorder = MockRecorder()
        let channel = try await MockServer.bind(port: port, group: group, recorder: recorder) { MockBedrockHTTPHandler(recorder: recorder) }
        return MockBedrockUpstream(port: channel.localAddress?.port ?? port, channel: channel, recorder: recorder)
    }

    /// The base URL to configure (the real one is `https://bedrock-runtime.<region>.amazonaws.com`).
    public var baseURL: String { "http://127.0.0.1:\(port)" }
}

/// Serves one connection of `MockBedrockUpstream`.
final class MockBedrockHTTPHandler: MockHTTPConnection, @unchecked Sendable {
    // @unchecked: all state is touched on the channel's event loop only.

    override func respond(context: ChannelHandlerContext, head: HTTPRequestHead, body: [UInt8]) {
        let path = head.uri.split(separator: "?").first.map(String.init) ?? head.uri
        switch (head.method, path) {
        case (.POST, _) where path.hasPrefix("/model/") && (path.hasSuffix("/converse") || path.hasSuffix("/converse-stream")):
            let stream = path.hasSuffix("/converse-stream")
            let encodedModel = path.dropFirst("/model/".count).dropLast(stream ? "/converse-stream".count : "/converse".count)
            let model = MockBedrockValidator.percentDecode(String(encodedModel))
            var headers: [String: String] = [:]
            for (name, value) in head.headers { headers[name.lowercased()] = value }
            let json = try? JSONParser.parse(body)
            var recordedHeaders = headers
            recordedHeaders["x-mock-model-id"] = model
            recorder.record(RecordedRequest(method: "POST", path: head.uri, headers: recordedHeaders, body: json))
            if let rejection = MockBedrockValidator.authenticate(method: "POST", uri: head.uri, headers: headers, body: body)
                ?? MockBedrockValidator.validate(body: json) {
                sendError(context: context, rejection)
                return
            }
            converse(context: context, model: model, body: json?.objectValue ?? JSONObject(), stream: stream)
        default:
            sendError(context: context, MockBedrockRejection(status: 404, type: "UnknownOperationException", message: "Unknown operation: \(head.method) \(path)"))
        }
    }

    private func converse(context: ChannelHandlerContext, model: String, body: JSONObject, stream: Bool) {
        switch MockBedrockScenario.forRequest(model: model, body: body) {
        case .error(let rejection):
            sendError(context: context, rejection)
        case .reply(let reply):
            if stream {
                sendStream(context: context, frames: MockBedrockResponses.streamEvents(reply))
            } else {
                sendJSON(context: context, status: 200, MockBedrockResponses.converse(reply))
            }
        case .failingStream(let reply):
            guard stream else {
                sendError(context: context, MockBedrockRejection(status: 424, type: "ModelErrorException", message: "The model failed to process the request."))
                return
            }
            var frames = Array(MockBedrockResponses.streamEvents(reply).prefix(3))
            frames.append(AWSEventStream.encode(headers: [(":exception-type", "modelStreamErrorException"), (":content-type", "application/json"),
                                                          (":message-type", "exception")],
                                                payload: JSONWriter.bytes(["message": "The model stream failed."])))
            sendStream(context: context, frames: frames)
        }
    }

    // MARK: Writing

    private func sendJSON(context: ChannelHandlerContext, status: Int, _ json: JSONValue, extraHeaders: [(String, String)] = []) {
        let bytes = JSONWriter.bytes(json)
        var headers = HTTPHeaders([("content-type", "application/json"), ("content-length", String(bytes.count)),
                                   ("x-amzn-requestid", MockBedrockResponses.requestID)])
        for (name, value) in extraHeaders { headers.add(name: name, value: value) }
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: HTTPResponseStatus(statusCode: status), headers: headers))), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: bytes)))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
    }

    /// `{"message": …}` with the error's name in `x-amzn-ErrorType`, as the AWS JSON protocols answer.
    private func sendError(context: ChannelHandlerContext, _ rejection: MockBedrockRejection) {
        sendJSON(context: context, status: rejection.status, ["message": .string(rejection.message)],
                 extraHeaders: [("x-amzn-errortype", "\(rejection.type):http://internal.amazon.com/coral/com.amazon.bedrock/")])
    }

    /// Event-stream frames, chunked, each written as its own body part.
    private func sendStream(context: ChannelHandlerContext, frames: [[UInt8]]) {
        let headers = HTTPHeaders([("content-type", "application/vnd.amazon.eventstream"), ("transfer-encoding", "chunked"),
                                   ("x-amzn-requestid", MockBedrockResponses.requestID)])
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .ok, headers: headers))), promise: nil)
        for frame in frames {
            context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: frame)))), promise: nil)
        }
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
    }
}

extension MockBedrockUpstream {
    /// The message the mock would refuse this Converse body with, or nil when it is valid: lets
    /// adapter tests check their bodies without a socket.
    public static func validationError(body: JSONValue?) -> String? {
        MockBedrockValidator.validate(body: body)?.message
    }
}
