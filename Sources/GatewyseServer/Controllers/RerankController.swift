import GatewyseCore
import GatewyseEngine
import GatewyseProviders
import Hummingbird

/// `POST /v1/rerank` in the Cohere/Jina form that LiteLLM and vLLM serve too (OpenAI has no
/// rerank endpoint, so there is no OpenAI shape to follow), routed like chat: aliases and
/// `provider/model`, failover across rerank-capable providers, `X-Provider` and
/// `X-Gatewyse-Attempts` on the answer.
struct RerankController: Sendable {
    let runtime: GatewayRuntime

    func register(on router: Router<GatewayRequestContext>) {
        router.post("/v1/rerank") { request, context in try await rerank(request, context) }
    }

    func rerank(_ request: Request, _ context: GatewayRequestContext) async throws -> Response {
        let principal = try runtime.authenticator.authenticate(authorization: request.headers[.authorization])
        let body = try await RequestBodyReader.json(request, limit: runtime.configuration.server.maxBodyBytes)
        let rerank = try RerankWire.decodeRequest(body)
        let attempted = try await runtime.pipeline.rerank(rerank, principal: principal, logger: context.logger)
        // Upstreams without an id (most self-hosted servers) get one, so every answer has one.
        let id = attempted.value.id ?? "rerank-" + IDGenerator.hex(bytes: 12)
        let answer = RerankWire.encodeResponse(attempted.value, for: rerank, id: id)
        return JSONResponse.make(answer, provider: attempted.providerID, attempts: attempted.attempts)
    }
}
