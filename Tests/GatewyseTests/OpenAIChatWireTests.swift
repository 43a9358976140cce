import Foundation
import GatewyseCore
import GatewyseProviders
import Testing

@Suite("OpenAI chat wire mapping")
struct OpenAIChatWireTests {
    func decode(_ text: String) throws -> ChatRequest {
        try OpenAIChatWire.decodeRequest(try JSONParser.parse(text))
    }

    func error(_ text: String) -> GatewayError? {
        do { _ = try decode(text); return nil } catch let error as GatewayError { return error } catch { return nil }
    }

    @Test("decodes every modelled field")
    func fullRequest() throws {
        let request = try decode("""
            {"model":"m","messages":[
              {"role":"system","content":"be brief"},
              {"role":"user","content":[{"type":"text","text":"what is this?"},{"type":"image_url","image_url":{"url":"data:image/png;base64,AAAA","detail":"low"}}]},
              {"role":"assistant","content":null,"tool_calls":[{"id":"call_1","type":"function","function":{"name":"f","arguments":"{}"}}]},
              {"role":"tool","tool_call_id":"call_1","content":"42"}],
             "stream":true,"stream_options":{"include_usage":true},"temperature":0.2,"top_p":1,"max_completion_tokens":100,
             "n":2,"stop":"END","seed":7,"tools":[{"type":"function","function":{"name":"f","parameters":{"type":"object"}}}],
             "tool_choice":{"type":"function","function":{"name":"f"}},"parallel_tool_calls":false,
             "response_format":{"type":"json_schema","json_schema":{"name":"s","schema":{"type":"object"},"strict":true}},
             "logprobs":true,"top_logprobs":3,"user":"u1","presence_penalty":0.5,"logit_bias":{"50256":-100}}
            """)
        #expect(request.messages.count == 4)
        #expect(request.messages[1].content?.hasImages == true)
        #expect(request.messages[2].toolCalls?.first?.name == "f")
        #expect(request.messages[3].toolCallID == "call_1")
        #expect(request.stream && request.includeStreamUsage)
        #expect(request.maxTokens == 100 && request.maxTokensField == .maxCompletionTokens)
        #expect(request.stop == ["END"])
        #expect(request.toolChoice == .function(name: "f"))
        #expect(request.responseFormat == .jsonSchema(name: "s", schema: ["type": "object"], strict: true, description: nil))
        #expect(request.extra.keys == ["presence_penalty", "logit_bias"])
    }

    @Test("re-encodes a request with only the model changed")
    func passThrough() throws {
        let text = #"{"model":"alias","messages":[{"role":"user","content":"hi","name":"bob"}],"temperature":0.5,"seed":3,"top_k":5,"logit_bias":{"1":2}}"#
        let request = try decode(text)
        let body = OpenAIChatWire.encodeRequest(request, model: "upstream-model")
        let expected = try JSONParser.parse(text.replacingOccurrences(of: "\"alias\"", with: "\"upstream-model\""))
        #expect(JSONValue.object(body) == expected)
    }

    @Test("names the offending field", arguments: [
        (#"{"messages":[{"role":"user","content":"x"}]}"#, "model", 400),
        (#"{"model":"m"}"#, "messages", 400),
        (#"{"model":"m","messages":[]}"#, "messages", 400),
        (#"{"model":"m","messages":[{"role":"usr","content":"x"}]}"#, "messages[0].role", 400),
        (#"{"model":"m","messages":[{"role":"user"}]}"#, "messages[0].content", 400),
        (#"{"model":"m","messages":[{"role":"user","content":5}]}"#, "messages[0].content", 400),
        (#"{"model":"m","messages":[{"role":"user","content":"x"}],"temperature":"hot"}"#, "temperature", 400),
        (#"{"model":"m","messages":[{"role":"user","content":"x"}],"temperature":3}"#, "temperature", 400),
        (#"{"model":"m","messages":[{"role":"user","content":"x"}],"n":0}"#, "n", 400),
        (#"{"model":"m","messages":[{"role":"tool","content":"x"}]}"#, "messages[0].tool_call_id", 400),
        (#"{"model":"m","messages":[{"role":"user","content":"x"}],"tools":[{"type":"function","function":{"name":"bad name"}}]}"#, "tools[0].function.name", 400),
        (#"{"model":"m","messages":[{"role":"user","content":"x"}],"tool_choice":"sometimes"}"#, "tool_choice", 400),
        (#"{"model":"m","messages":[{"role":"user","content":"x"}],"tool_choice":{"type":"function","function":{"name":"g"}}}"#, "tool_choice", 400),
        (#"{"model":"m","messages":[{"role":"user","content":"x"}],"response_format":{"type":"xml"}}"#, "response_format.type", 400),
        (#"{"model":"m","messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"file:///etc/passwd"}}]}]}"#, "messages[0].content[0].image_url.url", 400),
    ])
    func validation(body: String, param: String, status: Int) {
        let error = error(body)
        #expect(error?.status == status)
        #expect(error?.param == param, "\(String(describing: error))")
    }

    @Test("a body that is not an object is refused")
    func notAnObject() {
        #expect(error("[1,2]")?.code == "INVALID_REQUEST")
    }

    @Test("decodes a response and a chunk stream into unified values and back")
    func responses() throws {
        let response = try OpenAIChatWire.decodeResponse(try JSONParser.parse("""
            {"id":"c1","object":"chat.completion","created":5,"model":"m","choices":[{"index":0,"message":{"role":"assistant","content":null,
             "tool_calls":[{"id":"t1","type":"function","function":{"name":"f","arguments":"{\\"a\\":1}"}}]},"finish_reason":"tool_calls"}],
             "usage":{"prompt_tokens":3,"completion_tokens":4,"total_tokens":7,"prompt_tokens_details":{"cached_tokens":2}},"citations":["u"]}
            """))
        #expect(response.choices[0].message.toolCalls == [ToolCall(id: "t1", name: "f", arguments: #"{"a":1}"#)])
        #expect(response.choices[0].finishReason == .toolCalls)
        #expect(response.usage?.cachedPromptTokens == 2)
        #expect(response.extra["citations"] == ["u"])
        let encoded = OpenAIChatWire.encodeResponse(response)
        #expect(encoded["citations"] == ["u"])
        #expect(encoded["usage"]?["prompt_tokens_details"]?["cached_tokens"] == 2)

        let chunk = try OpenAIChatWire.decodeChunk(try JSONParser.parse(
            #"{"id":"c1","object":"chat.completion.chunk","created":5,"model":"m","choices":[{"index":0,"delta":{"tool_calls":[{"index":1,"function":{"arguments":"{\"a"}}]},"finish_reason":null}]}"#))
        #expect(chunk.choices[0].delta.toolCalls == [ToolCallDelta(index: 1, arguments: "{\"a")])
        let reencoded = OpenAIChatWire.encodeChunk(chunk)
        #expect(reencoded["choices"]?.arrayValue?[0]["delta"]?["tool_calls"]?.arrayValue?[0]["index"] == 1)
    }
}
