import AsyncHTTPClient
import Foundation
import GatewyseCore
import GatewyseProviders
import GatewyseTesting
import Testing

/// OpenAI-shaped clients through the real gateway to the mock Gemini.
///
/// NEEDS REGISTRATION: runs once `ProviderCatalog.native` lists `gemini` and
/// `ProviderRegistry.makeAdapter` returns `GeminiAdapter` for it; until then the suite is
/// skipped (it compiles either way).
@Suite("Gemini end to end", .serialized,
       .enabled(if: GeminiRegistration.registered, "the gemini provider type is not registered yet"))
struct GeminiEndToEndTests {
    static func withGateway(_ body: (TestGateway, MockGeminiUpstream) async throws -> Void) async throws {
        let gemini = try await MockGeminiUpstream.start()
        let gateway = try await TestGateway.start(extraProviders: [
            ProviderConfiguration(id: "gemini", entry: ProviderCatalog.entry(forType: "gemini")!, baseURL: gemini.baseURL, apiKey: Secret("AIza-gemini-test")),
        ])
        do {
            try await body(gateway, gemini)
        } catch {
            await gateway.stop()
            await gemini.stop()
            throw error
        }
        await gateway.stop()
        await gemini.stop()
    }

    static let tools = #","tools":[{"type":"function","function":{"name":"lookup","description":"Weather","parameters":{"type":"object","additionalProperties":false,"properties":{"city":{"type":"string"}}}}}]"#

