import GatewyseCore

/// The outbound adapter for Google's Gemini Developer API (providers.md §3, translation rules
/// §4.2): OpenAI-shaped unified requests go out as `POST <base>/models/<model>:generateContent`
/// (or `:streamGenerateContent?alt=sse`) with the key in `x-goog-api-key`; answers and streams
/// come back unified. Pure functions over recorded bytes (ARCHITECTURE rule 1); the clock is
/// injected because Gemini sends no `created` timestamp.
public struct GeminiAdapter: ProviderAdapter {
    public let configuration: ProviderConfiguration
    let baseHeaders: [(String, String)]
    /// Wall-clock seconds since 1970.
    let now: @Sendable () -> Double

    public init(configuration: ProviderConfiguration, now: @escaping @Sendable () -> Double = AnthropicAdapter.systemTime) {
        self.configuration = configuration
        self.now = now
        var headers: [(String, String)] = [("content-type", "application/json")]
        headers.append(contentsOf: configuration.credentialHeaders)
        headers.append(contentsOf: configuration.headers)
        baseHeaders = headers
    }

    public var providerID: String { configuration.id }
    public var capabilities: Set<Capability> { configuration.entry.capabilities }

    /// Requests Gemini cannot serve through this adapter, so routing tries another provider:
    /// logprobs (not mapped back) and content parts other than text, images, audio and
    /// `file_data` files.
    public func incompatibility(with request: ChatRequest) -> String? {
        if !capabilities.contains(.chat) { return "does not offer chat" }
        if request.logprobs == true || (request.topLogprobs ?? 0) > 0 { return "does not return logprobs through this adapter" }
        for message in request.messages {
            guard case .parts(let parts)? = message.content else { continue }
            for case .other(let object) in parts where !(object["type"] == "file" && object["file"]?["file_data"]?.stringValue != nil) {
                return "does not accept this kind of content part (only text, images, audio and file_data)"
            }
        }
        return nil
    }

    /// `<base>/models/<model>:generateContent`, or `:streamGenerateContent?alt=sse` (without
    /// `alt=sse` Gemini would stream one JSON array instead of SSE frames).
    public func url(model: String, stream: Bool) -> String {
        configuration.baseURL + "/models/\(model)" + (stream ? ":streamGenerateContent?alt=sse" : ":generateContent")
    }

    public func makeChatRequest(_ request: ChatRequest, upstreamModel: String) throws(GatewayError) -> UpstreamRequest {
        let body = try GeminiWire.encodeRequest(request, model: upstreamModel)
        var headers = baseHeaders
        if request.stream { headers.append(("accept", "text/event-stream")) }
        return UpstreamRequest(url: url(model: upstreamModel, stream: request.stream), headers: headers,
                               body: JSONWriter.bytes(.object(body)), expectsStream: request.stream)
    }

    public func parseChatResponse(status: Int, headers: [(String, String)], body: [UInt8]) throws(GatewayError) -> ChatResponse {
        let json = try UpstreamJSON.parse(body, provider: providerID)
        do { return try GeminiWire.decodeResponse(json, created: Int(now())) } catch {
            throw GatewayError.badUpstreamResponse(providerID, error.message)
        }
    }

    public func makeChatStreamDecoder(for request: ChatRequest) -> any ChatStreamDecoder {
        GeminiStreamDecoder(providerID: providerID, created: Int(now()))
    }
}
