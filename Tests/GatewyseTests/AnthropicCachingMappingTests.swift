import GatewyseCore
import GatewyseProviders
import GatewyseTesting
import Testing

/// OpenAI clients mark prompt-caching breakpoints the way LiteLLM taught them: `cache_control`
/// on a content part, on a tool, or on a whole message. Each must reach the matching Anthropic
/// block; OpenAI-format upstreams must receive none of them. Every Anthropic body here also
/// passes the validating mock (`AnthropicFixtures.body`).
@Suite("Anthropic adapter: prompt-caching markers and tool-result errors")
struct AnthropicCachingMappingTests {
    typealias F = AnthropicFixtures
    static let ephemeral: JSONValue = ["type": "ephemeral"]

    @Test("a marked content part marks its block (text, image, PDF); unmarked parts stay unmarked")
    func parts() throws {
        let body = try F.body(#"""
        {"model":"m","messages":[{"role":"user","content":[
          {"type":"text","text":"Here is the contract.","cache_control":{"type":"ephemeral","ttl":"1h"}},
          {"type":"file","file":{"filename":"c.pdf","file_data":"data:application/pdf;base64,JVBERi0x"},"cache_control":{"type":"ephemeral"}},
          {"type":"image_url","image_url":{"url":"https://example.com/a.png"}},
          {"type":"text","text":"Summarize it."}]}]}
        """#)
        #expect(F.messages(body)[0]["content"] == [
            ["type": "text", "text": "Here is the contract.", "cache_control": ["type": "ephemeral", "ttl": "1h"]],
            ["type": "document", "source": ["type": "base64", "media_type": "application/pdf", "data": "JVBERi0x"], "cache_control": Self.ephemeral],
            ["type": "image", "source": ["type": "url", "url": "https://example.com/a.png"]],
            ["type": "text", "text": "Summarize it."],
        ])
    }

    @Test("a blank marked part is left out and its marker goes on the block before it (the same cached prefix)")
    func blankPart() throws {
        let body = try F.body(#"""
        {"model":"m","messages":[{"role":"user","content":[{"type":"text","text":"long context"},{"type":"text","text":"\n","cache_control":{"type":"ephemeral"}}]}]}
        """#)
        #expect(F.messages(body)[0]["content"] == [["type": "text", "text": "long context", "cache_control": Self.ephemeral]])
    }

    @Test("a message-level marker goes on the last block the message becomes: text, tool_use, tool_result")
    func messageLevel() throws {
        let body = try F.body(#"""
        {"model":"m","tools":[{"type":"function","function":{"name":"f","parameters":{"type":"object"}}}],"messages":[
          {"role":"user","content":"big document text","cache_control":{"type":"ephemeral"}},
          {"role":"assistant","content":"calling","tool_calls":[{"id":"call_1","type":"function","function":{"name":"f","arguments":"{}"}}],"cache_control":{"type":"ephemeral"}},
          {"role":"tool","tool_call_id":"call_1","content":"42","cache_control":{"type":"ephemeral"}}]}
        """#)
        let messages = F.messages(body)
        #expect(messages[0]["content"] == [["type": "text", "text": "big document text", "cache_control": Self.ephemeral]])
        #expect(messages[1]["content"] == [["type": "text", "text": "calling"],
                                           ["type": "tool_use", "id": "call_1", "name": "f", "input": [:], "cache_control": Self.ephemeral]])
        #expect(messages[2]["content"] == [["type": "tool_result", "tool_use_id": "call_1", "content": "42", "cache_control": Self.ephemeral]])
    }

    @Test("a marked system message makes system text blocks with the marker where it was; unmarked system stays one string")
    func system() throws {
        let marked = try F.body(#"""
        {"model":"m","messages":[
          {"role":"system","content":[{"type":"text","text":"You are a lawyer."},{"type":"text","text":"The contract: …","cache_control":{"type":"ephemeral"}}]},
          {"role":"developer","content":"Answer briefly."},
          {"role":"user","content":"q"}]}
        """#)
        #expect(marked["system"] == [["type": "text", "text": "You are a lawyer."],
                                     ["type": "text", "text": "The contract: …", "cache_control": Self.ephemeral],
                                     ["type": "text", "text": "Answer briefly."]])
        let messageLevel = try F.body(#"{"model":"m","messages":[{"role":"system","content":"Rules.","cache_control":{"type":"ephemeral"}},{"role":"user","content":"q"}]}"#)
        #expect(messageLevel["system"] == [["type": "text", "text": "Rules.", "cache_control": Self.ephemeral]])
        let plain = try F.body(#"{"model":"m","messages":[{"role":"system","content":[{"type":"text","text":"a"},{"type":"text","text":"b"}]},{"role":"system","content":"c"},{"role":"user","content":"q"}]}"#)
        #expect(plain["system"] == "ab\n\nc")
    }

    @Test("a marked tool keeps its marker; the others get none")
    func tools() throws {
        let body = try F.body(#"""
        {"model":"m","messages":[{"role":"user","content":"q"}],"tools":[
          {"type":"function","function":{"name":"a","parameters":{"type":"object"}}},
          {"type":"function","function":{"name":"b","parameters":{"type":"object"}},"cache_control":{"type":"ephemeral"}}]}
        """#)
        let tools = body["tools"]?.arrayValue ?? []
        #expect(tools.count == 2)
        #expect(tools.first?["cache_control"] == nil)
        #expect(tools.last?["cache_control"] == Self.ephemeral)
    }

    @Test("a tool message never gets is_error from its text; it does from the carrier an Anthropic client's tool_result fills")
    func isError() throws {
        let json = #"""
        {"model":"m","tools":[{"type":"function","function":{"name":"f"}}],"messages":[{"role":"user","content":"q"},
          {"role":"assistant","content":null,"tool_calls":[{"id":"call_1","type":"function","function":{"name":"f","arguments":"{}"}}]},
          {"role":"tool","tool_call_id":"call_1","content":"Error: city not found"}]}
        """#
        let inferred = try F.body(json)
        #expect(F.messages(inferred)[2]["content"]?.arrayValue?.first?["is_error"] == nil)

        var request = try F.request(json)
        request.messages[2].extra[AnthropicMessagesWire.ExtraKey.isError] = true
        let body = try JSONParser.parse(try F.adapter().makeChatRequest(request, upstreamModel: "m").body)
        #expect(F.messages(body)[2]["content"] == [["type": "tool_result", "tool_use_id": "call_1", "content": "Error: city not found", "is_error": true]])
    }

    @Test("OpenAI-format upstreams receive no caching markers and no is_error")
    func notForOpenAI() throws {
        var request = try F.request(#"""
        {"model":"m","messages":[{"role":"system","content":"s","cache_control":{"type":"ephemeral"}},
          {"role":"user","content":[{"type":"text","text":"x","cache_control":{"type":"ephemeral"}},
            {"type":"file","file":{"filename":"c.pdf","file_data":"data:application/pdf;base64,JVBERi0x"},"cache_control":{"type":"ephemeral"}}]}],
         "tools":[{"type":"function","function":{"name":"f"},"cache_control":{"type":"ephemeral"}}]}
        """#)
        request.messages[1].extra[AnthropicMessagesWire.ExtraKey.isError] = true
        let openAI = OpenAICompatibleAdapter(configuration: ProviderConfiguration(
            id: "o", entry: ProviderCatalog.entry(forType: "openai")!, baseURL: "https://api.openai.com/v1", apiKey: Secret("k")))
        let text = String(decoding: try openAI.makeChatRequest(request, upstreamModel: "gpt").body, as: UTF8.self)
        #expect(!text.contains("cache_control"), "\(text)")
        #expect(!text.contains("is_error"), "\(text)")
        let body = try JSONParser.parse(text)
        #expect(body["messages"]?.arrayValue?[1]["content"] == [["type": "text", "text": "x"],
                                                               ["type": "file", "file": ["filename": "c.pdf", "file_data": "data:application/pdf;base64,JVBERi0x"]]])
        #expect(body["tools"]?.arrayValue?.first?["function"]?["name"] == "f")
    }

    @Test("a marker that is not an object is a 400 naming it")
    func invalidMarker() {
        for (json, param) in [
            (#"{"model":"m","messages":[{"role":"user","content":[{"type":"text","text":"x","cache_control":"ephemeral"}]}]}"#, "messages[0].content[0].cache_control"),
            (#"{"model":"m","messages":[{"role":"user","content":"x"}],"tools":[{"type":"function","function":{"name":"f"},"cache_control":true}]}"#, "tools[0].cache_control"),
        ] {
            let error = #expect(throws: GatewayError.self) { try F.request(json) }
            #expect(error?.status == 400)
            #expect(error?.param == param, "\(String(describing: error))")
        }
    }
}