    @Test("a chat completion reaches Gemini as a valid generateContent request with x-goog-api-key and comes back OpenAI-shaped")
    func text() async throws {
        try await Self.withGateway { gateway, gemini in
            let reply = try await EndToEndTests.post(gateway, "/v1/chat/completions", body: #"""
            {"model":"gemini/gemini-2.5-flash","messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"hello there"}],"max_tokens":50}
            """#)
            #expect(reply.status == 200, "\(reply.body)")
            #expect(reply.headers["X-Provider"] == ["gemini"])
            let json = try #require(reply.json)
            #expect(json["choices"]?.arrayValue?.first?["message"]?["content"] == "You said: hello there")
            #expect(json["choices"]?.arrayValue?.first?["finish_reason"] == "stop")
            #expect(json["usage"]?["prompt_tokens"] == 10)
            #expect(json["usage"]?["completion_tokens"] == 5)
            #expect(json["usage"]?["total_tokens"] == 15)
            let received = try #require(gemini.requests.last)
            #expect(received.path == "/v1beta/models/gemini-2.5-flash:generateContent")
            #expect(received.headers["x-goog-api-key"] == "AIza-gemini-test")
            #expect(received.headers["authorization"] == nil)
            #expect(received.body?["systemInstruction"] == ["parts": [["text": "Be brief."]]])
            #expect(received.body?["generationConfig"] == ["maxOutputTokens": 50])
        }
    }

    @Test("a tool call comes back as tool_calls with a synthesized id, and the result goes back as a named functionResponse")
    func toolRoundTrip() async throws {
        try await Self.withGateway { gateway, gemini in
            let first = try await EndToEndTests.post(gateway, "/v1/chat/completions", body: EndToEndTests.chat("gemini/gemini-tool", extra: Self.tools))
            #expect(first.status == 200, "\(first.body)")
            let call = try #require(first.json?["choices"]?.arrayValue?.first?["message"]?["tool_calls"]?.arrayValue?.first)
            #expect(call["id"] == "call_0")
            #expect(call["function"]?["name"] == "lookup")
            #expect(try JSONParser.parse(call["function"]?["arguments"]?.stringValue ?? "") == ["city": "Paris"])
            #expect(first.json?["choices"]?.arrayValue?.first?["finish_reason"] == "tool_calls")

            let second = try await EndToEndTests.post(gateway, "/v1/chat/completions", body: #"""
            {"model":"gemini/gemini-2.5-flash","messages":[{"role":"user","content":"Weather in Paris?"},
             {"role":"assistant","content":null,"tool_calls":[{"id":"call_0","type":"function","function":{"name":"lookup","arguments":"{\"city\": \"Paris\"}"}}]},
             {"role":"tool","tool_call_id":"call_0","content":"18C and sunny"}]\#(Self.tools)}
            """#)
            #expect(second.status == 200, "\(second.body)")
            #expect(second.json?["choices"]?.arrayValue?.first?["message"]?["content"] == "The tool said: 18C and sunny")
            let contents = try #require(gemini.requests.last?.body?["contents"]?.arrayValue)
            #expect(contents.map { $0["role"]?.stringValue ?? "" } == ["user", "model", "user"])
            #expect(contents[2]["parts"] == [["functionResponse": ["name": "lookup", "response": ["result": "18C and sunny"]]]])
        }
    }

    @Test("a streamed tool call arrives as one intact delta at index 0, with finish tool_calls and usage")
    func streamedToolCall() async throws {
        try await Self.withGateway { gateway, gemini in
            let reply = try await EndToEndTests.post(gateway, "/v1/chat/completions", body: EndToEndTests.chat(
                "gemini/gemini-tool", stream: true, extra: Self.tools + #","stream_options":{"include_usage":true}"#))
            #expect(reply.status == 200, "\(reply.body)")
            #expect(reply.body.hasSuffix("data: [DONE]\n\n"))
            var decoder = SSEDecoder()
            let events = try decoder.feed(Array(reply.body.utf8)).filter { $0.data != "[DONE]" }.map { try JSONParser.parse($0.data) }
            var ids: [String] = [], name = "", arguments = "", finish = ""
            var usage: JSONValue?
            for event in events {
                if let found = event["usage"], !found.isNull { usage = found }
                let choice = event["choices"]?.arrayValue?.first
                for call in choice?["delta"]?["tool_calls"]?.arrayValue ?? [] {
                    #expect(call["index"] == 0)
                    if let id = call["id"]?.stringValue { ids.append(id) }
                    name += call["function"]?["name"]?.stringValue ?? ""
                    arguments += call["function"]?["arguments"]?.stringValue ?? ""
                }
                finish = choice?["finish_reason"]?.stringValue ?? finish
            }
            #expect(ids == ["call_0"])
            #expect(name == "lookup")
            #expect(try JSONParser.parse(arguments) == ["city": "Paris"])
            #expect(finish == "tool_calls")
            #expect(usage?["total_tokens"] == 15)
            #expect(gemini.requests.last?.path == "/v1beta/models/gemini-tool:streamGenerateContent?alt=sse")
            #expect(gemini.requests.last?.body?["stream_options"] == nil)
        }
    }

    @Test("streamed text arrives whole")
    func streamedText() async throws {
        try await Self.withGateway { gateway, _ in
            let reply = try await EndToEndTests.post(gateway, "/v1/chat/completions", body: EndToEndTests.chat("gemini/gemini-2.5-flash", stream: true))
            #expect(reply.status == 200)
            var decoder = SSEDecoder()
            let events = try decoder.feed(Array(reply.body.utf8)).filter { $0.data != "[DONE]" }.map { try JSONParser.parse($0.data) }
            #expect(events.first?["choices"]?.arrayValue?.first?["delta"]?["role"] == "assistant")
            #expect(events.compactMap { $0["choices"]?.arrayValue?.first?["delta"]?["content"]?.stringValue }.joined() == "You said: hello there")
        }
    }

    @Test("upstream errors map to the gateway's statuses and codes", arguments: [
        ("gemini/error-429", 429, "UPSTREAM_RATE_LIMITED"), ("gemini/error-400", 400, "UPSTREAM_REJECTED"),
        ("gemini/gemini-blocked", 200, ""),
    ])
    func errors(model: String, status: Int, code: String) async throws {
        try await Self.withGateway { gateway, _ in
            let reply = try await EndToEndTests.post(gateway, "/v1/chat/completions", body: EndToEndTests.chat(model))
            #expect(reply.status == status, "\(reply.body)")
            if status == 200 {
                #expect(reply.json?["choices"]?.arrayValue?.first?["finish_reason"] == "content_filter")
            } else {
                #expect(reply.code == code, "\(reply.body)")
            }
            #expect(!reply.body.contains("AIza-gemini-test"))
            if status == 429 { #expect(reply.headers["Retry-After"] == ["7"]) }
        }
    }
}

/// Whether `gemini` is registered in the catalog and the registry (see the note above).
enum GeminiRegistration {
    static var registered: Bool {
        guard let entry = ProviderCatalog.entry(forType: "gemini") else { return false }
        let configuration = ProviderConfiguration(id: "g", entry: entry, baseURL: "http://127.0.0.1:9/v1beta", apiKey: nil)
        return ProviderRegistry.makeAdapter(for: configuration) is GeminiAdapter
    }
}
