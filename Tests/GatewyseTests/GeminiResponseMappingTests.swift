import GatewyseCore
@testable import GatewyseProviders
import Testing

@Suite("Gemini adapter: response and failure mapping")
struct GeminiResponseMappingTests {
    typealias F = GeminiFixtures

    static func parse(_ json: String) throws -> ChatResponse {
        try F.adapter().parseChatResponse(status: 200, headers: [], body: Array(json.utf8))
    }

    @Test("text parts are joined; usage maps thoughts into completion tokens and cached content into cached tokens")
    func text() throws {
        let response = try Self.parse(#"""
        {"candidates":[{"content":{"role":"model","parts":[{"text":"Let me think","thought":true},{"text":"Hello "},{"text":"world"}]},"finishReason":"STOP","index":0}],
         "usageMetadata":{"promptTokenCount":120,"cachedContentTokenCount":100,"candidatesTokenCount":5,"thoughtsTokenCount":30,"totalTokenCount":155},
         "modelVersion":"gemini-2.5-flash","responseId":"resp-1"}
        """#)
        #expect(response.id == "resp-1")
        #expect(response.model == "gemini-2.5-flash")
        #expect(response.created == 1_700_000_000)
        let choice = try #require(response.choices.first)
        #expect(choice.message.content == .text("Hello world"))
        #expect(choice.message.reasoningContent == "Let me think")
        #expect(choice.finishReason == .stop)
        let usage = try #require(response.usage)
        #expect(usage.promptTokens == 120)
        #expect(usage.cachedPromptTokens == 100)
        #expect(usage.completionTokens == 35)
        #expect(usage.reasoningTokens == 30)
        #expect(usage.totalTokens == 155)
    }

    @Test("functionCall parts become tool calls with call_<n> ids, JSON arguments, signatures kept, and finish tool_calls")
    func functionCalls() throws {
        let response = try Self.parse(#"""
        {"candidates":[{"content":{"role":"model","parts":[
          {"functionCall":{"name":"weather","args":{"city":"Paris"}},"thoughtSignature":"sig-1"},
          {"functionCall":{"name":"clock","args":{}}}]},"finishReason":"STOP","index":0}],
         "usageMetadata":{"promptTokenCount":10,"candidatesTokenCount":5,"totalTokenCount":15}}
        """#)
        let choice = try #require(response.choices.first)
        #expect(choice.finishReason == .toolCalls)
        #expect(choice.message.content == nil)
        #expect(choice.message.toolCalls == [ToolCall(id: "call_0", name: "weather", arguments: #"{"city":"Paris"}"#),
                                             ToolCall(id: "call_1", name: "clock", arguments: "{}")])
        #expect(choice.message.extra[GeminiWire.thoughtSignaturesKey] == ["call_0": "sig-1"])
        #expect(response.id == "chatcmpl-gemini")
    }

    @Test("finish reasons map to OpenAI's", arguments: [
        ("STOP", "stop"), ("MAX_TOKENS", "length"), ("SAFETY", "content_filter"), ("RECITATION", "content_filter"),
        ("BLOCKLIST", "content_filter"), ("PROHIBITED_CONTENT", "content_filter"), ("SPII", "content_filter"), ("OTHER", "stop"),
    ])
    func finishReasons(gemini: String, openAI: String) throws {
        let response = try Self.parse(#"{"candidates":[{"content":{"role":"model","parts":[{"text":"x"}]},"finishReason":"\#(gemini)"}]}"#)
        #expect(response.choices.first?.finishReason?.rawValue == openAI)
    }

    @Test("a blocked prompt (no candidates) is content_filter with empty content")
    func blocked() throws {
        let response = try Self.parse(#"{"promptFeedback":{"blockReason":"SAFETY"},"usageMetadata":{"promptTokenCount":8,"totalTokenCount":8}}"#)
        #expect(response.choices.count == 1)
        #expect(response.choices.first?.finishReason == .contentFilter)
        #expect(response.choices.first?.message.content == .text(""))
        #expect(response.usage?.promptTokens == 8)
        #expect(response.usage?.completionTokens == 0)
    }

    @Test("several candidates become several choices")
    func candidates() throws {
        let response = try Self.parse(#"{"candidates":[{"content":{"parts":[{"text":"a"}]},"finishReason":"STOP","index":0},{"content":{"parts":[{"text":"b"}]},"finishReason":"MAX_TOKENS","index":1}]}"#)
        #expect(response.choices.map(\.index) == [0, 1])
        #expect(response.choices.map(\.message.content) == [.text("a"), .text("b")])
        #expect(response.choices[1].finishReason == .length)
    }

    @Test("a body that is not JSON is a 502")
    func garbage() {
        #expect(throws: GatewayError.self) { try Self.parse("<html>") }
    }

    // MARK: Failures

    static let quota = #"""
    {"error":{"code":429,"message":"You exceeded your current quota (key AIzaSy-gemini-test-0123456789).","status":"RESOURCE_EXHAUSTED",
     "details":[{"@type":"type.googleapis.com/google.rpc.QuotaFailure","violations":[]},{"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"7s"}]}}
    """#

    @Test("429 RESOURCE_EXHAUSTED with RetryInfo 7s → 429, retryable, 7 s hint and Retry-After: 7, key scrubbed")
    func rateLimited() {
        let failure = F.adapter().parseFailure(status: 429, headers: [], body: Array(Self.quota.utf8))
        #expect(failure.error.status == 429)
        #expect(failure.error.code == "UPSTREAM_RATE_LIMITED")
        #expect(failure.retryable)
        #expect(failure.retryAfterSeconds == 7)
        #expect(failure.error.headers.contains { $0.0 == "Retry-After" && $0.1 == "7" })
        #expect(failure.error.message.contains("RESOURCE_EXHAUSTED"))
        #expect(!failure.error.message.contains(F.key.revealed))
        #expect(GeminiErrorBody.duration("0.5s") == 0.5)
    }

    @Test("5xx → retryable 502; 400 INVALID_ARGUMENT → 400 UPSTREAM_REJECTED; 403 → 502 auth", arguments: [
        (500, "INTERNAL", 502, "UPSTREAM_ERROR", true), (503, "UNAVAILABLE", 502, "UPSTREAM_OVERLOADED", true),
        (400, "INVALID_ARGUMENT", 400, "UPSTREAM_REJECTED", false), (403, "PERMISSION_DENIED", 502, "UPSTREAM_AUTH_FAILED", true),
    ])
    func statuses(status: Int, rpc: String, expected: Int, code: String, retryable: Bool) {
        let body = #"{"error":{"code":\#(status),"message":"boom","status":"\#(rpc)"}}"#
        let failure = F.adapter().parseFailure(status: status, headers: [], body: Array(body.utf8))
        #expect(failure.error.status == expected)
        #expect(failure.error.code == code)
        #expect(failure.retryable == retryable)
        #expect(failure.error.message.contains("boom (\(rpc))"))
    }
}
