import AsyncHTTPClient
import Foundation
import GatewyseCore
import GatewyseProviders
import GatewyseTesting
import Testing

/// OpenAI-shaped clients through the real gateway to the mock Anthropic: the answer comes back
/// in OpenAI's shape and the mock received a valid Anthropic request.
@Suite("Anthropic end to end", .serialized)
struct AnthropicEndToEndTests {
    static func withGateway(_ body: (TestGateway, MockAnthropicUpstream) async throws -> Void) async throws {
        let anthropic = try await MockAnthropicUpstream.start()
        let gateway = try await TestGateway.start(extraProviders: [
            ProviderConfiguration(id: "claude", entry: ProviderCatalog.entry(forType: "anthropic")!,
                                  baseURL: anthropic.baseURLWithoutV1, apiKey: Secret("sk-ant-test")),
        ], extraModels: [])
        do {
            try await body(gateway, anthropic)
        } catch {
            await gateway.stop()
            await anthropic.stop()
            throw error
        }
        await gateway.stop()
        await anthropic.stop()
    }

    static let tools = #","tools":[{"type":"function","function":{"name":"lookup","description":"Weather","parameters":{"type":"object","properties":{"city":{"type":"string"}}}}}]"#

    /// The SSE events of a gateway reply, `[DONE]` left out, parsed.
    static func events(_ reply: EndToEndTests.Reply) throws -> [JSONValue] {
        var decoder = SSEDecoder()
        return try decoder.feed(Array(reply.body.utf8)).filter { $0.data != "[DONE]" }.map { try JSONParser.parse($0.data) }
    }

