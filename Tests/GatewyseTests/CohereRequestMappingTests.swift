import GatewyseCore
@testable import GatewyseProviders
import GatewyseTesting
import Testing

enum CohereFixtures {
    static let key = Secret("co-test-0123456789abcdef")
    static let now = 1_700_000_000.0
    static let entry = ProviderCatalog.entry(forType: "cohere")!

    static func adapter(baseURL: String? = nil) -> CohereAdapter {
        CohereAdapter(configuration: ProviderConfiguration(id: "cohere", entry: entry, baseURL: baseURL ?? entry.defaultBaseURL!, apiKey: key),
                      now: { now })
    }

    static func request(_ json: String) throws -> ChatRequest {
        try OpenAIChatWire.decodeRequest(try JSONParser.parse(json))
    }

    /// The Cohere body for an OpenAI body, also checked against the mock's validation, so every
    /// mapping test shows a body the real API would accept.
    static func body(_ json: String, model: String = "command-a-03-2025") throws -> JSONValue {
        let upstream = try adapter().makeChatRequest(try request(json), upstreamModel: model)
        let body = try JSONParser.parse(upstream.body)
        var headers: [String: String] = [:]
        for (name, value) in upstream.headers { headers[name.lowercased()] = value }
        if let problem = MockCohereUpstream.validationError(headers: headers, body: body) {
            Issue.record("the mock Cohere refuses the mapped body: \(problem)\n\(JSONWriter.string(body))")
        }
        return body
    }
}

@Suite("Cohere adapter: request mapping")
struct CohereRequestMappingTests {
    typealias F = CohereFixtures

