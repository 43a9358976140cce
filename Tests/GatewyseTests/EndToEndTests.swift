import AsyncHTTPClient
import Foundation
import GatewyseCore
import GatewyseTesting
import NIOCore
import NIOHTTP1
import Testing

/// The real server on an ephemeral port, a real HTTP client, the mock upstream behind.
@Suite("End to end", .serialized)
struct EndToEndTests {
    struct Reply {
        var status: Int
        var headers: HTTPHeaders
        var body: String
        var json: JSONValue? { try? JSONParser.parse(body) }
        var code: String? { json?["error"]?["code"]?.stringValue }
    }

    static func withGateway(maxBodyBytes: Int = 10 * 1024 * 1024, _ body: (TestGateway) async throws -> Void) async throws {
        let gateway = try await TestGateway.start(maxBodyBytes: maxBodyBytes)
        do {
            try await body(gateway)
        } catch {
            await gateway.stop()
            throw error
        }
        await gateway.stop()
    }

    static func post(_ gateway: TestGateway, _ path: String, body: String, key: String?? = .none, headers: [(String, String)] = []) async throws -> Reply {
        var request = HTTPClientRequest(url: gateway.baseURL + path)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        switch key {
        case .none: request.headers.add(name: "Authorization", value: "Bearer \(gateway.apiKey)")
        case .some(.some(let value)): request.headers.add(name: "Authorization", value: value)
        case .some(.none): break
        }
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        request.body = .bytes(ByteBuffer(string: body))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        let bytes = try await response.body.collect(upTo: 16 * 1024 * 1024)
        return Reply(status: Int(response.status.code), headers: response.headers, body: String(buffer: bytes))
    }

    static func chat(_ model: String, stream: Bool = false, extra: String = "") -> String {
        #"{"model":"\#(model)","stream":\#(stream),"messages":[{"role":"user","content":"hello there"}]\#(extra)}"#
    }

