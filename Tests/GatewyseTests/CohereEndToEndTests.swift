import AsyncHTTPClient
import Foundation
import GatewyseCore
import GatewyseEngine
import GatewyseProviders
import GatewyseTesting
import Testing

/// OpenAI-shaped clients through the real gateway to the mock Cohere.
@Suite("Cohere end to end", .serialized)
struct CohereEndToEndTests {
    static func withGateway(_ body: (TestGateway, MockCohereUpstream) async throws -> Void) async throws {
        let cohere = try await MockCohereUpstream.start()
        let gateway = try await TestGateway.start(extraProviders: [
            ProviderConfiguration(id: "cohere", entry: ProviderCatalog.entry(forType: "cohere")!, baseURL: cohere.baseURL, apiKey: Secret("co-e2e-key")),
        ], extraModels: [
            // n=2 skips Cohere (incompatible) and lands on the OpenAI mock.
            ModelAlias(name: "co-or-mock", strategy: .failover, targets: [ModelTarget(provider: "cohere", model: "command-r", priority: 1),
                                                                          ModelTarget(provider: "mock", model: "mock-chat", priority: 2)]),
        ])
        do {
            try await body(gateway, cohere)
        } catch {
            await gateway.stop()
            await cohere.stop()
            throw error
        }
        await gateway.stop()
        await cohere.stop()
    }

    static let tools = #","tools":[{"type":"function","function":{"name":"lookup","description":"Weather","parameters":{"type":"object","properties":{"city":{"type":"string"}}}}}]"#

    static func events(_ body: String) throws -> [JSONValue] {
        var decoder = SSEDecoder()
        return try decoder.feed(Array(body.utf8)).filter { $0.data != "[DONE]" }.map { try JSONParser.parse($0.data) }
    }

