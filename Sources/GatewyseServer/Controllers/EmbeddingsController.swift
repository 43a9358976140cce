import GatewyseCore
import GatewyseEngine
import GatewyseProviders
import Hummingbird

/// `POST /v1/embeddings` in OpenAI's shape (providers.md §1 "Other endpoints"), routed like chat:
/// aliases and `provider/model`, failover across embeddings-capable providers, `X-Provider` and
/// `X-Gatewyse-Attempts` on the answer.
struct EmbeddingsController: Sendable {
    let runtime: GatewayRuntime

    func register(on router: Router<GatewayRequestContext>) {
        router.post("/v1/embeddings") { request, context in try await embeddings(request, context) }
    }

    func embeddings(_ request: Request, _ context: GatewayRequestContext) async throws -> Response {
        let principal = try runtime.authenticator.authenticate(authorization: request.headers[.authorization])
        let body = try await RequestBodyReader.json(request, limit: runtime.configuration.server.maxBodyBytes)
        let embedding = try OpenAIEmbeddingsWire.decodeRequest(body)
        let attempted = try await runtime.pipeline.embeddings(embedding, principal: principal, logger: context.logger)
        // The client's encoding, whatever the upstream sent (OpenAI's default is `float`; its
        // SDKs ask for `base64`).
        let answer = try OpenAIEmbeddingsWire.encodeResponse(attempted.value, encoding: embedding.encodingFormat ?? .float,
                                                             provider: attempted.providerID)
        return JSONResponse.make(answer, provider: attempted.providerID, attempts: attempted.attempts)
    }
}
