import GatewyseCore

/// The outbound adapter for Cohere's API v2 (providers.md §7, translation rules §4.3):
/// OpenAI-shaped unified requests go out as `POST <base>/v2/chat` with the key as a Bearer
/// token; answers and streams come back unified. Pure functions over recorded bytes
/// (ARCHITECTURE rule 1); the clock is injected because Cohere sends no `created` timestamp.
/// Embeddings (`/v2/embed`, `CohereAdapter+Embeddings`) and rerank (`/v2/rerank`,
/// `CohereAdapter+Rerank`) share the key and headers.
public struct CohereAdapter: ProviderAdapter {
    public let configuration: ProviderConfiguration
    private let chatURL: String
    let baseHeaders: [(String, String)]
    /// Wall-clock seconds since 1970.
    let now: @Sendable () -> Double

    public init(configuration: ProviderConfiguration, now: @escaping @Sendable () -> Double = AnthropicAdapter.systemTime) {
        self.configuration = configuration
        self.now = now
        chatURL = configuration.baseURL + CohereChatWire.path
        var headers: [(String, String)] = [("content-type", "application/json")]
        headers.append(contentsOf: configuration.credentialHeaders)
        headers.append(contentsOf: configuration.headers)
        baseHeaders = headers
    }

    public var providerID: String { configuration.id }
    public var capabilities: Set<Capability> { configuration.entry.capabilities }

    /// Requests Cohere cannot serve, so routing tries another provider: several choices (Cohere
    /// has no `n`), alternatives per token (its `logprobs` is a bool without `top_logprobs`),
    /// and content parts other than text and images.
    public func incompatibility(with request: ChatRequest) -> String? {
        if !capabilities.contains(.chat) { return "does not offer chat" }
        if let n = request.n, n > 1 { return "accepts at most n=1" }
        if (request.topLogprobs ?? 0) > 0 { return "does not return top_logprobs" }
        for message in request.messages {
            guard case .parts(let parts)? = message.content else { continue }
            for part in parts {
                switch part {
                case .text, .imageURL: continue
                case .inputAudio: return "does not accept audio input"
                case .other: return "does not accept this kind of content part (only text and images)"
                }
            }
        }
        return nil
    }

    public func makeChatRequest(_ request: ChatRequest, upstreamModel: String) throws(GatewayError) -> UpstreamRequest {
        let body = try CohereChatWire.encodeRequest(request, model: upstreamModel)
        var headers = baseHeaders
        if request.stream { headers.append(("accept", "text/event-stream")) }
        return UpstreamRequest(url: chatURL, headers: headers, body: JSONWriter.bytes(.object(body)), expectsStream: request.stream)
    }

    public func parseChatResponse(status: Int, headers: [(String, String)], body: [UInt8]) throws(GatewayError) -> ChatResponse {
        let json = try UpstreamJSON.parse(body, provider: providerID)
        return try CohereChatWire.decodeResponse(json, providerID: providerID, created: Int(now()))
    }

    public func makeChatStreamDecoder(for request: ChatRequest) -> any ChatStreamDecoder {
        CohereStreamDecoder(providerID: providerID, created: Int(now()))
    }
}
