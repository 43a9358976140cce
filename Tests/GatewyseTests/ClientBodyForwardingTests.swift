import GatewyseCore
import GatewyseProviders
import Testing

/// An OpenAI-format client's body goes to an OpenAI-format upstream as it came, with only `model`
/// replaced, whenever that reads the same as the body encoded from its decoding.
@Suite("Client body forwarding")
struct ClientBodyForwardingTests {
    /// What the data plane does with a client's bytes: parse once (locating `model`), decode,
    /// keep the body when it is forwardable.
    static func request(_ text: String) throws -> ChatRequest {
        let bytes = Array(text.utf8)
        let (json, modelRange) = try bytes.withUnsafeBufferPointer { try JSONParser.parse(buffer: $0, locatingTopLevel: "model") }
        var request = try OpenAIChatWire.decodeRequest(json)
        request.clientBody = OpenAIChatWire.clientBody(json, bytes: bytes, modelRange: modelRange)
        return request
    }

    static func adapter(_ type: String) -> any ProviderAdapter {
        let entry = ProviderCatalog.entry(forType: type)!
        return ProviderRegistry.makeAdapter(for: ProviderConfiguration(id: type, entry: entry, baseURL: "https://example.com/v1", apiKey: Secret("k")))
    }

    static func sent(_ text: String, to type: String = "openai", model: String = "gpt-4o") throws -> String {
        String(decoding: try adapter(type).makeChatRequest(try request(text), upstreamModel: model).body, as: UTF8.self)
    }

    /// The body the adapter encodes from the decoded request, ignoring the client's bytes.
    static func encoded(_ text: String, to type: String = "openai", model: String = "gpt-4o") throws -> String {
        var request = try request(text)
        request.clientBody = nil
        return String(decoding: try adapter(type).makeChatRequest(request, upstreamModel: model).body, as: UTF8.self)
    }

