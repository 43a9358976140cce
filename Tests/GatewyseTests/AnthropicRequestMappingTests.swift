import Foundation
import GatewyseCore
import GatewyseProviders
import GatewyseTesting
import Testing

/// Shared fixtures for the Anthropic adapter tests.
enum AnthropicFixtures {
    static let key = Secret("sk-ant-test-0123456789")
    /// 2023-11-14T22:13:20Z.
    static let now = 1_700_000_000.0

    static func adapter(headers: [(String, String)] = []) -> AnthropicAdapter {
        let entry = ProviderCatalog.entry(forType: "anthropic")!
        return AnthropicAdapter(configuration: ProviderConfiguration(id: "claude", entry: entry, baseURL: entry.defaultBaseURL!, apiKey: key, headers: headers),
                                now: { now })
    }

    /// An OpenAI Chat Completions body, decoded as the gateway's front door does.
    static func request(_ json: String) throws -> ChatRequest {
        try OpenAIChatWire.decodeRequest(try JSONParser.parse(json))
    }

    /// The Anthropic body the adapter builds for an OpenAI body; also checked against the mock's
    /// validation, so every mapping test shows a body the real API would accept.
    static func body(_ json: String, model: String = "claude-sonnet-4") throws -> JSONValue {
        let upstream = try adapter().makeChatRequest(try request(json), upstreamModel: model)
        let body = try JSONParser.parse(upstream.body)
        var headers: [String: String] = [:]
        for (name, value) in upstream.headers { headers[name.lowercased()] = value }
        if let problem = MockAnthropicUpstream.validationError(headers: headers, body: body) {
            Issue.record("the mock Anthropic refuses the mapped body: \(problem)\n\(JSONWriter.string(body))")
        }
        return body
    }

    static func messages(_ body: JSONValue) -> [JSONValue] { body["messages"]?.arrayValue ?? [] }
}

@Suite("Anthropic adapter: request mapping")
struct AnthropicRequestMappingTests {
    typealias F = AnthropicFixtures