    @Test("a chat completion reaches Anthropic as a valid Messages request with x-api-key and comes back OpenAI-shaped")
    func text() async throws {
        try await Self.withGateway { gateway, anthropic in
            let reply = try await EndToEndTests.post(gateway, "/v1/chat/completions", body: #"""
            {"model":"claude/claude-sonnet-4","messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"hello there"}],"temperature":1.4}
            """#)
            #expect(reply.status == 200, "\(reply.body)")
            #expect(reply.headers["X-Provider"] == ["claude"])
            let json = try #require(reply.json)
            #expect(json["object"] == "chat.completion")
            #expect(json["id"] == "msg_mock123")
            #expect(json["choices"]?.arrayValue?.first?["message"]?["content"] == "You said: hello there")
            #expect(json["choices"]?.arrayValue?.first?["finish_reason"] == "stop")
            #expect(json["usage"]?["prompt_tokens"] == 10)
            #expect(json["usage"]?["completion_tokens"] == 5)
            #expect(json["usage"]?["total_tokens"] == 15)

            let received = try #require(anthropic.requests.last)
            #expect(received.path == "/v1/messages")
            #expect(received.headers["x-api-key"] == "sk-ant-test")
            #expect(received.headers["anthropic-version"] == "2023-06-01")
            #expect(received.headers["authorization"] == nil)
            #expect(received.body?["model"] == "claude-sonnet-4")
            #expect(received.body?["system"] == "Be brief.")
            #expect(received.body?["max_tokens"] == 4096)
            #expect(received.body?["temperature"] == 1)
            #expect(received.body?["messages"] == [["role": "user", "content": "hello there"]])
        }
    }

    @Test("a tool call comes back as OpenAI tool_calls, and the tool results go back as one valid tool_result turn")
    func toolRoundTrip() async throws {
        try await Self.withGateway { gateway, anthropic in
            let first = try await EndToEndTests.post(gateway, "/v1/chat/completions", body: EndToEndTests.chat("claude/claude-tool", extra: Self.tools))
            #expect(first.status == 200, "\(first.body)")
            let message = try #require(first.json?["choices"]?.arrayValue?.first?["message"])
            #expect(message["content"] == "I'll look that up.")
            let call = try #require(message["tool_calls"]?.arrayValue?.first)
            #expect(call["id"] == "toolu_mock_1")
            #expect(call["type"] == "function")
            #expect(call["function"]?["name"] == "lookup")
            #expect(try JSONParser.parse(call["function"]?["arguments"]?.stringValue ?? "") == ["city": "Paris"])
            #expect(first.json?["choices"]?.arrayValue?.first?["finish_reason"] == "tool_calls")

            let second = try await EndToEndTests.post(gateway, "/v1/chat/completions", body: #"""
            {"model":"claude/claude-sonnet-4","messages":[{"role":"user","content":"Weather in Paris?"},
             {"role":"assistant","content":"I'll look that up.","tool_calls":[{"id":"toolu_mock_1","type":"function","function":{"name":"lookup","arguments":"{\"city\": \"Paris\"}"}}]},
             {"role":"tool","tool_call_id":"toolu_mock_1","content":"18C and sunny"}]\#(Self.tools)}
            """#)
            #expect(second.status == 200, "\(second.body)")
            #expect(second.json?["choices"]?.arrayValue?.first?["message"]?["content"] == "The tool said: 18C and sunny")
            let received = try #require(anthropic.requests.last?.body?["messages"]?.arrayValue)
            #expect(received.map { $0["role"]?.stringValue ?? "" } == ["user", "assistant", "user"])
            #expect(received[2]["content"] == [["type": "tool_result", "tool_use_id": "toolu_mock_1", "content": "18C and sunny"]])
        }
    }

    @Test("a streamed tool call arrives as intact OpenAI deltas with index 0, the finish reason and, when asked, usage")
    func streamedToolCall() async throws {
        try await Self.withGateway { gateway, anthropic in
            let reply = try await EndToEndTests.post(gateway, "/v1/chat/completions", body: EndToEndTests.chat(
                "claude/claude-tool", stream: true, extra: Self.tools + #","stream_options":{"include_usage":true}"#))
            #expect(reply.status == 200, "\(reply.body)")
            #expect(reply.body.hasSuffix("data: [DONE]\n\n"))
            var name = "", arguments = "", content = "", finish = ""
            var ids: [String] = []
            var usage: JSONValue?
            for event in try Self.events(reply) {
                if let found = event["usage"], !found.isNull { usage = found }
                let choice = event["choices"]?.arrayValue?.first
                content += choice?["delta"]?["content"]?.stringValue ?? ""
                for call in choice?["delta"]?["tool_calls"]?.arrayValue ?? [] {
                    #expect(call["index"] == 0)
                    if let id = call["id"]?.stringValue { ids.append(id) }
                    name += call["function"]?["name"]?.stringValue ?? ""
                    arguments += call["function"]?["arguments"]?.stringValue ?? ""
                }
                finish = choice?["finish_reason"]?.stringValue ?? finish
            }
            #expect(content == "I'll look that up.")
            #expect(ids == ["toolu_mock_1"])
            #expect(name == "lookup")
            #expect(try JSONParser.parse(arguments) == ["city": "Paris"])
            #expect(finish == "tool_calls")
            #expect(usage?["prompt_tokens"] == 10)
            #expect(usage?["completion_tokens"] == 5)
            // Anthropic has no stream_options: the adapter must not send it (the mock would 400).
            #expect(anthropic.requests.last?.body?["stream_options"] == nil)
            #expect(anthropic.requests.last?.headers["accept"] == "text/event-stream")
        }
    }

    @Test("streamed text arrives whole; usage stays hidden unless asked for")
    func streamedText() async throws {
        try await Self.withGateway { gateway, _ in
            let reply = try await EndToEndTests.post(gateway, "/v1/chat/completions", body: EndToEndTests.chat("claude/claude-sonnet-4", stream: true))
            #expect(reply.status == 200)
            let events = try Self.events(reply)
            #expect(events.first?["choices"]?.arrayValue?.first?["delta"]?["role"] == "assistant")
            let text = events.compactMap { $0["choices"]?.arrayValue?.first?["delta"]?["content"]?.stringValue }.joined()
            #expect(text == "You said: hello there")
            #expect(!reply.body.contains("\"usage\""))
            #expect(reply.body.hasSuffix("data: [DONE]\n\n"))
        }
    }

    @Test("cache reads and writes count as prompt tokens; cache reads as cached tokens")
    func cacheUsage() async throws {
        try await Self.withGateway { gateway, _ in
            let reply = try await EndToEndTests.post(gateway, "/v1/chat/completions", body: EndToEndTests.chat("claude/claude-cache"))
            #expect(reply.json?["usage"]?["prompt_tokens"] == 130)
            #expect(reply.json?["usage"]?["total_tokens"] == 135)
            #expect(reply.json?["usage"]?["prompt_tokens_details"]?["cached_tokens"] == 100)
        }
    }

    @Test("upstream errors map to the gateway's statuses and codes", arguments: [
        ("claude/error-429", 429, "UPSTREAM_RATE_LIMITED"), ("claude/error-529", 502, "UPSTREAM_OVERLOADED"),
        ("claude/error-400", 400, "UPSTREAM_REJECTED"), ("claude/error-401", 502, "UPSTREAM_AUTH_FAILED"),
    ])
    func errors(model: String, status: Int, code: String) async throws {
        try await Self.withGateway { gateway, _ in
            let reply = try await EndToEndTests.post(gateway, "/v1/chat/completions", body: EndToEndTests.chat(model))
            #expect(reply.status == status)
            #expect(reply.code == code, "\(reply.body)")
            #expect(!reply.body.contains("sk-ant-test"))
            if status == 429 { #expect(reply.headers["Retry-After"] == ["7"]) }
        }
    }

    @Test("an error event after the 200 ends the stream with an in-band error, not [DONE]")
    func streamError() async throws {
        try await Self.withGateway { gateway, _ in
            let reply = try await EndToEndTests.post(gateway, "/v1/chat/completions", body: EndToEndTests.chat("claude/error-stream", stream: true))
            #expect(reply.body.contains("partial "))
            #expect(reply.body.contains("UPSTREAM_STREAM_ERROR"))
            #expect(!reply.body.contains("[DONE]"))
        }
    }

    @Test("an Anthropic-shaped client through /v1/messages reaches the Anthropic mock with a valid request, streamed tool use included")
    func anthropicToAnthropic() async throws {
        try await Self.withGateway { gateway, anthropic in
            let request = #"""
            {"model":"claude/claude-tool","max_tokens":300,"stream":STREAM,"system":"Be brief.",
             "tools":[{"name":"lookup","input_schema":{"type":"object","properties":{"city":{"type":"string"}}}}],
             "messages":[{"role":"user","content":"Weather in Paris?"}]}
            """#
            let headers = [("x-api-key", gateway.apiKey), ("anthropic-version", "2023-06-01")]
            let plain = try await EndToEndTests.post(gateway, "/v1/messages", body: request.replacingOccurrences(of: "STREAM", with: "false"),
                                                     key: .some(nil), headers: headers)
            #expect(plain.status == 200, "\(plain.body)")
            let toolUse = plain.json?["content"]?.arrayValue?.first { $0["type"] == "tool_use" }
            #expect(toolUse?["name"] == "lookup")
            #expect(toolUse?["input"] == ["city": "Paris"])
            #expect(plain.json?["stop_reason"] == "tool_use")
            let received = try #require(anthropic.requests.last)
            #expect(received.body?["max_tokens"] == 300)
            #expect(received.body?["system"] == "Be brief.")
            #expect(received.headers["x-api-key"] == "sk-ant-test")

            let streamed = try await EndToEndTests.post(gateway, "/v1/messages", body: request.replacingOccurrences(of: "STREAM", with: "true"),
                                                        key: .some(nil), headers: headers)
            #expect(streamed.status == 200, "\(streamed.body)")
            var decoder = SSEDecoder()
            let events = try decoder.feed(Array(streamed.body.utf8)).map { try JSONParser.parse($0.data) }
            let json = events.compactMap { $0["delta"]?["partial_json"]?.stringValue }.joined()
            #expect(try JSONParser.parse(json) == ["city": "Paris"])
            #expect(events.last?["type"] == "message_stop")
        }
    }

    @Test("JSON mode through a forced tool comes back as JSON content")
    func jsonMode() async throws {
        try await Self.withGateway { gateway, anthropic in
            let reply = try await EndToEndTests.post(gateway, "/v1/chat/completions", body: EndToEndTests.chat(
                "claude/claude-sonnet-4", extra: #","response_format":{"type":"json_schema","json_schema":{"name":"place","schema":{"type":"object","properties":{"city":{"type":"string"}}}}}"#))
            #expect(reply.status == 200, "\(reply.body)")
            #expect(try JSONParser.parse(reply.json?["choices"]?.arrayValue?.first?["message"]?["content"]?.stringValue ?? "") == ["city": "Paris"])
            #expect(reply.json?["choices"]?.arrayValue?.first?["finish_reason"] == "stop")
            #expect(anthropic.requests.last?.body?["tool_choice"]?["type"] == "tool")
        }
    }
}
