import GatewyseCore
import GatewyseProviders
import Testing

@Suite("Anthropic adapter: response mapping")
struct AnthropicResponseMappingTests {
    typealias F = AnthropicFixtures

    func parse(_ json: String) throws -> ChatResponse {
        try F.adapter().parseChatResponse(status: 200, headers: [], body: Array(json.utf8))
    }

    static let usage = #""usage":{"input_tokens":10,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":5}"#

    @Test("text blocks are joined; id and model are kept; created comes from the clock")
    func text() throws {
        let response = try parse(#"""
        {"id":"msg_01ABC","type":"message","role":"assistant","model":"claude-sonnet-4-20250514",
         "content":[{"type":"text","text":"Hello"},{"type":"text","text":", world"}],"stop_reason":"end_turn","stop_sequence":null,\#(Self.usage)}
        """#)
        #expect(response.id == "msg_01ABC")
        #expect(response.model == "claude-sonnet-4-20250514")
        #expect(response.created == Int(F.now))
        #expect(response.choices.count == 1)
        #expect(response.choices[0].message.role == .assistant)
        #expect(response.choices[0].message.content == .text("Hello, world"))
        #expect(response.choices[0].message.toolCalls == nil)
        #expect(response.choices[0].finishReason == .stop)
        #expect(response.usage?.promptTokens == 10 && response.usage?.completionTokens == 5 && response.usage?.totalTokens == 15)
    }

    @Test("tool_use blocks become tool calls with the id kept and input as the arguments string; content is null without text")
    func toolUse() throws {
        let response = try parse(#"""
        {"id":"msg_1","type":"message","role":"assistant","model":"m","content":[
          {"type":"tool_use","id":"toolu_01A","name":"weather","input":{"city":"Paris","days":[1,2]}},
          {"type":"tool_use","id":"toolu_01B","name":"clock","input":{}}],"stop_reason":"tool_use","stop_sequence":null,\#(Self.usage)}
        """#)
        let message = response.choices[0].message
        #expect(message.content == nil)
        let calls = try #require(message.toolCalls)
        #expect(calls.map(\.id) == ["toolu_01A", "toolu_01B"])
        #expect(calls.map(\.name) == ["weather", "clock"])
        #expect(try JSONParser.parse(calls[0].arguments) == ["city": "Paris", "days": [1, 2]])
        #expect(calls[1].arguments == "{}")
        #expect(response.choices[0].finishReason == .toolCalls)

        let withText = try parse(#"""
        {"id":"msg_1","type":"message","role":"assistant","model":"m","content":[{"type":"text","text":"Let me check."},
          {"type":"tool_use","id":"toolu_01A","name":"weather","input":{"city":"Paris"}}],"stop_reason":"tool_use",\#(Self.usage)}
        """#)
        #expect(withText.choices[0].message.content == .text("Let me check."))
        #expect(withText.choices[0].message.toolCalls?.count == 1)
    }

    @Test("usage: prompt tokens include cache reads and writes; cached tokens are the cache reads")
    func cacheUsage() throws {
        let response = try parse(#"""
        {"id":"msg_1","type":"message","role":"assistant","model":"m","content":[{"type":"text","text":"ok"}],"stop_reason":"end_turn",
         "usage":{"input_tokens":10,"cache_creation_input_tokens":20,"cache_read_input_tokens":100,"output_tokens":5}}
        """#)
        let usage = try #require(response.usage)
        #expect(usage.promptTokens == 130)
        #expect(usage.completionTokens == 5)
        #expect(usage.totalTokens == 135)
        #expect(usage.cachedPromptTokens == 100)
        #expect(usage.extra["cache_creation_input_tokens"] == 20)
        let encoded = OpenAIChatWire.encodeUsage(usage)
        #expect(encoded["prompt_tokens_details"]?["cached_tokens"] == 100)
    }

    @Test("stop_reason becomes finish_reason", arguments: [
        ("end_turn", "stop"), ("stop_sequence", "stop"), ("pause_turn", "stop"), ("max_tokens", "length"),
        ("model_context_window_exceeded", "length"), ("tool_use", "tool_calls"), ("refusal", "content_filter"), ("something_new", "something_new"),
    ])
    func stopReasons(stopReason: String, finishReason: String) throws {
        let response = try parse(#"""
        {"id":"msg_1","type":"message","role":"assistant","model":"m","content":[{"type":"text","text":"x"}],"stop_reason":"\#(stopReason)",\#(Self.usage)}
        """#)
        #expect(response.choices[0].finishReason?.rawValue == finishReason)
    }

    @Test("thinking becomes reasoning_content, and the signed blocks are kept for the next turn")
    func thinking() throws {
        let response = try parse(#"""
        {"id":"msg_1","type":"message","role":"assistant","model":"m","content":[
          {"type":"thinking","thinking":"Let me think.","signature":"sig_abc"},{"type":"redacted_thinking","data":"enc"},
          {"type":"text","text":"Answer."}],"stop_reason":"end_turn",\#(Self.usage)}
        """#)
        let message = response.choices[0].message
        #expect(message.content == .text("Answer."))
        #expect(message.reasoningContent == "Let me think.")
        #expect(message.extra["thinking_blocks"] == [["type": "thinking", "thinking": "Let me think.", "signature": "sig_abc"],
                                                     ["type": "redacted_thinking", "data": "enc"]])
    }

    @Test("the structured-output tool comes back as JSON content with finish reason stop")
    func structuredOutput() throws {
        let response = try parse(#"""
        {"id":"msg_1","type":"message","role":"assistant","model":"m","content":[
          {"type":"tool_use","id":"toolu_1","name":"\#(AnthropicMessagesWire.structuredOutputToolName)","input":{"name":"Shakespeare"}}],
         "stop_reason":"tool_use",\#(Self.usage)}
        """#)
        #expect(response.choices[0].message.content == .text(#"{"name":"Shakespeare"}"#))
        #expect(response.choices[0].message.toolCalls == nil)
        #expect(response.choices[0].finishReason == .stop)
    }

    @Test("an unreadable body is a 502 UPSTREAM_BAD_RESPONSE")
    func malformed() {
        for body in ["not json", #"{"id":"msg_1","type":"message"}"#] {
            let error = #expect(throws: GatewayError.self) { try parse(body) }
            #expect(error?.status == 502)
            #expect(error?.code == "UPSTREAM_BAD_RESPONSE")
        }
    }
}
