import AsyncHTTPClient
import Foundation
import GatewyseCore
import GatewyseTesting
import NIOCore
import Testing

/// The mock Anthropic itself: it must refuse what the real API refuses, in its words, and answer
/// in the documented shapes — otherwise the adapter tests that rely on it prove nothing.
@Suite("Mock Anthropic upstream", .serialized)
struct AnthropicMockUpstreamTests {
    struct Reply {
        var status: Int
        var headers: [(String, String)]
        var body: String
        var json: JSONValue? { try? JSONParser.parse(body) }
        var errorMessage: String? { json?["error"]?["message"]?.stringValue }
        func header(_ name: String) -> String? { headers.first { $0.0.lowercased() == name }?.1 }
    }

    static let validHeaders = [("x-api-key", "sk-ant-test"), ("anthropic-version", "2023-06-01"), ("content-type", "application/json")]

    static func post(_ mock: MockAnthropicUpstream, _ body: String, headers: [(String, String)] = validHeaders) async throws -> Reply {
        var request = HTTPClientRequest(url: mock.baseURLWithoutV1 + "/v1/messages")
        request.method = .POST
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        request.body = .bytes(ByteBuffer(string: body))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        let bytes = try await response.body.collect(upTo: 1 << 20)
        return Reply(status: Int(response.status.code), headers: response.headers.map { ($0.name, $0.value) }, body: String(buffer: bytes))
    }

    static func withMock(_ body: (MockAnthropicUpstream) async throws -> Void) async throws {
        let mock = try await MockAnthropicUpstream.start()
        do { try await body(mock) } catch { await mock.stop(); throw error }
        await mock.stop()
    }

