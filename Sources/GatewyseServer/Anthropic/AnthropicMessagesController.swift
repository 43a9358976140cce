import GatewyseCore
import GatewyseEngine
import GatewyseRouting
import HTTPTypes
import Hummingbird
import NIOCore

/// `POST /v1/messages` and `POST /v1/messages/count_tokens`: the Anthropic Messages API in front
/// of every provider. Errors use Anthropic's envelope (see `RequestIDMiddleware`).
struct AnthropicMessagesController: Sendable {
    let runtime: GatewayRuntime

    func register(on router: Router<GatewayRequestContext>) {
        router.post("/v1/messages") { request, context in try await messages(request, context) }
        router.post("/v1/messages/count_tokens") { request, context in try await countTokens(request, context) }
    }

    /// The Anthropic SDKs send `x-api-key`; Bearer works too.
    func authenticate(_ request: Request) throws -> Principal {
        if let key = request.headers[.xAPIKey] { return try runtime.authenticator.authenticate(key: key) }
        return try runtime.authenticator.authenticate(authorization: request.headers[.authorization])
    }

    func messages(_ request: Request, _ context: GatewayRequestContext) async throws -> Response {
        let principal = try authenticate(request)
        let body = try await RequestBodyReader.json(request, limit: runtime.configuration.server.maxBodyBytes)
        let chat = try AnthropicInboundWire.decodeRequest(body)
        if chat.stream {
            let attempted = try await runtime.pipeline.chatStream(chat, principal: principal, logger: context.logger)
            return anthropicStream(attempted)
        }
        let attempted = try await runtime.pipeline.chat(chat, principal: principal, logger: context.logger)
        return JSONResponse.make(AnthropicInboundWire.encodeResponse(attempted.value), provider: attempted.providerID, attempts: attempted.attempts)
    }

    /// An estimate (about four bytes per token plus per-message overhead): the gateway cannot
    /// run every provider's tokenizer, and routing may pick any of them.
    func countTokens(_ request: Request, _ context: GatewayRequestContext) async throws -> Response {
        _ = try authenticate(request)
        let body = try await RequestBodyReader.json(request, limit: runtime.configuration.server.maxBodyBytes)
        var object = body.objectValue ?? JSONObject()
        if object["max_tokens"] == nil { object["max_tokens"] = 1 }
        let chat = try AnthropicInboundWire.decodeRequest(.object(object))
        return JSONResponse.make(["input_tokens": .int(RequestProfile(request: chat).estimatedInputTokens)], provider: nil, attempts: nil)
    }

    func anthropicStream(_ attempted: RouteExecutor.Attempted<ChatStream>) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "text/event-stream"
        headers[.cacheControl] = "no-cache"
        headers[.xProvider] = attempted.providerID
        headers[.xGatewyseAttempts] = String(attempted.attempts)
        let stream = attempted.value
        return Response(status: .ok, headers: headers, body: ResponseBody { writer in
            var encoder = AnthropicStreamEncoder()
            var buffer: [UInt8] = []
            while true {
                let chunks: [ChatChunk]?
                do {
                    chunks = try await stream.next()
                } catch let error as GatewayError {
                    buffer.removeAll(keepingCapacity: true)
                    AnthropicStreamEncoder.error(error, into: &buffer)
                    try await writer.write(ByteBuffer(bytes: buffer))
                    try await writer.finish(nil)
                    return
                }
                buffer.removeAll(keepingCapacity: true)
                guard let chunks else { break }
                for chunk in chunks { encoder.encode(chunk, into: &buffer) }
                if !buffer.isEmpty { try await writer.write(ByteBuffer(bytes: buffer)) }
            }
            encoder.finish(into: &buffer)
            try await writer.write(ByteBuffer(bytes: buffer))
            try await writer.finish(nil)
        })
    }
}

extension HTTPField.Name {
    static let xAPIKey = Self("x-api-key")!
}