    @Test("posts to <base>/v2/chat with the key as a Bearer token; stream: true only when streaming")
    func urlAndHeaders() throws {
        let plain = try F.adapter().makeChatRequest(try F.request(#"{"model":"m","messages":[{"role":"user","content":"hi"}]}"#), upstreamModel: "command-r")
        #expect(plain.url == "https://api.cohere.com/v2/chat")
        #expect(!plain.expectsStream)
        let headers = Dictionary(plain.headers.map { ($0.0.lowercased(), $0.1) }, uniquingKeysWith: { a, _ in a })
        #expect(headers["authorization"] == "Bearer \(F.key.revealed)")
        #expect(headers["content-type"] == "application/json")
        let body = try JSONParser.parse(plain.body)
        #expect(body == ["model": "command-r", "messages": [["role": "user", "content": "hi"]]])
        let streamed = try F.adapter(baseURL: "http://127.0.0.1:1/").makeChatRequest(
            try F.request(#"{"model":"m","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"hi"}]}"#), upstreamModel: "command-r")
        #expect(streamed.url == "http://127.0.0.1:1/v2/chat")
        #expect(streamed.expectsStream)
        let streamedBody = try JSONParser.parse(streamed.body)
        #expect(streamedBody["stream"] == true)
        #expect(streamedBody["stream_options"] == nil)
    }

    @Test("roles: developer becomes system; user text and image parts keep their shape; name is dropped")
    func rolesAndParts() throws {
        let body = try F.body(#"""
        {"model":"m","messages":[{"role":"system","content":"Be brief."},{"role":"developer","content":[{"type":"text","text":"Use French."}]},
         {"role":"user","name":"ann","content":[{"type":"text","text":"What is this?"},{"type":"image_url","image_url":{"url":"data:image/png;base64,iVBORw0KGgo=","detail":"low"}}]},
         {"role":"assistant","content":"Un chat."},{"role":"user","content":"Merci"}]}
        """#)
        #expect(body["messages"] == [
            ["role": "system", "content": "Be brief."],
            ["role": "system", "content": "Use French."],
            ["role": "user", "content": [["type": "text", "text": "What is this?"],
                                         ["type": "image_url", "image_url": ["url": "data:image/png;base64,iVBORw0KGgo=", "detail": "low"]]]],
            ["role": "assistant", "content": "Un chat."],
            ["role": "user", "content": "Merci"],
        ])
    }

    @Test("assistant tool calls keep OpenAI's shape; tool results are {role: tool, tool_call_id, content}; reasoning goes back as thinking")
    func toolRoundTrip() throws {
        let body = try F.body(#"""
        {"model":"m","messages":[{"role":"user","content":"Weather in Paris?"},
         {"role":"assistant","content":null,"reasoning_content":"Need the tool.","tool_calls":[{"id":"get_weather_1","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Paris\"}"}}]},
         {"role":"tool","tool_call_id":"get_weather_1","content":[{"type":"text","text":"18C"},{"type":"text","text":" sunny"}]},
         {"role":"assistant","content":"It is 18C."}]}
        """#)
        let messages = try #require(body["messages"]?.arrayValue)
        #expect(messages[1] == ["role": "assistant", "content": [["type": "thinking", "thinking": "Need the tool."]],
                                "tool_calls": [["id": "get_weather_1", "type": "function",
                                                "function": ["name": "get_weather", "arguments": #"{"city":"Paris"}"#]]]])
        #expect(messages[2] == ["role": "tool", "tool_call_id": "get_weather_1", "content": "18C sunny"])
        #expect(messages[3] == ["role": "assistant", "content": "It is 18C."])
    }

    static let tools = #","tools":[{"type":"function","function":{"name":"get_weather","description":"Weather","parameters":{"type":"object","properties":{"city":{"type":"string"}}},"strict":true}},{"type":"function","function":{"name":"clock"}}]"#

    @Test("tools pass through without the per-function strict flag, which becomes strict_tools; tool_choice maps", arguments: [
        (#""auto""#, nil as JSONValue?, 2), (#""required""#, "REQUIRED", 2), (#""none""#, "NONE", 2),
        (#"{"type":"function","function":{"name":"clock"}}"#, "REQUIRED", 1),
    ])
    func tools(choice: String, expected: JSONValue?, count: Int) throws {
        let body = try F.body(#"{"model":"m","messages":[{"role":"user","content":"hi"}]\#(Self.tools),"tool_choice":\#(choice)}"#)
        #expect(body["tool_choice"] == expected)
        let tools = try #require(body["tools"]?.arrayValue)
        #expect(tools.count == count)
        if count == 2 {
            #expect(tools[0] == ["type": "function", "function": ["name": "get_weather", "description": "Weather",
                                                                  "parameters": ["type": "object", "properties": ["city": ["type": "string"]]]]])
            #expect(body["strict_tools"] == true)
        } else {
            // Only the named function is sent, so REQUIRED can only call it; it is not strict.
            #expect(tools == [["type": "function", "function": ["name": "clock"]]])
            #expect(body["strict_tools"] == nil)
        }
    }

    @Test("sampling renames and ranges: top_p→p (clamped to 0.01…0.99), top_k→k, stop→stop_sequences, max_completion_tokens→max_tokens, penalties clamped to 0…1")
    func parameters() throws {
        let body = try F.body(#"""
        {"model":"m","messages":[{"role":"user","content":"hi"}],"temperature":0.4,"top_p":1,"top_k":40,"stop":"END",
         "max_completion_tokens":64,"seed":7,"frequency_penalty":0.5,"presence_penalty":-1,"logprobs":true,"n":1,
         "user":"u-1","logit_bias":{"50256":-100},"parallel_tool_calls":false,"reasoning_effort":"low","service_tier":"auto"}
        """#)
        #expect(body == ["model": "command-a-03-2025", "messages": [["role": "user", "content": "hi"]], "max_tokens": 64, "stop_sequences": ["END"],
                         "temperature": 0.4, "seed": 7, "frequency_penalty": 0.5, "presence_penalty": 0, "k": 40, "p": 0.99, "logprobs": true])
        let low = try F.body(#"{"model":"m","messages":[{"role":"user","content":"hi"}],"top_p":0,"max_tokens":5,"stop":["a","b","c","d"],"top_k":900}"#)
        #expect(low["p"] == 0.01)
        #expect(low["k"] == 500)
        #expect(low["max_tokens"] == 5)
        #expect(low["stop_sequences"] == ["a", "b", "c", "d"])
    }

    @Test("response_format: json_object stays, json_schema becomes json_object with the schema under json_schema")
    func responseFormat() throws {
        let object = try F.body(#"{"model":"m","messages":[{"role":"user","content":"hi"}],"response_format":{"type":"json_object"}}"#)
        #expect(object["response_format"] == ["type": "json_object"])
        let schema = try F.body(#"""
        {"model":"m","messages":[{"role":"user","content":"hi"}],"response_format":{"type":"json_schema","json_schema":{"name":"answer","strict":true,
         "schema":{"type":"object","properties":{"answer":{"type":"integer"}},"required":["answer"]}}}}
        """#)
        #expect(schema["response_format"] == ["type": "json_object", "json_schema": ["type": "object", "properties": ["answer": ["type": "integer"]],
                                                                                    "required": ["answer"]]])
    }

    @Test("Cohere-only fields a client sends (documents, citation_options, safety_mode, thinking, priority) pass through")
    func nativeFields() throws {
        let body = try F.body(#"""
        {"model":"m","messages":[{"role":"user","content":"hi"}],"documents":[{"data":{"text":"Paris is in France."}}],
         "safety_mode":"STRICT","thinking":{"type":"enabled","token_budget":256}}
        """#)
        #expect(body["documents"] == [["data": ["text": "Paris is in France."]]])
        #expect(body["safety_mode"] == "STRICT")
        #expect(body["thinking"] == ["type": "enabled", "token_budget": 256])
    }

    @Test("n>1, top_logprobs, audio and file parts make Cohere incompatible (routing tries another provider); plain requests are not")
    func incompatibility() throws {
        let adapter = F.adapter()
        #expect(adapter.incompatibility(with: try F.request(#"{"model":"m","n":2,"messages":[{"role":"user","content":"hi"}]}"#)) == "accepts at most n=1")
        #expect(adapter.incompatibility(with: try F.request(#"{"model":"m","logprobs":true,"top_logprobs":2,"messages":[{"role":"user","content":"hi"}]}"#)) != nil)
        #expect(adapter.incompatibility(with: try F.request(#"{"model":"m","messages":[{"role":"user","content":[{"type":"input_audio","input_audio":{"data":"UklGRg==","format":"wav"}}]}]}"#)) == "does not accept audio input")
        #expect(adapter.incompatibility(with: try F.request(#"{"model":"m","messages":[{"role":"user","content":[{"type":"file","file":{"file_id":"f1"}}]}]}"#)) != nil)
        #expect(adapter.incompatibility(with: try F.request(#"{"model":"m","n":1,"logprobs":true,"messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"https://x/cat.png"}}]}]}"#)) == nil)
    }

    @Test("the registry builds a CohereAdapter for type cohere; the catalog entry offers chat, embeddings and rerank with a Bearer key from COHERE_API_KEY")
    func registration() {
        let configuration = ProviderConfiguration(id: "co", entry: F.entry, baseURL: F.entry.defaultBaseURL!, apiKey: F.key)
        #expect(ProviderRegistry.makeAdapter(for: configuration) is CohereAdapter)
        #expect(F.entry.capabilities == [.chat, .embeddings, .rerank])
        #expect(F.entry.apiKeyVariable == "COHERE_API_KEY")
        #expect(F.entry.auth == .bearer(optional: false))
        #expect(F.entry.defaultBaseURL == "https://api.cohere.com")
    }
}
