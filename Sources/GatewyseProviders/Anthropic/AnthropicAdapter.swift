import GatewyseCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The outbound adapter for Anthropic's Messages API (providers.md §2, translation rules §4.1):
/// OpenAI-shaped unified requests go out as `POST <base>/v1/messages`, answers and streams come
/// back unified. Pure functions over recorded bytes (ARCHITECTURE rule 1); the clock is injected
/// because Anthropic sends no `created` timestamp and rate-limit resets are absolute times.
public struct AnthropicAdapter: ProviderAdapter {
    public let configuration: ProviderConfiguration
    private let messagesURL: String
    private let baseHeaders: [(String, String)]
    /// Wall-clock seconds since 1970.
    let now: @Sendable () -> Double

    public init(configuration: ProviderConfiguration, now: @escaping @Sendable () -> Double = AnthropicAdapter.systemTime) {
        self.configuration = configuration
        self.now = now
        messagesURL = configuration.baseURL + "/v1/messages"
        var headers: [(String, String)] = [("content-type", "application/json")]
        headers.append(contentsOf: configuration.credentialHeaders)
        // An operator may pin another version (or add `anthropic-beta`) through `headers`.
        if !configuration.headers.contains(where: { $0.0.lowercased() == "anthropic-version" }) {
            headers.append(("anthropic-version", AnthropicMessagesWire.apiVersion))
        }
        headers.append(contentsOf: configuration.headers)
        baseHeaders = headers
    }

    public var providerID: String { configuration.id }
    public var capabilities: Set<Capability> { configuration.entry.capabilities }

    /// Requests Anthropic cannot serve at all, so the router tries another provider instead:
    /// several choices, logprobs, audio or unknown content parts, and JSON mode combined with
    /// tools (the mode is emulated with a forced tool, which would hide the client's tools).
    public func incompatibility(with request: ChatRequest) -> String? {
        if !capabilities.contains(.chat) { return "does not offer chat" }
        if let n = request.n, n > 1 { return "accepts at most n=1" }
        if request.logprobs == true || (request.topLogprobs ?? 0) > 0 { return "does not return logprobs" }
        for message in request.messages {
            guard case .parts(let parts)? = message.content else { continue }
            for part in parts where !AnthropicMessagesWire.isSupported(part) {
                if case .inputAudio = part { return "does not accept audio input" }
                return "does not accept this kind of content part (only text, images and PDF file_data)"
            }
        }
        if AnthropicMessagesWire.structuredOutputTool(request.responseFormat) != nil, !(request.tools ?? []).isEmpty {
            return "cannot combine response_format with tools (JSON mode is emulated with a forced tool)"
        }
        return nil
    }

    public func makeChatRequest(_ request: ChatRequest, upstreamModel: String) throws(GatewayError) -> UpstreamRequest {
        let body = try AnthropicMessagesWire.encodeRequest(request, model: upstreamModel)
        var headers = baseHeaders
        if request.stream { headers.append(("accept", "text/event-stream")) }
        return UpstreamRequest(url: messagesURL, headers: headers, body: JSONWriter.bytes(.object(body)), expectsStream: request.stream)
    }

    public func parseChatResponse(status: Int, headers: [(String, String)], body: [UInt8]) throws(GatewayError) -> ChatResponse {
        let json = try UpstreamJSON.parse(body, provider: providerID)
        do { return try AnthropicMessagesWire.decodeResponse(json, created: Int(now())) } catch {
            throw GatewayError.badUpstreamResponse(providerID, error.message)
        }
    }

    public func makeChatStreamDecoder(for request: ChatRequest) -> any ChatStreamDecoder {
        let emulates = (request.tools ?? []).isEmpty && AnthropicMessagesWire.structuredOutputTool(request.responseFormat) != nil
        return AnthropicStreamDecoder(providerID: providerID, created: Int(now()), emulatesStructuredOutput: emulates)
    }

    @Sendable public static func systemTime() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }
}
