import GatewyseCore
import GatewyseProviders
import Testing

@Suite("A conversation that moves from a native provider to an OpenAI-format one")
struct NativeFieldStrippingTests {
    @Test("Gemini thought signatures and Anthropic signed thinking carried in a message do not reach an OpenAI-format upstream")
    func stripped() throws {
        let entry = ProviderCatalog.entry(forType: "openai")!
        let adapter = OpenAICompatibleAdapter(configuration: ProviderConfiguration(id: "openai", entry: entry, baseURL: "https://api.openai.com/v1", apiKey: Secret("k")))
        var earlier = ChatMessage(role: .assistant, content: nil, toolCalls: [ToolCall(id: "call_1", name: "f", arguments: "{}")])
        earlier.extra[GeminiWire.thoughtSignaturesKey] = ["call_1": "sig-g"]
        earlier.extra["thinking_blocks"] = [["type": "thinking", "thinking": "t", "signature": "sig-a"]]
        let request = ChatRequest(model: "x", messages: [.user("hi"), earlier, ChatMessage(role: .tool, content: .text("ok"), toolCallID: "call_1")])
        let body = try JSONParser.parse(adapter.makeChatRequest(request, upstreamModel: "gpt-4o-mini").body)
        let sent = try #require(body["messages"]?.arrayValue?[1].objectValue)
        #expect(sent.keys.sorted() == ["content", "role", "tool_calls"])
    }
}
