import GatewyseCore
import GatewyseEngine
import GatewyseRouting
import HTTPTypes
import Hummingbird
import NIOCore

/// `POST /v1/messages/count_tokens` (`POST /v1/messages` itself is on the data plane, through
/// `InferenceEngine`). Errors use Anthropic's envelope (see `RequestIDMiddleware`).
struct AnthropicMessagesController: Sendable {
    let runtime: GatewayRuntime

    func register(on router: Router<GatewayRequestContext>) {
        router.post("/v1/messages/count_tokens") { request, context in try await countTokens(request, context) }
    }

    /// An estimate (about four bytes per token plus per-message overhead): the gateway cannot
    /// run every provider's tokenizer, and routing may pick any of them.
    func countTokens(_ request: Request, _ context: GatewayRequestContext) async throws -> Response {
        _ = try runtime.engine.authenticate(Credentials(request), clientAddress: ClientAddress(context.remoteAddress), capability: .chat)
        let body = try await RequestBodyReader.json(request, limit: runtime.configuration.server.maxBodyBytes)
        var object = body.objectValue ?? JSONObject()
        if object["max_tokens"] == nil { object["max_tokens"] = 1 }
        let chat = try AnthropicInboundWire.decodeRequest(.object(object))
        return JSONResponse.make(["input_tokens": .int(RequestProfile(request: chat).estimatedInputTokens)], provider: nil, attempts: nil)
    }
}

extension HTTPField.Name {
    static let xAPIKey = Self("x-api-key")!
}
