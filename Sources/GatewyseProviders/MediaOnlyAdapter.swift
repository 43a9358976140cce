import GatewyseCore

/// An adapter for a provider that has no chat at all (ElevenLabs, Stability AI: providers.md
/// §19, §27): the chat requirements of `ProviderAdapter` refuse, so such an adapter is only its
/// media functions. Routing never sends it a chat — `incompatibility` skips it first — and the
/// refusals below are what a caller that skipped that check would get.
public protocol MediaOnlyAdapter: ProviderAdapter {}

extension MediaOnlyAdapter {
    public func incompatibility(with request: ChatRequest) -> String? { "does not offer chat" }

    public func makeChatRequest(_ request: ChatRequest, upstreamModel: String) throws(GatewayError) -> UpstreamRequest {
        throw refusal("chat")
    }

    public func parseChatResponse(status: Int, headers: [(String, String)], body: [UInt8]) throws(GatewayError) -> ChatResponse {
        throw refusal("chat")
    }

    public func makeChatStreamDecoder(for request: ChatRequest) -> any ChatStreamDecoder {
        RefusedChatStream(failure: refusal("chat"))
    }
}

/// The stream decoder of a provider without chat: it ends at once with the refusal.
struct RefusedChatStream: ChatStreamDecoder {
    let failure: GatewayError?
    var isFinished: Bool { true }
    mutating func decode(_ bytes: [UInt8]) throws(GatewayError) -> [ChatChunk] { [] }
}
