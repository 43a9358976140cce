import GatewyseCore
@testable import GatewyseProviders
import GatewyseTesting
import Testing

enum GeminiFixtures {
    static let key = Secret("AIzaSy-gemini-test-0123456789")
    static let now = 1_700_000_000.0

    /// The catalog entry the registration adds (`gemini`, key in `x-goog-api-key`); built here
    /// until `ProviderCatalog.native` lists it.
    static let entry = ProviderCatalog.entry(forType: "gemini") ?? ProviderCatalogEntry(
        type: "gemini", displayName: "Google Gemini", defaultBaseURL: "https://generativelanguage.googleapis.com/v1beta",
        apiKeyVariable: "GEMINI_API_KEY", baseURLVariable: nil, auth: .header("x-goog-api-key"),
        capabilities: [.chat, .embeddings], quirks: OpenAICompatibleQuirks(), isSelfHosted: false)

    static func adapter(baseURL: String? = nil) -> GeminiAdapter {
        GeminiAdapter(configuration: ProviderConfiguration(id: "gemini", entry: entry, baseURL: baseURL ?? entry.defaultBaseURL!, apiKey: key),
                      now: { now })
    }

    static func request(_ json: String) throws -> ChatRequest {
        try OpenAIChatWire.decodeRequest(try JSONParser.parse(json))
    }

    /// The Gemini body for an OpenAI body, also checked against the mock's validation, so every
    /// mapping test shows a body the real API would accept.
    static func body(_ json: String, model: String = "gemini-2.5-flash") throws -> JSONValue {
        let upstream = try adapter().makeChatRequest(try request(json), upstreamModel: model)
        let body = try JSONParser.parse(upstream.body)
        var headers: [String: String] = [:]
        for (name, value) in upstream.headers { headers[name.lowercased()] = value }
        if let problem = MockGeminiUpstream.validationError(headers: headers, body: body) {
            Issue.record("the mock Gemini refuses the mapped body: \(problem)\n\(JSONWriter.string(body))")
        }
        return body
    }

    static func error(_ json: String) -> GatewayError? {
        do { _ = try adapter().makeChatRequest(try request(json), upstreamModel: "gemini-2.5-flash") } catch let error as GatewayError {
            return error
        } catch { return nil }
        return nil
    }
}

@Suite("Gemini adapter: request mapping")
struct GeminiRequestMappingTests {
    typealias F = GeminiFixtures