    static let sdkBody = #"""
        { "model" : "mock/gpt-4o", "messages": [{"role": "system", "content": "Be brief.", "model": "not this one"},
          {"role": "user", "content": [{"type": "text", "text": "caf\u00e9 \"quoted\""}, {"type": "image_url", "image_url": {"url": "https://x/y.png"}}]},
          {"role": "assistant", "content": null, "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "f", "arguments": "{}"}}]},
          {"role": "tool", "tool_call_id": "c1", "content": "42"}],
          "temperature": 0.70, "logit_bias": {"50256": -100}, "seed": 1e3,
          "tools": [{"type": "function", "function": {"name": "f", "parameters": {"type": "object"}}}] }
        """#

    @Test("the parser locates the top-level model's value, not a nested look-alike; a repeated one is not located")
    func locating() throws {
        func locate(_ text: String) throws -> String? {
            let bytes = Array(text.utf8)
            let (_, range) = try bytes.withUnsafeBufferPointer { try JSONParser.parse(buffer: $0, locatingTopLevel: "model") }
            return range.map { String(decoding: bytes[$0], as: UTF8.self) }
        }
        #expect(try locate(Self.sdkBody) == #""mock/gpt-4o""#)
        #expect(try locate(#"{"messages":[{"model":"x"}]}"#) == nil)
        #expect(try locate(#"{"model":"a","messages":[],"model":"b"}"#) == nil)
        #expect(try Self.request(#"{"model":"a","messages":[{"role":"user","content":"hi"}],"model":"b"}"#).clientBody == nil)
    }

    @Test("an SDK body reaches an OpenAI-format upstream byte for byte but the model: spacing, escapes, number lexemes and unknown fields kept")
    func byteForByte() throws {
        #expect(try Self.request(Self.sdkBody).clientBody != nil)
        #expect(try Self.sent(Self.sdkBody) == Self.sdkBody.replacingOccurrences(of: #""model" : "mock/gpt-4o""#, with: #""model" : "gpt-4o""#))
        // A model name that needs escaping is written as JSON.
        #expect(try Self.sent(#"{"model":"a","messages":[{"role":"user","content":"hi"}]}"#, model: #"we"ird\"#)
            == #"{"model":"we\"ird\\","messages":[{"role":"user","content":"hi"}]}"#)
    }

    @Test("forwarded and re-encoded bodies mean the same", arguments: [
        #"{"model":"m","messages":[{"role":"user","content":"hi"}],"max_completion_tokens":5,"stop":["x"],"n":2,"user":"u"}"#,
        #"{"model":"m","messages":[{"role":"developer","content":[{"type":"text","text":"t"}]},{"role":"user","content":"q","name":"ann"}],"response_format":{"type":"json_object"},"tool_choice":"auto","parallel_tool_calls":false}"#,
        #"{"model":"m","messages":[{"role":"user","content":"hi"}],"stream":true,"stream_options":{"include_usage":true},"presence_penalty":1}"#,
    ])
    func sameMeaning(_ body: String) throws {
        #expect(try Self.request(body).clientBody != nil)
        #expect(try JSONParser.parse(Self.sent(body)) == JSONParser.parse(Self.encoded(body)))
    }

    @Test("a stream without stream_options gets include_usage added in place, so the gateway can meter it")
    func streamUsageAdded() throws {
        let body = #"  {"model":"m","messages":[{"role":"user","content":"hi"}],"stream":true}"#
        #expect(try Self.sent(body) == #"  {"stream_options":{"include_usage":true},"model":"gpt-4o","messages":[{"role":"user","content":"hi"}],"stream":true}"#)
        #expect(try JSONParser.parse(Self.sent(body)) == JSONParser.parse(Self.encoded(body)))
    }

    @Test("bodies the decoder normalizes are encoded again", arguments: [
        #"{"model":"m","messages":[{"role":"user","content":"hi"}],"temperature":null}"#,
        #"{"model":"m","messages":[{"role":"user","content":"hi","name":null}]}"#,
        #"{"model":"m","messages":[{"role":"user","content":"hi"}],"max_tokens":5,"max_completion_tokens":6}"#,
        #"{"model":"m","messages":[{"role":"user","content":"hi"}],"tools":[{"function":{"name":"f"}}]}"#,
        #"{"model":"m","messages":[{"role":"assistant","content":"x","tool_calls":[]}]}"#,
        #"{"model":"m","messages":[{"role":"assistant","content":null,"tool_calls":[{"id":"c","function":{"name":"f","arguments":"{}"}}]},{"role":"tool","tool_call_id":"c","content":"1"}]}"#,
        #"{"model":"m","messages":[{"role":"user","content":[{"type":"image_url","image_url":"https://x/y.png"}]}]}"#,
    ])
    func normalized(_ body: String) throws {
        #expect(try Self.request(body).clientBody == nil)
        #expect(try Self.sent(body) == Self.encoded(body))
    }

    @Test("providers whose quirks rewrite requests, and requests carrying Anthropic markers, are encoded again")
    func encodedAgain() throws {
        let plain = #"{"model":"m","messages":[{"role":"user","content":"hi","name":"ann"}],"seed":3}"#
        #expect(try Self.sent(plain, to: "mistral") == Self.encoded(plain, to: "mistral"))
        #expect(try !Self.sent(plain, to: "mistral").contains("name"))
        let marked = #"{"model":"m","messages":[{"role":"user","content":[{"type":"text","text":"t","cache_control":{"type":"ephemeral"}}]}]}"#
        #expect(try Self.request(marked).clientBody != nil)
        #expect(try !Self.sent(marked).contains("cache_control"))
        // A stream whose client set stream_options without usage: the option is rewritten, so encoded.
        let optedOut = #"{"model":"m","messages":[{"role":"user","content":"hi"}],"stream":true,"stream_options":{"include_usage":false}}"#
        #expect(try Self.sent(optedOut) == Self.encoded(optedOut))
        #expect(try Self.sent(optedOut).contains(#""include_usage":true"#))
    }
}
