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

    /// Reached only with the data plane's channel handler switched off
    /// (`GATEWYSE_DATA_PLANE=hummingbird`): the same responder behind Hummingbird.
    func messages(_ request: Request, _ context: GatewayRequestContext) async throws -> Response {
        let collected = await DataPlaneRequest.collect(request, limit: runtime.configuration.server.maxBodyBytes)
        return await AnthropicMessagesResponder(runtime: runtime).respond(to: collected, logger: context.logger).response
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
}

extension HTTPField.Name {
    static let xAPIKey = Self("x-api-key")!
}