    @Test("posts to <base>/models/<model>:generateContent, or :streamGenerateContent?alt=sse, with x-goog-api-key")
    func urlAndHeaders() throws {
        let plain = try F.adapter().makeChatRequest(try F.request(#"{"model":"m","messages":[{"role":"user","content":"hi"}]}"#), upstreamModel: "gemini-2.5-flash")
        #expect(plain.url == "https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:generateContent")
        #expect(!plain.expectsStream)
        let headers = Dictionary(plain.headers.map { ($0.0.lowercased(), $0.1) }, uniquingKeysWith: { a, _ in a })
        #expect(headers["x-goog-api-key"] == F.key.revealed)
        #expect(headers["authorization"] == nil)
        let streamed = try F.adapter().makeChatRequest(try F.request(#"{"model":"m","stream":true,"messages":[{"role":"user","content":"hi"}]}"#), upstreamModel: "gemini-2.5-pro")
        #expect(streamed.url == "https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-pro:streamGenerateContent?alt=sse")
        #expect(streamed.expectsStream)
        #expect(try JSONParser.parse(streamed.body)["stream"] == nil)
    }

    @Test("system and developer text go to systemInstruction; user → user, assistant → model; same roles merge")
    func systemAndRoles() throws {
        let body = try F.body(#"""
        {"model":"m","messages":[{"role":"system","content":"Be brief."},{"role":"developer","content":"Use French."},
         {"role":"user","content":"hi"},{"role":"user","content":"there"},{"role":"assistant","content":"bonjour"},{"role":"user","content":"again"}]}
        """#)
        #expect(body["systemInstruction"] == ["parts": [["text": "Be brief.\n\nUse French."]]])
        #expect(body["contents"] == [["role": "user", "parts": [["text": "hi"], ["text": "there"]]],
                                     ["role": "model", "parts": [["text": "bonjour"]]],
                                     ["role": "user", "parts": [["text": "again"]]]])
        #expect(body["model"] == nil)
        #expect(body["messages"] == nil)
    }

    @Test("data-URI images become inlineData; https and gs:// URLs become fileData with a guessed MIME type; audio becomes inlineData")
    func media() throws {
        let body = try F.body(#"""
        {"model":"m","messages":[{"role":"user","content":[{"type":"text","text":"What is this?"},
         {"type":"image_url","image_url":{"url":"data:image/png;base64,iVBORw0KGgo="}},
         {"type":"image_url","image_url":{"url":"https://example.com/cat.JPG?x=1"}},
         {"type":"input_audio","input_audio":{"data":"UklGRg==","format":"wav"}}]}]}
        """#)
        #expect(body["contents"]?.arrayValue?.first?["parts"] == [
            ["text": "What is this?"],
            ["inlineData": ["mimeType": "image/png", "data": "iVBORw0KGgo="]],
            ["fileData": ["mimeType": "image/jpeg", "fileUri": "https://example.com/cat.JPG?x=1"]],
            ["inlineData": ["mimeType": "audio/wav", "data": "UklGRg=="]],
        ])
        // gs:// and Files API URIs (which the OpenAI front door does not accept as image_url) map the same way.
        #expect(try GeminiWire.mediaPart("gs://bucket/file", path: "p") == ["fileData": ["fileUri": "gs://bucket/file"]])
        let bad = F.error(#"{"model":"m","messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"data:image/png,abc"}}]}]}"#)
        #expect(bad?.status == 400)
        #expect(bad?.param == "messages[0].content[0].image_url.url")
    }

    @Test("tool calls become functionCall parts; tool results become one user turn of functionResponse parts named by lookup")
    func toolRoundTrip() throws {
        let body = try F.body(#"""
        {"model":"m","messages":[{"role":"user","content":"Weather in Paris and London?"},
         {"role":"assistant","content":null,"tool_calls":[
           {"id":"call_0","type":"function","function":{"name":"weather","arguments":"{\"city\":\"Paris\"}"}},
           {"id":"call_1","type":"function","function":{"name":"clock","arguments":""}}],
          "gemini_thought_signatures":{"call_0":"sig-A"}},
         {"role":"tool","tool_call_id":"call_0","content":"{\"temp\":18}"},
         {"role":"tool","tool_call_id":"call_1","content":"noon"},
         {"role":"user","content":"thanks"}]}
        """#)
        let contents = try #require(body["contents"]?.arrayValue)
        #expect(contents.count == 3)
        #expect(contents[1] == ["role": "model", "parts": [
            ["functionCall": ["name": "weather", "args": ["city": "Paris"]], "thoughtSignature": "sig-A"],
            ["functionCall": ["name": "clock", "args": [:]]]]])
        #expect(contents[2] == ["role": "user", "parts": [
            ["functionResponse": ["name": "weather", "response": ["temp": 18]]],
            ["functionResponse": ["name": "clock", "response": ["result": "noon"]]],
            ["text": "thanks"]]])
    }

    @Test("a repeated synthesized id names the latest earlier call")
    func repeatedIDs() throws {
        let body = try F.body(#"""
        {"model":"m","messages":[{"role":"user","content":"a"},
         {"role":"assistant","tool_calls":[{"id":"call_0","type":"function","function":{"name":"first","arguments":"{}"}}]},
         {"role":"tool","tool_call_id":"call_0","content":"1"},
         {"role":"assistant","tool_calls":[{"id":"call_0","type":"function","function":{"name":"second","arguments":"{}"}}]},
         {"role":"tool","tool_call_id":"call_0","content":"2"}]}
        """#)
        #expect(body["contents"]?.arrayValue?.last?["parts"]?.arrayValue?.first?["functionResponse"]?["name"] == "second")
    }

    @Test("invalid arguments and unknown tool_call_id are 400s naming the field")
    func toolErrors() throws {
        let badArgs = F.error(#"{"model":"m","messages":[{"role":"assistant","tool_calls":[{"id":"c","type":"function","function":{"name":"f","arguments":"{oops"}}]}]}"#)
        #expect(badArgs?.status == 400)
        #expect(badArgs?.param == "messages[0].tool_calls[0].function.arguments")
        let array = F.error(#"{"model":"m","messages":[{"role":"assistant","tool_calls":[{"id":"c","type":"function","function":{"name":"f","arguments":"[1]"}}]}]}"#)
        #expect(array?.param == "messages[0].tool_calls[0].function.arguments")
        let unknown = F.error(#"{"model":"m","messages":[{"role":"user","content":"x"},{"role":"tool","tool_call_id":"nope","content":"r"}]}"#)
        #expect(unknown?.status == 400)
        #expect(unknown?.param == "messages[1].tool_call_id")
        #expect(unknown?.message.contains("nope") == true)
    }

    static let weatherTool = #"{"type":"function","function":{"name":"weather","description":"Weather","strict":true,"parameters":{"$schema":"http://json-schema.org/draft-07/schema#","type":"object","additionalProperties":false,"properties":{"city":{"type":["string","null"],"description":"City"},"unit":{"const":"C"},"days":{"type":"array","items":{"type":"object","additionalProperties":false,"properties":{"d":{"type":"integer"}}}}},"required":["city"]}}}"#

    @Test("tools become functionDeclarations with the schema reduced to Gemini's subset")
    func toolsAndSchemaCleaning() throws {
        let body = try F.body(#"{"model":"m","messages":[{"role":"user","content":"x"}],"tools":[\#(Self.weatherTool),{"type":"function","function":{"name":"clock","parameters":{"type":"object","properties":{}}}}]}"#)
        let declarations = try #require(body["tools"]?.arrayValue?.first?["functionDeclarations"]?.arrayValue)
        #expect(declarations[0] == ["name": "weather", "description": "Weather", "parameters": [
            "type": "object",
            "properties": ["city": ["type": "string", "nullable": true, "description": "City"],
                           "unit": ["enum": ["C"]],
                           "days": ["type": "array", "items": ["type": "object", "properties": ["d": ["type": "integer"]]]]],
            "required": ["city"]]])
        #expect(declarations[1] == ["name": "clock"])
        #expect(body["toolConfig"] == nil)
    }

    static let toolChoiceCases: [(String, JSONValue)] = [
        (#""auto""#, ["mode": "AUTO"]), (#""none""#, ["mode": "NONE"]), (#""required""#, ["mode": "ANY"]),
        (#"{"type":"function","function":{"name":"weather"}}"#, ["mode": "ANY", "allowedFunctionNames": ["weather"]]),
    ]

    @Test("tool_choice maps to functionCallingConfig modes", arguments: GeminiRequestMappingTests.toolChoiceCases)
    func toolChoice(choice: String, expected: JSONValue) throws {
        let body = try F.body(#"{"model":"m","messages":[{"role":"user","content":"x"}],"tools":[\#(Self.weatherTool)],"tool_choice":\#(choice)}"#)
        #expect(body["toolConfig"] == ["functionCallingConfig": expected])
    }

    @Test("generationConfig carries sampling, limits, stops, n, seed, JSON mode and thinking")
    func generationConfig() throws {
        let body = try F.body(#"""
        {"model":"m","messages":[{"role":"user","content":"x"}],"temperature":1.5,"top_p":0.9,"top_k":40,"max_completion_tokens":300,
         "stop":["END","STOP"],"n":2,"seed":7,"presence_penalty":0.5,"response_format":{"type":"json_object"},"reasoning_effort":"low"}
        """#)
        #expect(body["generationConfig"] == ["temperature": 1.5, "topP": 0.9, "topK": 40, "maxOutputTokens": 300, "stopSequences": ["END", "STOP"],
                                             "candidateCount": 2, "seed": 7, "presencePenalty": 0.5, "responseMimeType": "application/json",
                                             "thinkingConfig": ["thinkingBudget": 1024, "includeThoughts": true]])
        let schema = try F.body(#"""
        {"model":"m","messages":[{"role":"user","content":"x"}],"response_format":{"type":"json_schema","json_schema":{"name":"p","schema":{"type":"object","additionalProperties":false,"properties":{"city":{"type":"string"}}}}}}
        """#)
        #expect(schema["generationConfig"] == ["responseMimeType": "application/json",
                                               "responseJsonSchema": ["type": "object", "additionalProperties": false, "properties": ["city": ["type": "string"]]]])
        let three = try F.body(#"{"model":"m","messages":[{"role":"user","content":"x"}],"reasoning_effort":"high"}"#, model: "gemini-3-pro-preview")
        #expect(three["generationConfig"]?["thinkingConfig"] == ["thinkingLevel": "high", "includeThoughts": true])
    }

    @Test("logprobs and unknown part types make the provider incompatible, not a 400")
    func incompatibility() throws {
        #expect(F.adapter().incompatibility(with: try F.request(#"{"model":"m","logprobs":true,"messages":[{"role":"user","content":"x"}]}"#)) != nil)
        #expect(F.adapter().incompatibility(with: try F.request(#"{"model":"m","messages":[{"role":"user","content":"x"}]}"#)) == nil)
    }
}