    @Test("a valid request gets a message with content blocks and usage; the request is recorded")
    func valid() async throws {
        try await Self.withMock { mock in
            let reply = try await Self.post(mock, #"{"model":"claude-sonnet-4","max_tokens":100,"messages":[{"role":"user","content":"hi"}]}"#)
            #expect(reply.status == 200)
            #expect(reply.json?["type"] == "message")
            #expect(reply.json?["id"]?.stringValue?.hasPrefix("msg_") == true)
            #expect(reply.json?["content"] == [["type": "text", "text": "You said: hi"]])
            #expect(reply.json?["stop_reason"] == "end_turn")
            #expect(reply.json?["usage"]?["input_tokens"] == 10)
            #expect(reply.header("request-id") != nil)
            #expect(mock.requests.last?.headers["x-api-key"] == "sk-ant-test")
            let bearer = try await Self.post(mock, #"{"model":"m","max_tokens":1,"messages":[{"role":"user","content":"hi"}]}"#,
                                             headers: [("authorization", "Bearer sk-ant-oauth"), ("anthropic-version", "2026-10-21")])
            #expect(bearer.status == 200)
        }
    }

    @Test("documents (PDF, text), four cache_control breakpoints with ttl, and tool_result is_error are accepted")
    func cachingAndDocuments() async throws {
        try await Self.withMock { mock in
            let reply = try await Self.post(mock, #"""
                {"model":"m","max_tokens":5,
                 "system":[{"type":"text","text":"s","cache_control":{"type":"ephemeral","ttl":"1h"}}],
                 "tools":[{"name":"f","input_schema":{"type":"object"},"cache_control":{"type":"ephemeral"}}],
                 "messages":[{"role":"user","content":[
                    {"type":"document","source":{"type":"base64","media_type":"application/pdf","data":"JVBERi0x"},"title":"t","cache_control":{"type":"ephemeral"}},
                    {"type":"document","source":{"type":"text","media_type":"text/plain","data":"plain"}},
                    {"type":"text","text":"go"}]},
                  {"role":"assistant","content":[{"type":"tool_use","id":"toolu_1","name":"f","input":{}}]},
                  {"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_1","is_error":true,
                    "content":[{"type":"text","text":"failed","cache_control":{"type":"ephemeral","ttl":"5m"}}]}]}]}
                """#)
            #expect(reply.status == 200, "\(String(describing: reply.errorMessage))")
        }
    }

    @Test("invalid requests get Anthropic's 400 with a precise message", arguments: [
        (#"{"model":"m","messages":[{"role":"user","content":"hi"}]}"#, "max_tokens: Field required"),
        (#"{"model":"m","max_tokens":5,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"hi"}]}"#,
         "stream_options: Extra inputs are not permitted"),
        (#"{"model":"m","max_tokens":5,"n":2,"messages":[{"role":"user","content":"hi"}]}"#, "n: Extra inputs are not permitted"),
        (#"{"model":"m","max_tokens":5,"messages":[{"role":"system","content":"hi"}]}"#, "messages.0.role: Input should be 'user' or 'assistant'"),
        (#"{"model":"m","max_tokens":5,"messages":[{"role":"assistant","content":"hi"},{"role":"user","content":"x"}]}"#,
         #"messages: first message must use the "user" role"#),
        (#"{"model":"m","max_tokens":5,"messages":[{"role":"user","content":"a"},{"role":"user","content":"b"}]}"#,
         #"messages: roles must alternate between "user" and "assistant", but found multiple "user" roles in a row"#),
        (#"{"model":"m","max_tokens":5,"temperature":1.5,"messages":[{"role":"user","content":"hi"}]}"#, "temperature: Input should be less than or equal to 1"),
        (#"{"model":"m","max_tokens":5,"messages":[{"role":"user","content":""}]}"#,
         "messages.0: all messages must have non-empty content except for the optional final assistant message"),
        (#"{"model":"m","max_tokens":5,"tools":[{"name":"f","input_schema":{"type":"object"}}],"messages":[{"role":"user","content":"go"},{"role":"assistant","content":[{"type":"tool_use","id":"toolu_1","name":"f","input":{}}]},{"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_2","content":"x"}]}]}"#,
         "messages.2.content.0: unexpected `tool_use_id` found in `tool_result` blocks: toolu_2. Each `tool_result` block must have a corresponding `tool_use` block in the previous message."),
        (#"{"model":"m","max_tokens":5,"tools":[{"name":"f","input_schema":{"type":"object"}}],"messages":[{"role":"user","content":"go"},{"role":"assistant","content":[{"type":"tool_use","id":"toolu_1","name":"f","input":{}}]},{"role":"user","content":"what now?"}]}"#,
         "messages.1: `tool_use` ids were found without `tool_result` blocks immediately after: toolu_1. Each `tool_use` block must have a corresponding `tool_result` block in the next message."),
        (#"{"model":"m","max_tokens":5,"tools":[{"name":"f","input_schema":{"type":"object"}}],"messages":[{"role":"user","content":"go"},{"role":"assistant","content":[{"type":"tool_use","id":"toolu_1","name":"f","input":{}}]},{"role":"user","content":[{"type":"text","text":"x"},{"type":"tool_result","tool_use_id":"toolu_1"}]}]}"#,
         "messages.2: Did not find 1 `tool_result` block(s) at the beginning of this message. Messages following `tool_use` blocks must begin with a matching number of `tool_result` blocks."),
        (#"{"model":"m","max_tokens":5,"messages":[{"role":"user","content":[{"type":"text","text":"x","cache_control":{"type":"persistent"}}]}]}"#,
         "messages.0.content.0.text.cache_control.type: Input should be 'ephemeral'"),
        (#"{"model":"m","max_tokens":5,"messages":[{"role":"user","content":[{"type":"text","text":"x","cache_control":{"type":"ephemeral","ttl":"2h"}}]}]}"#,
         "messages.0.content.0.text.cache_control.ttl: Input should be '5m' or '1h'"),
        (#"{"model":"m","max_tokens":5,"system":[{"type":"text","text":"s","cache_control":"yes"}],"messages":[{"role":"user","content":"x"}]}"#,
         "system.0.cache_control: Input should be a valid dictionary"),
        (#"{"model":"m","max_tokens":5,"messages":[{"role":"user","content":[{"type":"text","text":"x","is_error":true}]}]}"#,
         "messages.0.content.0.text.is_error: Extra inputs are not permitted"),
        (#"{"model":"m","max_tokens":5,"messages":[{"role":"user","content":"go"},{"role":"assistant","content":[{"type":"thinking","thinking":"t","signature":"s","cache_control":{"type":"ephemeral"}}]}]}"#,
         "messages.1.content.0.thinking.cache_control: Extra inputs are not permitted"),
        (#"{"model":"m","max_tokens":5,"tools":[{"name":"f","input_schema":{"type":"object"}}],"messages":[{"role":"user","content":"go"},{"role":"assistant","content":[{"type":"tool_use","id":"toolu_1","name":"f","input":{}}]},{"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_1","content":"x","is_error":"yes"}]}]}"#,
         "messages.2.content.0.tool_result.is_error: Input should be a valid boolean"),
        (#"{"model":"m","max_tokens":5,"messages":[{"role":"user","content":[{"type":"document","source":{"type":"text","media_type":"text/html","data":"<p>"}}]}]}"#,
         "messages.0.content.0.source.media_type: Input should be 'text/plain'"),
        (#"{"model":"m","max_tokens":5,"messages":[{"role":"user","content":[{"type":"document","source":{"type":"base64","media_type":"image/png","data":"iVBO"}}]}]}"#,
         "messages.0.content.0.source.media_type: Input should be 'application/pdf'"),
        (#"{"model":"m","max_tokens":5,"system":[{"type":"text","text":"a","cache_control":{"type":"ephemeral"}},{"type":"text","text":"b","cache_control":{"type":"ephemeral"}}],"tools":[{"name":"f","input_schema":{"type":"object"},"cache_control":{"type":"ephemeral"}}],"messages":[{"role":"user","content":[{"type":"text","text":"c","cache_control":{"type":"ephemeral"}},{"type":"text","text":"d","cache_control":{"type":"ephemeral"}}]}]}"#,
         "A maximum of 4 blocks with cache_control may be provided. Found 5."),
    ])
    func invalid(body: String, message: String) async throws {
        try await Self.withMock { mock in
            let reply = try await Self.post(mock, body)
            #expect(reply.status == 400)
            #expect(reply.json?["type"] == "error")
            #expect(reply.json?["error"]?["type"] == "invalid_request_error")
            #expect(reply.errorMessage == message)
        }
    }

    @Test("missing version header is a 400, missing key a 401")
    func headers() async throws {
        try await Self.withMock { mock in
            let body = #"{"model":"m","max_tokens":5,"messages":[{"role":"user","content":"hi"}]}"#
            let noVersion = try await Self.post(mock, body, headers: [("x-api-key", "k")])
            #expect(noVersion.status == 400)
            #expect(noVersion.errorMessage == "anthropic-version: header is required")
            let noKey = try await Self.post(mock, body, headers: [("anthropic-version", "2023-06-01")])
            #expect(noKey.status == 401)
            #expect(noKey.json?["error"]?["type"] == "authentication_error")
        }
    }

    @Test("a stream follows the documented event order, with a ping, input_json_delta fragments and usage, and no [DONE]")
    func streamOrder() async throws {
        try await Self.withMock { mock in
            let reply = try await Self.post(mock, #"""
            {"model":"claude-tool","max_tokens":50,"stream":true,"tools":[{"name":"lookup","input_schema":{"type":"object"}}],
             "messages":[{"role":"user","content":"weather?"}]}
            """#)
            #expect(reply.status == 200)
            #expect(reply.header("content-type")?.hasPrefix("text/event-stream") == true)
            #expect(!reply.body.contains("[DONE]"))
            var decoder = SSEDecoder()
            let events = try decoder.feed(Array(reply.body.utf8))
            for event in events { #expect(try JSONParser.parse(event.data)["type"]?.stringValue == event.event) }
            let names = events.compactMap(\.event)
            #expect(names == ["message_start", "content_block_start", "ping", "content_block_delta", "content_block_delta", "content_block_delta",
                              "content_block_delta", "content_block_stop", "content_block_start", "content_block_delta", "content_block_delta", "content_block_delta",
                              "content_block_stop", "message_delta", "message_stop"])
            let data = try events.map { try JSONParser.parse($0.data) }
            #expect(data[0]["message"]?["usage"]?["input_tokens"] == 10)
            #expect(data[8]["content_block"]?["name"] == "lookup")
            #expect(data[8]["index"] == 1)
            let json = data[9...11].compactMap { $0["delta"]?["partial_json"]?.stringValue }.joined()
            #expect(try JSONParser.parse(json) == ["city": "Paris"])
            #expect(data[13]["delta"]?["stop_reason"] == "tool_use")
            #expect(data[13]["usage"]?["output_tokens"] == 5)
        }
    }

    @Test("fault scenarios: 429 with retry-after and RFC 3339 resets, 529 overloaded, an error event after a 200")
    func faults() async throws {
        try await Self.withMock { mock in
            let limited = try await Self.post(mock, #"{"model":"error-429","max_tokens":5,"messages":[{"role":"user","content":"hi"}]}"#)
            #expect(limited.status == 429)
            #expect(limited.header("retry-after") == "7")
            #expect(limited.header("anthropic-ratelimit-requests-reset") == "2026-11-24T12:00:07Z")
            #expect(limited.json?["error"]?["type"] == "rate_limit_error")
            let overloaded = try await Self.post(mock, #"{"model":"error-529","max_tokens":5,"messages":[{"role":"user","content":"hi"}]}"#)
            #expect(overloaded.status == 529)
            #expect(overloaded.json?["error"]?["type"] == "overloaded_error")
            let failing = try await Self.post(mock, #"{"model":"error-stream","max_tokens":5,"stream":true,"messages":[{"role":"user","content":"hi"}]}"#)
            #expect(failing.status == 200)
            #expect(failing.body.contains("event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\""))
            #expect(!failing.body.contains("message_stop"))
        }
    }
}
