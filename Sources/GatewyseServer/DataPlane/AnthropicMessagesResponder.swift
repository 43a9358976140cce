import GatewyseCore
import GatewyseEngine
import Logging

/// `POST /v1/messages` on the data plane: the Anthropic Messages API, the same straight-line
/// steps as chat completions — authenticate (`x-api-key`, or Bearer), parse, normalize with
/// `AnthropicInboundWire`, run the pipeline, answer in Anthropic's shape. Failures use
/// Anthropic's error envelope.
struct AnthropicMessagesResponder: Sendable {
    let runtime: GatewayRuntime

    func respond(to request: DataPlaneRequest, logger: Logger) async -> DataPlaneReply {
        do {
            let principal = try request.apiKey.map { key throws(GatewayError) in try runtime.authenticator.authenticate(key: key) }
                ?? runtime.authenticator.authenticate(authorization: request.authorization)
            let chat = try AnthropicInboundWire.decodeRequest(try request.json(limit: runtime.configuration.server.maxBodyBytes))
            if chat.stream {
                let attempted = try await runtime.pipeline.chatStream(chat, principal: principal, logger: logger)
                return .stream(headers: [("Content-Type", "text/event-stream"), ("Cache-Control", "no-cache"),
                                         ("X-Provider", attempted.providerID), ("X-Gatewyse-Attempts", String(attempted.attempts))],
                               attempted.value, .messages)
            }
            let attempted = try await runtime.pipeline.chat(chat, principal: principal, logger: logger)
            return .complete(status: 200, headers: [("Content-Type", "application/json"), ("X-Provider", attempted.providerID),
                                                    ("X-Gatewyse-Attempts", String(attempted.attempts))],
                             body: JSONWriter.bytes(AnthropicInboundWire.encodeResponse(attempted.value)))
        } catch {
            let rendered = ErrorRenderer.render(error, envelope: .anthropic, logger: logger)
            return .complete(status: rendered.status, headers: rendered.headers, body: rendered.body)
        }
    }
}
