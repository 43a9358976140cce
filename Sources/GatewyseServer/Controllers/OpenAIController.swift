import GatewyseCore
import GatewyseEngine
import GatewyseProviders
import HTTPTypes
import Hummingbird
import NIOCore

/// The OpenAI-compatible inference API: chat completions, legacy completions and the model list.
struct OpenAIController: Sendable {
    let runtime: GatewayRuntime

    func register(on router: Router<GatewayRequestContext>) {
        router.post("/v1/chat/completions") { request, context in try await chatCompletions(request, context) }
        router.post("/v1/completions") { request, context in try await completions(request, context) }
        router.get("/v1/models") { request, context in try models(request, context) }
    }

    func authenticate(_ request: Request) throws -> Principal {
        try runtime.authenticator.authenticate(authorization: request.headers[.authorization])
    }

    // MARK: POST /v1/chat/completions

    /// Reached only with the data plane's channel handler switched off
    /// (`GATEWYSE_DATA_PLANE=hummingbird`, for comparison runs): the same responder, behind
    /// Hummingbird's request and response bodies.
    func chatCompletions(_ request: Request, _ context: GatewayRequestContext) async throws -> Response {
        let collected = await DataPlaneRequest.collect(request, limit: runtime.configuration.server.maxBodyBytes)
        return await ChatCompletionsResponder(runtime: runtime).respond(to: collected, logger: context.logger).response
    }

    // MARK: POST /v1/completions

    func completions(_ request: Request, _ context: GatewayRequestContext) async throws -> Response {
        let principal = try authenticate(request)
        let body = try await RequestBodyReader.json(request, limit: runtime.configuration.server.maxBodyBytes)
        let chat = try LegacyCompletionsWire.decodeRequest(body)
        if chat.stream {
            let attempted = try await runtime.pipeline.chatStream(chat, principal: principal, logger: context.logger)
            return SSEResponse.make(attempted, framing: OpenAISSEFraming { LegacyCompletionsWire.encodeChunk($0) })
        }
        let attempted = try await runtime.pipeline.chat(chat, principal: principal, logger: context.logger)
        return JSONResponse.make(LegacyCompletionsWire.encodeResponse(attempted.value), provider: attempted.providerID, attempts: attempted.attempts)
    }

    // MARK: GET /v1/models

    func models(_ request: Request, _ context: GatewayRequestContext) throws -> Response {
        let principal = try authenticate(request)
        let data: [JSONValue] = runtime.pipeline.listModels(for: principal).map { listing in
            ["id": .string(listing.id), "object": "model", "created": .int(Int(runtime.startedAt)), "owned_by": .string(listing.ownedBy)]
        }
        return JSONResponse.make(["object": "list", "data": .array(data)], provider: nil, attempts: nil)
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

/// Streams a chat as Server-Sent Events through Hummingbird's response writer (`ChatSSEBody`
/// decides what is written). A client that goes away makes the write fail, which ends the loop
/// and releases the upstream body, cancelling the upstream call.
enum SSEResponse {
    static func make(_ attempted: RouteExecutor.Attempted<ChatStream>, framing: some ChatSSEFraming) -> Response {
        make(headers: [("Content-Type", "text/event-stream"), ("Cache-Control", "no-cache"), ("X-Provider", attempted.providerID),
                       ("X-Gatewyse-Attempts", String(attempted.attempts))],
             stream: attempted.value, framing: framing)
    }

    static func make(headers pairs: [(String, String)], stream: ChatStream, framing: some ChatSSEFraming) -> Response {
        var headers = HTTPFields()
        for (name, value) in pairs { if let field = HTTPField.Name(name) { headers[field] = value } }
        return Response(status: .ok, headers: headers, body: ResponseBody { writer in
            var body = ChatSSEBody(stream: stream, framing: framing)
            while let (bytes, isLast) = try await body.next() {
                if !bytes.isEmpty { try await writer.write(ByteBuffer(bytes: bytes)) }
                if isLast { break }
            }
            try await writer.finish(nil)
        })
    }
}