    @Test("a chat completion reaches the upstream with the model rewritten and the provider key, and comes back intact")
    func chat() async throws {
        try await Self.withGateway { gateway in
            let reply = try await Self.post(gateway, "/v1/chat/completions", body: Self.chat("mock-chat", extra: #","seed":7,"top_k":3"#),
                                            headers: [("X-Request-ID", "client-req-1")])
            #expect(reply.status == 200)
            #expect(reply.json?["choices"]?.arrayValue?[0]["message"]?["content"] == "You said: hello there")
            #expect(reply.json?["usage"]?["total_tokens"] == 15)
            #expect(reply.headers["X-Provider"] == ["mock"])
            #expect(reply.headers["X-Request-ID"] == ["client-req-1"])
            let received = try #require(gateway.mock.requests.last)
            #expect(received.body?["model"] == "mock-chat")
            #expect(received.body?["seed"] == 7)
            #expect(received.body?["top_k"] == 3)
            #expect(received.headers["authorization"] == "Bearer \(TestGateway.providerKey)")
        }
    }

    @Test("an alias fails over from a dead provider to a live one")
    func failover() async throws {
        try await Self.withGateway { gateway in
            let reply = try await Self.post(gateway, "/v1/chat/completions", body: Self.chat("fast-chat"))
            #expect(reply.status == 200)
            #expect(reply.headers["X-Gatewyse-Attempts"] == ["2"])
            #expect(reply.headers["X-Provider"] == ["mock"])
        }
    }

    @Test("streams text with the usage chunk only when asked for")
    func streaming() async throws {
        try await Self.withGateway { gateway in
            let plain = try await Self.post(gateway, "/v1/chat/completions", body: Self.chat("mock/mock-chat", stream: true))
            #expect(plain.status == 200)
            #expect(plain.headers["Content-Type"].first?.hasPrefix("text/event-stream") == true)
            #expect(plain.body.hasSuffix("data: [DONE]\n\n"))
            #expect(!plain.body.contains("\"usage\""))
            // The gateway asked the upstream for usage anyway, to meter the stream.
            #expect(gateway.mock.requests.last?.body?["stream_options"]?["include_usage"] == true)
            var decoder = SSEDecoder()
            let text = try decoder.feed(Array(plain.body.utf8)).filter { $0.data != "[DONE]" }
                .compactMap { try JSONParser.parse($0.data)["choices"]?.arrayValue?.first?["delta"]?["content"]?.stringValue }.joined()
            #expect(text == "You said: hello there")

            let withUsage = try await Self.post(gateway, "/v1/chat/completions", body: Self.chat("mock/mock-chat", stream: true, extra: #","stream_options":{"include_usage":true}"#))
            #expect(withUsage.body.contains(#""choices":[],"usage":{"prompt_tokens":10"#))
        }
    }

    @Test("streamed tool-call deltas arrive intact")
    func streamedToolCall() async throws {
        try await Self.withGateway { gateway in
            let tools = #","tools":[{"type":"function","function":{"name":"lookup","parameters":{"type":"object"}}}]"#
            let reply = try await Self.post(gateway, "/v1/chat/completions", body: Self.chat("mock/mock-tool", stream: true, extra: tools))
            var decoder = SSEDecoder()
            var name = ""
            var arguments = ""
            var finish = ""
            for event in try decoder.feed(Array(reply.body.utf8)) where event.data != "[DONE]" {
                let choice = try JSONParser.parse(event.data)["choices"]?.arrayValue?.first
                for call in choice?["delta"]?["tool_calls"]?.arrayValue ?? [] {
                    #expect(call["index"] == 0)
                    name += call["function"]?["name"]?.stringValue ?? ""
                    arguments += call["function"]?["arguments"]?.stringValue ?? ""
                }
                finish = choice?["finish_reason"]?.stringValue ?? finish
            }
            #expect(name == "lookup")
            #expect(try JSONParser.parse(arguments) == ["city": "Paris"])
            #expect(finish == "tool_calls")
        }
    }

    @Test("errors carry the documented status, code and headers", arguments: [
        ("mock/error-429", 429, "UPSTREAM_RATE_LIMITED"), ("mock/error-500", 502, "UPSTREAM_ERROR"),
        ("mock/error-400", 400, "UPSTREAM_REJECTED"), ("mock/slow", 504, "UPSTREAM_TIMEOUT"),
        ("mock/reset", 502, "UPSTREAM_UNAVAILABLE"), ("mock/error-401", 502, "UPSTREAM_AUTH_FAILED"),
        ("nobody/model", 404, "MODEL_NOT_FOUND"), ("unknown-alias", 404, "MODEL_NOT_FOUND"),
    ])
    func upstreamErrors(model: String, status: Int, code: String) async throws {
        try await Self.withGateway { gateway in
            let reply = try await Self.post(gateway, "/v1/chat/completions", body: Self.chat(model))
            #expect(reply.status == status)
            #expect(reply.code == code, "\(reply.body)")
            #expect(reply.json?["error"]?["type"]?.stringValue != nil)
            #expect(reply.json?["error"]?["message"]?.stringValue?.isEmpty == false)
            #expect(!reply.body.contains(TestGateway.providerKey))
            #expect(reply.headers["X-Request-ID"].first != nil)
            #expect(reply.headers["X-Provider"].first != nil)
            if status == 429 { #expect(reply.headers["Retry-After"] == ["7"]) }
        }
    }

    @Test("bad requests are refused with a named reason", arguments: [
        (#"{"model":"mock-chat","messages":[{"role":"user","content":"x"}"#, 400, "INVALID_JSON"),
        (#"{"model":"mock-chat"}"#, 400, "MISSING_FIELD"),
        (#"{"model":"mock-chat","messages":"hi"}"#, 400, "INVALID_FIELD"),
        ("", 400, "INVALID_REQUEST"),
    ])
    func badRequests(body: String, status: Int, code: String) async throws {
        try await Self.withGateway { gateway in
            let reply = try await Self.post(gateway, "/v1/chat/completions", body: body)
            #expect(reply.status == status)
            #expect(reply.code == code, "\(reply.body)")
            #expect(gateway.mock.requests.isEmpty)
        }
    }

    @Test("missing and unknown keys get 401")
    func authentication() async throws {
        try await Self.withGateway { gateway in
            let none = try await Self.post(gateway, "/v1/chat/completions", body: Self.chat("mock-chat"), key: .some(nil))
            #expect(none.status == 401 && none.code == "AUTH_REQUIRED")
            let wrong = try await Self.post(gateway, "/v1/chat/completions", body: Self.chat("mock-chat"), key: "Bearer aigw_sk_ffffffffffffffffffffffffffffffffffffffffffffffff")
            #expect(wrong.status == 401 && wrong.code == "AUTH_INVALID_KEY")
            #expect(gateway.mock.requests.isEmpty)
        }
    }

    @Test("a body over the limit gets 413")
    func oversized() async throws {
        try await Self.withGateway(maxBodyBytes: 4096) { gateway in
            let big = Self.chat("mock-chat").replacingOccurrences(of: "hello there", with: String(repeating: "a", count: 10_000))
            let reply = try await Self.post(gateway, "/v1/chat/completions", body: big)
            #expect(reply.status == 413)
            #expect(reply.code == "PAYLOAD_TOO_LARGE")
        }
    }

    @Test("a stream cut by the upstream ends with an in-band error, not [DONE]")
    func truncatedStream() async throws {
        try await Self.withGateway { gateway in
            let reply = try await Self.post(gateway, "/v1/chat/completions", body: Self.chat("mock/truncated-stream", stream: true))
            #expect(reply.body.contains("partial "))
            #expect(reply.body.contains("UPSTREAM_STREAM_INTERRUPTED"))
            #expect(!reply.body.contains("[DONE]"))
        }
    }

    @Test("a client that disconnects mid-stream cancels the upstream stream")
    func disconnectCancelsUpstream() async throws {
        try await Self.withGateway { gateway in
            var request = HTTPClientRequest(url: gateway.baseURL + "/v1/chat/completions")
            request.method = .POST
            request.headers.add(name: "Authorization", value: "Bearer \(gateway.apiKey)")
            request.body = .bytes(ByteBuffer(string: Self.chat("mock/slow-stream", stream: true)))
            let client = HTTPClient(eventLoopGroupProvider: .singleton)
            let response = try await client.execute(request, timeout: .seconds(10))
            var iterator = response.body.makeAsyncIterator()
            _ = try await iterator.next()
            try await client.shutdown()  // drops the connection mid-stream
            var abandoned = 0
            for _ in 0..<50 where abandoned == 0 {
                try await Task.sleep(for: .milliseconds(100))
                abandoned = gateway.mock.abandonedStreams
            }
            #expect(abandoned == 1)
        }
    }

    @Test("legacy completions accept a prompt and answer text_completion")
    func legacyCompletions() async throws {
        try await Self.withGateway { gateway in
            let reply = try await Self.post(gateway, "/v1/completions", body: #"{"model":"mock-chat","prompt":"hi"}"#)
            #expect(reply.status == 200)
            #expect(reply.json?["object"] == "text_completion")
            #expect(reply.json?["choices"]?.arrayValue?[0]["text"] == "You said: hi")
            let streamed = try await Self.post(gateway, "/v1/completions", body: #"{"model":"mock-chat","prompt":"hi","stream":true}"#)
            #expect(streamed.body.contains(#""object":"text_completion""#) && streamed.body.hasSuffix("data: [DONE]\n\n"))
        }
    }

    @Test("models, health and readiness")
    func discovery() async throws {
        try await Self.withGateway { gateway in
            let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: gateway.baseURL + "/healthz"), timeout: .seconds(5))
            #expect(response.status == .ok)
            #expect(response.headers["X-Request-ID"].first?.hasPrefix("req_") == true)
            var models = HTTPClientRequest(url: gateway.baseURL + "/v1/models")
            models.headers.add(name: "Authorization", value: "Bearer \(gateway.apiKey)")
            let list = try await HTTPClient.shared.execute(models, timeout: .seconds(5))
            let body = try JSONParser.parse(String(buffer: try await list.body.collect(upTo: 1 << 20)))
            let ids = body["data"]?.arrayValue?.compactMap { $0["id"]?.stringValue } ?? []
            #expect(ids.contains("fast-chat") && ids.contains("mock/mock-chat") && ids.contains("mock/mock-tool"))
            let ready = try await HTTPClient.shared.execute(HTTPClientRequest(url: gateway.baseURL + "/readyz"), timeout: .seconds(5))
            #expect(ready.status == .ok)
            let missing = try await HTTPClient.shared.execute(HTTPClientRequest(url: gateway.baseURL + "/v2/nothing"), timeout: .seconds(5))
            #expect(missing.status == .notFound)
        }
    }
}
