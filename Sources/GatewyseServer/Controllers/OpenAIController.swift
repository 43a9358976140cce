import GatewyseCore
import GatewyseEngine
import HTTPTypes
import Hummingbird
import NIOCore

/// `GET /v1/models`, `GET /v1/usage`, `GET /v1/budget` and `GET /v1/video/generations/{id}`. The inference routes
/// themselves are served by the data plane (`DataPlaneChannelHandler` → `InferenceEngine`), on one path only.
struct OpenAIController: Sendable {
    let runtime: GatewayRuntime

    func register(on router: Router<GatewayRequestContext>) {
        router.get("/v1/models") { request, context in try models(request, context) }
        router.get("/v1/usage") { request, context in try await usage(request, context) }
        router.get("/v1/budget") { request, context in try budget(request, context) }
        router.get("/v1/video/generations/:id") { request, context in try await videoGeneration(request, context) }
    }

    /// A video generation answered 202 (decisions/0023): the key needs the `video-generation`
    /// scope, and sees its own tenant's jobs only.
    func videoGeneration(_ request: Request, _ context: GatewayRequestContext) async throws -> Response {
        let principal = try runtime.engine.authenticate(Credentials(request), clientAddress: ClientAddress(context.remoteAddress),
                                                        capability: .videoGeneration)
        let answer = try await runtime.engine.videoGeneration(id: context.parameters.get("id") ?? "", principal: principal)
        var headers = HTTPFields()
        for (name, value) in answer.headers {
            if let field = HTTPField.Name(name) { headers[field] = value }
        }
        headers[.cacheControl] = "no-store"
        return Response(status: .init(code: answer.status), headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: answer.body)))
    }

    /// The calling key's usage (admin-api.md §5); the key needs `usage:read` in its scopes.
    func usage(_ request: Request, _ context: GatewayRequestContext) async throws -> Response {
        let principal = try runtime.engine.authenticate(Credentials(request), clientAddress: ClientAddress(context.remoteAddress))
        var parameters: [String: String] = [:]
        for (name, value) in request.uri.queryParameters { parameters[String(name)] = String(value) }
        let answer = try await runtime.keyUsage(for: principal, parameters: parameters, accept: request.headers[.accept])
        var headers = HTTPFields()
        headers[.contentType] = answer.contentType
        headers[.cacheControl] = "no-store"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: answer.body)))
    }

    /// The budgets that apply to the calling key (admin-api.md §5); the key needs `budget:read`.
    func budget(_ request: Request, _ context: GatewayRequestContext) throws -> Response {
        let principal = try runtime.engine.authenticate(Credentials(request), clientAddress: ClientAddress(context.remoteAddress))
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        headers[.cacheControl] = "no-store"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: try runtime.keyBudgets(for: principal))))
    }

    func models(_ request: Request, _ context: GatewayRequestContext) throws -> Response {
        let principal = try runtime.engine.authenticate(Credentials(request), clientAddress: ClientAddress(context.remoteAddress))
        let data: [JSONValue] = runtime.engine.listModels(for: principal).map { listing in
            ["id": .string(listing.id), "object": "model", "created": .int(Int(runtime.startedAt)), "owned_by": .string(listing.ownedBy),
             "capabilities": .array(listing.capabilities.map(JSONValue.string))]
        }
        return JSONResponse.make(["object": "list", "data": .array(data)], provider: nil, attempts: nil)
    }
}

extension Credentials {
    init(_ request: Request) {
        self.init(authorization: request.headers[.authorization], apiKey: request.headers[.xAPIKey])
    }
}

enum JSONResponse {
    static func make(_ body: JSONValue, provider: String?, attempts: Int?, status: HTTPResponse.Status = .ok) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        if let provider { headers[.xProvider] = provider }
        if let attempts { headers[.xGatewyseAttempts] = String(attempts) }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: JSONWriter.bytes(body))))
    }
}
