import GatewyseCore
@testable import GatewyseProviders
import Testing

@Suite("Cohere adapter: response mapping")
struct CohereResponseMappingTests {
    typealias F = CohereFixtures

    static func parse(_ json: String) throws -> ChatResponse {
        try F.adapter().parseChatResponse(status: 200, headers: [], body: Array(json.utf8))
    }

    @Test("text blocks are joined, thinking becomes reasoning_content, COMPLETE is stop, usage comes from tokens with cached tokens")
    func text() throws {
        let response = try Self.parse(#"""
        {"id":"c14c80c3","finish_reason":"COMPLETE","message":{"role":"assistant","content":[{"type":"thinking","thinking":"Short answer."},
          {"type":"text","text":"Hello "},{"type":"text","text":"world"}],"citations":[{"start":0,"end":5,"text":"Hello"}]},
         "usage":{"billed_units":{"input_tokens":6,"output_tokens":5},"tokens":{"input_tokens":120,"output_tokens":7},"cached_tokens":100}}
        """#)
        #expect(response.id == "c14c80c3")
        #expect(response.created == 1_700_000_000)
        let choice = try #require(response.choices.first)
        #expect(choice.message.role == .assistant)
        #expect(choice.message.content == .text("Hello world"))
        #expect(choice.message.reasoningContent == "Short answer.")
        #expect(choice.message.toolCalls == nil)
        #expect(choice.finishReason == .stop)
        let usage = try #require(response.usage)
        #expect(usage.promptTokens == 120)
        #expect(usage.completionTokens == 7)
        #expect(usage.totalTokens == 127)
        #expect(usage.cachedPromptTokens == 100)
        #expect(OpenAIChatWire.encodeUsage(usage)["prompt_tokens_details"] == ["cached_tokens": 100])
    }

    @Test("tool calls pass through with finish tool_calls and null content; tool_plan is dropped; billed_units is the fallback usage")
    func toolCalls() throws {
        let response = try Self.parse(#"""
        {"id":"r2","finish_reason":"TOOL_CALL","message":{"role":"assistant","tool_plan":"I will check the weather.","tool_calls":[
          {"id":"get_weather_k3","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Paris\"}"}},
          {"id":"clock_x1","type":"function","function":{"name":"clock","arguments":{"tz":"CET"}}}]},
         "usage":{"billed_units":{"input_tokens":30,"output_tokens":12}}}
        """#)
        let choice = try #require(response.choices.first)
        #expect(choice.finishReason == .toolCalls)
        #expect(choice.message.content == nil)
        #expect(choice.message.reasoningContent == nil)
        #expect(choice.message.toolCalls == [ToolCall(id: "get_weather_k3", name: "get_weather", arguments: #"{"city":"Paris"}"#),
                                             ToolCall(id: "clock_x1", name: "clock", arguments: #"{"tz":"CET"}"#)])
        #expect(response.usage?.promptTokens == 30)
        #expect(response.usage?.completionTokens == 12)
        #expect(response.usage?.cachedPromptTokens == nil)
    }

    @Test("finish reasons map to OpenAI's", arguments: [
        ("COMPLETE", "stop"), ("STOP_SEQUENCE", "stop"), ("MAX_TOKENS", "length"), ("TOOL_CALL", "tool_calls"),
    ])
    func finishReasons(cohere: String, openAI: String) throws {
        let response = try Self.parse(#"{"id":"r","finish_reason":"\#(cohere)","message":{"role":"assistant","content":[{"type":"text","text":"x"}]}}"#)
        #expect(response.choices.first?.finishReason?.rawValue == openAI)
    }

    @Test("ERROR and TIMEOUT are failures, not answers: a 502 naming the reason", arguments: ["ERROR", "TIMEOUT"])
    func failedGeneration(reason: String) {
        #expect {
            _ = try Self.parse(#"{"id":"r","finish_reason":"\#(reason)","message":{"role":"assistant","content":[{"type":"text","text":"Part"}]}}"#)
        } throws: { error in
            guard let error = error as? GatewayError else { return false }
            return error.status == 502 && error.code == "UPSTREAM_GENERATION_FAILED" && error.message.contains(reason)
        }
    }

    @Test("logprobs come back in OpenAI's shape, one entry per chunk with the sum of its tokens' log-probabilities")
    func logprobs() throws {
        let response = try Self.parse(#"""
        {"id":"r","finish_reason":"COMPLETE","message":{"role":"assistant","content":[{"type":"text","text":"Hi!"}]},
         "logprobs":[{"token_ids":[1,2],"text":"Hi","logprobs":[-0.25,-0.5]},{"token_ids":[3],"text":"!","logprobs":[-1]}]}
        """#)
        #expect(response.choices.first?.logprobs == ["content": [
            ["token": "Hi", "logprob": -0.75, "bytes": [72, 105], "top_logprobs": []],
            ["token": "!", "logprob": -1, "bytes": [33], "top_logprobs": []],
        ]])
    }

    @Test("an answer without a message, or not JSON, is an unreadable response (502)")
    func unreadable() {
        for body in [#"{"id":"r"}"#, "<html>"] {
            #expect {
                _ = try Self.parse(body)
            } throws: { error in
                (error as? GatewayError)?.code == "UPSTREAM_BAD_RESPONSE"
            }
        }
    }
}

@Suite("Cohere adapter: error mapping")
struct CohereFailureTests {
    typealias F = CohereFixtures

    static func body(_ message: String) -> [UInt8] {
        Array(#"{"id":"5d1c0f3e-aaaa","message":"\#(message)"}"#.utf8)
    }

    @Test("429 stays 429, retryable, with Cohere's message and request id; a Retry-After is honoured")
    func rateLimited() {
        let failure = F.adapter().parseFailure(status: 429, headers: [], body: Self.body("You are using a Trial key, which is limited to 20 API calls / minute."))
        #expect(failure.error.status == 429)
        #expect(failure.error.code == "UPSTREAM_RATE_LIMITED")
        #expect(failure.retryable)
        #expect(failure.retryAfterSeconds == nil)
        #expect(failure.error.message.contains("Trial key"))
        #expect(failure.error.message.contains("request 5d1c0f3e-aaaa"))
        let hinted = F.adapter().parseFailure(status: 429, headers: [("Retry-After", "3")], body: Self.body("slow down"))
        #expect(hinted.retryAfterSeconds == 3)
        #expect(hinted.error.headers.filter { $0.0 == "Retry-After" }.map(\.1) == ["3"])
    }

    @Test("5xx are retryable 502s", arguments: [500, 503, 504])
    func serverErrors(status: Int) {
        let failure = F.adapter().parseFailure(status: status, headers: [], body: Self.body("internal server error"))
        #expect(failure.error.status == 502)
        #expect(failure.error.code == "UPSTREAM_ERROR")
        #expect(failure.retryable)
    }

    @Test("400 and 499 describe the request: returned as they are, not retried")
    func clientErrors() {
        let rejected = F.adapter().parseFailure(status: 400, headers: [], body: Self.body("invalid request: tool call id not found in previous tool calls"))
        #expect(rejected.error.status == 400)
        #expect(rejected.error.code == "UPSTREAM_REJECTED")
        #expect(!rejected.retryable)
        #expect(rejected.error.message.contains("tool call id not found"))
        let cancelled = F.adapter().parseFailure(status: 499, headers: [], body: Self.body("request cancelled"))
        #expect(cancelled.error.status == 499)
        #expect(!cancelled.retryable)
    }

    @Test("401/403 mean the gateway's key is wrong: retryable 502, key scrubbed; 402 is the gateway's billing: retryable 502")
    func accountErrors() {
        for status in [401, 403] {
            let failure = F.adapter().parseFailure(status: status, headers: [], body: Self.body("invalid api token \(F.key.revealed)"))
            #expect(failure.error.status == 502)
            #expect(failure.error.code == "UPSTREAM_AUTH_FAILED")
            #expect(failure.retryable)
            #expect(!failure.error.message.contains(F.key.revealed))
        }
        let billing = F.adapter().parseFailure(status: 402, headers: [], body: Self.body("Please add a payment method \(F.key.revealed)"))
        #expect(billing.error.status == 502)
        #expect(billing.error.code == "UPSTREAM_BILLING_FAILED")
        #expect(billing.retryable)
        #expect(!billing.error.message.contains(F.key.revealed))
    }

    @Test("a body that is not Cohere's shape still yields a message")
    func foreignBody() {
        let failure = F.adapter().parseFailure(status: 502, headers: [], body: Array("<html>Bad Gateway</html>".utf8))
        #expect(failure.error.message.contains("Bad Gateway"))
    }
}
