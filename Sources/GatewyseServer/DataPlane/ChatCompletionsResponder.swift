import GatewyseCore
import GatewyseEngine
import GatewyseProviders
import HTTPTypes
import Logging
import NIOCore

/// What the data plane answers one request with: a complete body, or a started chat stream.
enum DataPlaneReply: Sendable {
    case complete(status: Int, headers: [(String, String)], body: [UInt8])
    case stream(headers: [(String, String)], ChatStream)
}

/// `POST /v1/chat/completions` as straight-line async code over a request already read by
/// `DataPlaneChannelHandler`: authenticate, check and parse the body, run the pipeline, encode.
/// Every failure becomes the OpenAI error envelope; nothing here touches the channel.
struct ChatCompletionsResponder: Sendable {
    let runtime: GatewayRuntime

    /// A request as the channel handler collected it. `bodyTooLarge` is set (and `body` empty)
    /// once the body passed the configured limit: it is answered 413 after authentication, as
    /// the Hummingbird routes do.
    struct Request: Sendable {
        var authorization: String?
        var body: ByteBuffer
        var bodyTooLarge: Bool
    }

    func respond(to request: Request, logger: Logger) async -> DataPlaneReply {
        do {
            let principal = try runtime.authenticator.authenticate(authorization: request.authorization)
            if request.bodyTooLarge { throw GatewayError.bodyTooLarge(limit: runtime.configuration.server.maxBodyBytes) }
            guard request.body.readableBytes > 0 else { throw GatewayError.invalidRequest("Request body is empty; send a JSON object.") }
            let json: JSONValue
            do {
                json = try request.body.withUnsafeReadableBytes { try JSONParser.parse($0) }
            } catch let error as JSONParser.SyntaxError {
                throw GatewayError.malformedJSON(error.description)
            }
            let chat = try OpenAIChatWire.decodeRequest(json)
            if chat.stream {
                let attempted = try await runtime.pipeline.chatStream(chat, principal: principal, logger: logger, forOpenAIClient: true)
                return .stream(headers: [("Content-Type", "text/event-stream"), ("Cache-Control", "no-cache"),
                                         ("X-Provider", attempted.providerID), ("X-Gatewyse-Attempts", String(attempted.attempts))],
                               attempted.value)
            }
            let attempted = try await runtime.pipeline.chatForOpenAIClient(chat, principal: principal, logger: logger)
            let body: [UInt8]
            switch attempted.value {
            case .verbatim(let answer): body = answer.body
            case .translated(let response): body = JSONWriter.bytes(OpenAIChatWire.encodeResponse(response))
            }
            return .complete(status: 200, headers: [("Content-Type", "application/json"), ("X-Provider", attempted.providerID),
                                                    ("X-Gatewyse-Attempts", String(attempted.attempts))],
                             body: body)
        } catch {
            let rendered = ErrorRenderer.render(error, envelope: .openAI, logger: logger)
            return .complete(status: rendered.status, headers: rendered.headers, body: rendered.body)
        }
    }
}