    @Test("a chat completion reaches Cohere as a valid /v2/chat request with the Bearer key and renamed fields, and comes back OpenAI-shaped")
    func text() async throws {
        try await Self.withGateway { gateway, cohere in
            let reply = try await EndToEndTests.post(gateway, "/v1/chat/completions", body: #"""
            {"model":"cohere/command-a-03-2025","messages":[{"role":"developer","content":"Be brief."},{"role":"user","content":"hello there"}],
             "max_completion_tokens":50,"top_p":0.5,"stop":["END"],"user":"u1"}
            """#)
            #expect(reply.status == 200, "\(reply.body)")
            #expect(reply.headers["X-Provider"] == ["cohere"])
            let json = try #require(reply.json)
            #expect(json["object"] == "chat.completion")
            #expect(json["choices"]?.arrayValue?.first?["message"]?["content"] == "You said: hello there")
            #expect(json["choices"]?.arrayValue?.first?["finish_reason"] == "stop")
            #expect(json["usage"]?["total_tokens"] == 15)
            let received = try #require(cohere.requests.last)
            #expect(received.path == "/v2/chat")
            #expect(received.headers["authorization"] == "Bearer co-e2e-key")
            #expect(received.body?["model"] == "command-a-03-2025")
            #expect(received.body?["messages"]?.arrayValue?.first == ["role": "system", "content": "Be brief."])
            #expect(received.body?["max_tokens"] == 50)
            #expect(received.body?["p"] == 0.5)
            #expect(received.body?["stop_sequences"] == ["END"])
            #expect(received.body?["user"] == nil)
        }
    }

    @Test("a streamed tool call arrives with id, name, arguments assembled from deltas at index 0, finish tool_calls and usage")
    func streamedToolCall() async throws {
        try await Self.withGateway { gateway, cohere in
            let reply = try await EndToEndTests.post(gateway, "/v1/chat/completions", body: EndToEndTests.chat(
                "cohere/cohere-tool", stream: true, extra: Self.tools + #","stream_options":{"include_usage":true}"#))
            #expect(reply.status == 200, "\(reply.body)")
            #expect(reply.body.hasSuffix("data: [DONE]\n\n"))
            var ids: [String] = [], name = "", arguments = "", finish = ""
            var usage: JSONValue?
            for event in try Self.events(reply.body) {
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
            #expect(ids == ["lookup_mock0"])
            #expect(name == "lookup")
            #expect(try JSONParser.parse(arguments) == ["city": "Paris"])
            #expect(finish == "tool_calls")
            #expect(usage?["total_tokens"] == 15)
            #expect(cohere.requests.last?.body?["stream"] == true)
            #expect(cohere.requests.last?.body?["stream_options"] == nil)
        }
    }

    @Test("the tool result goes back referencing the call, and the answer uses it")
    func toolResult() async throws {
        try await Self.withGateway { gateway, cohere in
            let reply = try await EndToEndTests.post(gateway, "/v1/chat/completions", body: #"""
            {"model":"cohere/command-r","messages":[{"role":"user","content":"Weather in Paris?"},
             {"role":"assistant","content":null,"tool_calls":[{"id":"lookup_mock0","type":"function","function":{"name":"lookup","arguments":"{\"city\": \"Paris\"}"}}]},
             {"role":"tool","tool_call_id":"lookup_mock0","content":"18C and sunny"}]\#(Self.tools)}
            """#)
            #expect(reply.status == 200, "\(reply.body)")
            #expect(reply.json?["choices"]?.arrayValue?.first?["message"]?["content"] == "The tool said: 18C and sunny")
            let messages = try #require(cohere.requests.last?.body?["messages"]?.arrayValue)
            #expect(messages[2] == ["role": "tool", "tool_call_id": "lookup_mock0", "content": "18C and sunny"])
        }
    }

    @Test("streamed text arrives whole; usage is hidden unless asked for")
    func streamedText() async throws {
        try await Self.withGateway { gateway, _ in
            let reply = try await EndToEndTests.post(gateway, "/v1/chat/completions", body: EndToEndTests.chat("cohere/command-r", stream: true))
            #expect(reply.status == 200)
            let events = try Self.events(reply.body)
            #expect(events.first?["choices"]?.arrayValue?.first?["delta"]?["role"] == "assistant")
            #expect(events.compactMap { $0["choices"]?.arrayValue?.first?["delta"]?["content"]?.stringValue }.joined() == "You said: hello there")
            #expect(events.allSatisfy { $0["usage"] == nil || $0["usage"]?.isNull == true })
        }
    }

    @Test("upstream failures map to the gateway's statuses and codes; the key never leaks", arguments: [
        ("cohere/error-429", 429, "UPSTREAM_RATE_LIMITED"), ("cohere/error-400", 400, "UPSTREAM_REJECTED"),
        ("cohere/error-500", 502, "UPSTREAM_ERROR"), ("cohere/cohere-stream-error", 502, "UPSTREAM_GENERATION_FAILED"),
    ])
    func errors(model: String, status: Int, code: String) async throws {
        try await Self.withGateway { gateway, _ in
            let reply = try await EndToEndTests.post(gateway, "/v1/chat/completions", body: EndToEndTests.chat(model))
            #expect(reply.status == status, "\(reply.body)")
            #expect(reply.code == code, "\(reply.body)")
            #expect(!reply.body.contains("co-e2e-key"))
        }
    }

    @Test("a stream that Cohere ends with an error is reported in-band, without [DONE]")
    func streamedFailure() async throws {
        try await Self.withGateway { gateway, _ in
            let reply = try await EndToEndTests.post(gateway, "/v1/chat/completions", body: EndToEndTests.chat("cohere/cohere-stream-error", stream: true))
            #expect(reply.status == 200)
            #expect(!reply.body.contains("[DONE]"))
            #expect(try Self.events(reply.body).last?["error"]?["code"] == "UPSTREAM_GENERATION_FAILED")
        }
    }

    @Test("n=2 is skipped on Cohere and served by the next target")
    func incompatibleSkipped() async throws {
        try await Self.withGateway { gateway, cohere in
            let reply = try await EndToEndTests.post(gateway, "/v1/chat/completions", body: EndToEndTests.chat("co-or-mock", extra: #","n":2"#))
            #expect(reply.status == 200, "\(reply.body)")
            #expect(reply.headers["X-Provider"] == ["mock"])
            #expect(cohere.requests.isEmpty)
        }
    }
}