    @Test("posts to <base>/v1/messages with x-api-key, anthropic-version and no bearer token")
    func urlAndHeaders() throws {
        let plain = try F.adapter().makeChatRequest(try F.request(#"{"model":"m","messages":[{"role":"user","content":"hi"}]}"#), upstreamModel: "claude-sonnet-4")
        #expect(plain.url == "https://api.anthropic.com/v1/messages")
        #expect(plain.method == "POST")
        #expect(!plain.expectsStream)
        let headers = Dictionary(plain.headers.map { ($0.0.lowercased(), $0.1) }, uniquingKeysWith: { a, _ in a })
        #expect(headers["x-api-key"] == F.key.revealed)
        #expect(headers["anthropic-version"] == "2023-06-01")
        #expect(headers["content-type"] == "application/json")
        #expect(headers["authorization"] == nil)
        #expect(headers["accept"] == nil)

        let streamed = try F.adapter().makeChatRequest(try F.request(#"{"model":"m","stream":true,"messages":[{"role":"user","content":"hi"}]}"#), upstreamModel: "x")
        #expect(streamed.expectsStream)
        #expect(streamed.headers.contains { $0.0 == "accept" && $0.1 == "text/event-stream" })
        #expect(try JSONParser.parse(streamed.body)["stream"] == true)

        let pinned = try F.adapter(headers: [("anthropic-version", "2026-10-21"), ("anthropic-beta", "x")])
            .makeChatRequest(try F.request(#"{"model":"m","messages":[{"role":"user","content":"hi"}]}"#), upstreamModel: "x")
        #expect(pinned.headers.filter { $0.0.lowercased() == "anthropic-version" }.map(\.1) == ["2026-10-21"])
    }

    @Test("system and developer messages, wherever they are, become the top-level system")
    func systemExtraction() throws {
        let body = try F.body(#"""
        {"model":"m","messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"hi"},
         {"role":"developer","content":[{"type":"text","text":"Use French."}]},{"role":"user","content":"again"}]}
        """#)
        #expect(body["system"] == "Be brief.\n\nUse French.")
        let messages = F.messages(body)
        #expect(messages.count == 1)
        #expect(messages[0]["role"] == "user")
        #expect(messages[0]["content"] == [["type": "text", "text": "hi"], ["type": "text", "text": "again"]])
        #expect(body["model"] == "claude-sonnet-4")
    }

    @Test("max_tokens defaults to 4096 and otherwise follows either OpenAI field")
    func maxTokens() throws {
        #expect(try F.body(#"{"model":"m","messages":[{"role":"user","content":"hi"}]}"#)["max_tokens"] == 4096)
        #expect(try F.body(#"{"model":"m","max_tokens":77,"messages":[{"role":"user","content":"hi"}]}"#)["max_tokens"] == 77)
        #expect(try F.body(#"{"model":"m","max_completion_tokens":99,"messages":[{"role":"user","content":"hi"}]}"#)["max_tokens"] == 99)
    }

    @Test("stop becomes stop_sequences; temperature above 1 is clamped to 1; top_p, top_k and user carry over; OpenAI-only fields are dropped")
    func sampling() throws {
        let body = try F.body(#"""
        {"model":"m","messages":[{"role":"user","content":"hi"}],"stop":"END","temperature":1.7,"top_p":0.9,"top_k":40,
         "user":"u-42","seed":7,"presence_penalty":0.5,"frequency_penalty":0.1,"logit_bias":{"50256":-100},"service_tier":"auto"}
        """#)
        #expect(body["stop_sequences"] == ["END"])
        #expect(body["temperature"] == 1)
        #expect(body["top_p"] == 0.9)
        #expect(body["top_k"] == 40)
        #expect(body["metadata"] == ["user_id": "u-42"])
        for dropped in ["seed", "presence_penalty", "frequency_penalty", "logit_bias", "service_tier", "stop", "user"] {
            #expect(body[dropped] == nil, "\(dropped) must not reach Anthropic")
        }
        let list = try F.body(#"{"model":"m","messages":[{"role":"user","content":"hi"}],"stop":["a","b"],"temperature":0.3}"#)
        #expect(list["stop_sequences"] == ["a", "b"])
        #expect(list["temperature"] == 0.3)
    }

    @Test("a tool round trip: tool_calls become tool_use after the text, and consecutive tool results merge into one user turn ahead of the user's text")
    func toolRoundTrip() throws {
        let body = try F.body(#"""
        {"model":"m","tools":[{"type":"function","function":{"name":"weather","description":"Weather by city","parameters":{"type":"object","properties":{"city":{"type":"string"}}}}},
                              {"type":"function","function":{"name":"clock"}}],
         "messages":[{"role":"user","content":"Weather and time in Paris?"},
          {"role":"assistant","content":"Checking.","tool_calls":[
            {"id":"call_1","type":"function","function":{"name":"weather","arguments":"{\"city\":\"Paris\"}"}},
            {"id":"call_2","type":"function","function":{"name":"clock","arguments":""}}]},
          {"role":"tool","tool_call_id":"call_1","content":"18C"},
          {"role":"tool","tool_call_id":"call_2","content":[{"type":"text","text":"14:00"}]},
          {"role":"user","content":"Thanks, summarize."}]}
        """#)
        #expect(body["tools"] == [
            ["name": "weather", "description": "Weather by city", "input_schema": ["type": "object", "properties": ["city": ["type": "string"]]]],
            ["name": "clock", "input_schema": ["type": "object", "properties": [:]]],
        ])
        let messages = F.messages(body)
        #expect(messages.map { $0["role"]?.stringValue ?? "" } == ["user", "assistant", "user"])
        #expect(messages[1]["content"] == [
            ["type": "text", "text": "Checking."],
            ["type": "tool_use", "id": "call_1", "name": "weather", "input": ["city": "Paris"]],
            ["type": "tool_use", "id": "call_2", "name": "clock", "input": [:]],
        ])
        #expect(messages[2]["content"] == [
            ["type": "tool_result", "tool_use_id": "call_1", "content": "18C"],
            ["type": "tool_result", "tool_use_id": "call_2", "content": [["type": "text", "text": "14:00"]]],
            ["type": "text", "text": "Thanks, summarize."],
        ])
    }

    @Test("tool-call ids Anthropic would refuse are rewritten the same way in tool_use and tool_result")
    func toolIDSanitizing() throws {
        let body = try F.body(#"""
        {"model":"m","tools":[{"type":"function","function":{"name":"f"}}],"messages":[{"role":"user","content":"go"},
         {"role":"assistant","content":null,"tool_calls":[{"id":"call.9:x","type":"function","function":{"name":"f","arguments":"{}"}}]},
         {"role":"tool","tool_call_id":"call.9:x","content":"ok"}]}
        """#)
        let messages = F.messages(body)
        #expect(messages[1]["content"]?.arrayValue?.first?["id"] == "call_9_x")
        #expect(messages[2]["content"]?.arrayValue?.first?["tool_use_id"] == "call_9_x")
    }

    @Test("tool-call arguments that are not a JSON object are refused with a 400 naming the field", arguments: [
        #"{\"city\": "#, #"[1,2]"#, #"\"Paris\""#,
    ])
    func invalidToolArguments(arguments: String) throws {
        let json = #"""
        {"model":"m","tools":[{"type":"function","function":{"name":"f"}}],"messages":[{"role":"user","content":"go"},
         {"role":"assistant","tool_calls":[{"id":"call_1","type":"function","function":{"name":"f","arguments":"ARGS"}}]},
         {"role":"tool","tool_call_id":"call_1","content":"ok"}]}
        """#.replacingOccurrences(of: "ARGS", with: arguments)
        let request = try F.request(json)
        let error = #expect(throws: GatewayError.self) { try F.adapter().makeChatRequest(request, upstreamModel: "x") }
        #expect(error?.status == 400)
        #expect(error?.param == "messages[1].tool_calls[0].function.arguments")
        #expect(error?.message.contains("messages[1].tool_calls[0].function.arguments") == true)
    }

    @Test("images: a data URI becomes a base64 source, an https URL a url source, a PDF a document")
    func images() throws {
        let body = try F.body(#"""
        {"model":"m","messages":[{"role":"user","content":[{"type":"text","text":"What is this?"},
         {"type":"image_url","image_url":{"url":"data:image/png;base64,iVBORw0KGgo=","detail":"high"}},
         {"type":"image_url","image_url":{"url":"https://example.com/cat.jpg"}},
         {"type":"file","file":{"filename":"a.pdf","file_data":"data:application/pdf;base64,JVBERi0x"}}]}]}
        """#)
        #expect(F.messages(body)[0]["content"] == [
            ["type": "text", "text": "What is this?"],
            ["type": "image", "source": ["type": "base64", "media_type": "image/png", "data": "iVBORw0KGgo="]],
            ["type": "image", "source": ["type": "url", "url": "https://example.com/cat.jpg"]],
            ["type": "document", "source": ["type": "base64", "media_type": "application/pdf", "data": "JVBERi0x"]],
        ])
    }

    @Test("an image format Anthropic cannot read is a 400; audio input makes Anthropic incompatible")
    func unsupportedMedia() throws {
        let bmp = try F.request(#"{"model":"m","messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"data:image/bmp;base64,Qk0="}}]}]}"#)
        let error = #expect(throws: GatewayError.self) { try F.adapter().makeChatRequest(bmp, upstreamModel: "x") }
        #expect(error?.status == 400)
        #expect(error?.param == "messages[0].content[0].image_url.url")
        let audio = try F.request(#"{"model":"m","messages":[{"role":"user","content":[{"type":"input_audio","input_audio":{"data":"AAA=","format":"wav"}}]}]}"#)
        #expect(F.adapter().incompatibility(with: audio) == "does not accept audio input")
        #expect(F.adapter().incompatibility(with: bmp) == nil)
    }

    @Test("consecutive same-role messages merge so roles alternate; a conversation opening with the assistant gets a user turn first")
    func alternation() throws {
        let body = try F.body(#"""
        {"model":"m","messages":[{"role":"system","content":"s"},{"role":"assistant","content":"Hello! How can I help?"},
         {"role":"user","content":"one"},{"role":"user","content":"two"},
         {"role":"assistant","content":"a"},{"role":"assistant","content":""},{"role":"assistant","content":"b"},{"role":"user","content":"three"}]}
        """#)
        let messages = F.messages(body)
        #expect(messages.map { $0["role"]?.stringValue ?? "" } == ["user", "assistant", "user", "assistant", "user"])
        #expect(messages[0]["content"] == .string(AnthropicMessagesWire.conversationStartPlaceholder))
        #expect(messages[2]["content"] == [["type": "text", "text": "one"], ["type": "text", "text": "two"]])
        #expect(messages[3]["content"] == [["type": "text", "text": "a"], ["type": "text", "text": "b"]])
        #expect(messages[4]["content"] == "three")
    }

    @Test("tool_choice maps to auto / any / none / tool, and parallel_tool_calls:false to disable_parallel_tool_use", arguments: [
        (#""auto""#, false, #"{"type":"auto"}"#),
        (#""required""#, false, #"{"type":"any"}"#),
        (#""none""#, false, #"{"type":"none"}"#),
        (#"{"type":"function","function":{"name":"f"}}"#, false, #"{"type":"tool","name":"f"}"#),
        (#""required""#, true, #"{"type":"any","disable_parallel_tool_use":true}"#),
        ("null", true, #"{"type":"auto","disable_parallel_tool_use":true}"#),
        (#""none""#, true, #"{"type":"none"}"#),
    ])
    func toolChoice(choice: String, serial: Bool, expected: String) throws {
        let body = try F.body(#"""
        {"model":"m","tools":[{"type":"function","function":{"name":"f"}}],"tool_choice":\#(choice),"parallel_tool_calls":\#(!serial),
         "messages":[{"role":"user","content":"hi"}]}
        """#)
        #expect(body["tool_choice"] == (try JSONParser.parse(expected)))
    }

    @Test("without tools there is no tool_choice (Anthropic refuses one)")
    func noToolsNoChoice() throws {
        let body = try F.body(#"{"model":"m","tool_choice":"auto","parallel_tool_calls":false,"messages":[{"role":"user","content":"hi"}]}"#)
        #expect(body["tools"] == nil)
        #expect(body["tool_choice"] == nil)
    }

    @Test("n > 1, logprobs and JSON mode with tools are refused as incompatible, so routing can move on")
    func incompatibilities() throws {
        let adapter = F.adapter()
        #expect(adapter.incompatibility(with: try F.request(#"{"model":"m","n":2,"messages":[{"role":"user","content":"hi"}]}"#)) == "accepts at most n=1")
        #expect(adapter.incompatibility(with: try F.request(#"{"model":"m","logprobs":true,"messages":[{"role":"user","content":"hi"}]}"#)) == "does not return logprobs")
        let mixed = try F.request(#"""
        {"model":"m","tools":[{"type":"function","function":{"name":"f"}}],"response_format":{"type":"json_object"},"messages":[{"role":"user","content":"hi"}]}
        """#)
        #expect(adapter.incompatibility(with: mixed)?.contains("response_format") == true)
        #expect(adapter.incompatibility(with: try F.request(#"{"model":"m","n":1,"messages":[{"role":"user","content":"hi"}]}"#)) == nil)
    }

    @Test("response_format json_schema is emulated with one forced tool carrying the schema")
    func structuredOutput() throws {
        let body = try F.body(#"""
        {"model":"m","response_format":{"type":"json_schema","json_schema":{"name":"person","schema":{"type":"object","properties":{"name":{"type":"string"}},"required":["name"]}}},
         "messages":[{"role":"user","content":"Who wrote Hamlet?"}]}
        """#)
        let tools = try #require(body["tools"]?.arrayValue)
        #expect(tools.count == 1)
        #expect(tools[0]["name"] == .string(AnthropicMessagesWire.structuredOutputToolName))
        #expect(tools[0]["input_schema"] == ["type": "object", "properties": ["name": ["type": "string"]], "required": ["name"]])
        #expect(body["tool_choice"] == ["type": "tool", "name": .string(AnthropicMessagesWire.structuredOutputToolName)])
        #expect(body["response_format"] == nil)
    }

    @Test("reasoning_effort turns on extended thinking with room for the answer, without temperature")
    func reasoning() throws {
        let body = try F.body(#"{"model":"m","reasoning_effort":"medium","temperature":0.2,"messages":[{"role":"user","content":"hi"}]}"#)
        #expect(body["thinking"] == ["type": "enabled", "budget_tokens": 2048])
        #expect(body["max_tokens"] == 6144)
        #expect(body["temperature"] == nil)
        let capped = try F.body(#"{"model":"m","reasoning_effort":"high","max_tokens":3000,"messages":[{"role":"user","content":"hi"}]}"#)
        #expect(capped["thinking"] == ["type": "enabled", "budget_tokens": 2999])
        #expect(capped["max_tokens"] == 3000)
        let forced = try F.body(#"""
        {"model":"m","reasoning_effort":"high","tools":[{"type":"function","function":{"name":"f"}}],"tool_choice":"required","messages":[{"role":"user","content":"hi"}]}
        """#)
        #expect(forced["thinking"] == nil)
    }

    @Test("signed thinking blocks of an earlier assistant turn go back first; bare reasoning_content cannot be signed and is not sent")
    func thinkingReplay() throws {
        let body = try F.body(#"""
        {"model":"m","tools":[{"type":"function","function":{"name":"f"}}],"messages":[{"role":"user","content":"go"},
         {"role":"assistant","content":null,"reasoning_content":"plan","thinking_blocks":[{"type":"thinking","thinking":"plan","signature":"sig_1"}],
          "tool_calls":[{"id":"call_1","type":"function","function":{"name":"f","arguments":"{}"}}]},
         {"role":"tool","tool_call_id":"call_1","content":"done"},
         {"role":"assistant","content":"ok","reasoning_content":"unsigned"},{"role":"user","content":"and?"}]}
        """#)
        let messages = F.messages(body)
        #expect(messages[1]["content"] == [
            ["type": "thinking", "thinking": "plan", "signature": "sig_1"],
            ["type": "tool_use", "id": "call_1", "name": "f", "input": [:]],
        ])
        #expect(messages[3]["content"] == "ok")
    }
}
