import GatewyseCore
import GatewyseEngine
import GatewyseProviders
import HTTPTypes
import Logging
import NIOCore

/// `POST /v1/chat/completions` as straight-line async code over a request already read by
/// `DataPlaneChannelHandler`: authenticate, check and parse the body, run the pipeline, encode.
/// Every failure becomes the OpenAI error envelope; nothing here touches the channel.
struct ChatCompletionsResponder: Sendable {
    let runtime: GatewayRuntime

    func respond(to request: DataPlaneRequest, logger: Logger) async -> DataPlaneReply {
        do {
            let principal = try runtime.authenticator.authenticate(authorization: request.authorization)
            let (json, modelRange) = try request.json(limit: runtime.configuration.server.maxBodyBytes, locatingTopLevel: "model")
            var chat = try OpenAIChatWire.decodeRequest(json)
            chat.clientBody = OpenAIChatWire.clientBody(json, bytes: Array(request.body.readableBytesView), modelRange: modelRange)
            if chat.stream {
                let attempted = try await runtime.pipeline.chatStream(chat, principal: principal, logger: logger, forOpenAIClient: true)
                return .stream(headers: [("Content-Type", "text/event-stream"), ("Cache-Control", "no-cache"),
                                         ("X-Provider", attempted.providerID), ("X-Gatewyse-Attempts", String(attempted.attempts))],
                               attempted.value, .chatCompletions)
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
