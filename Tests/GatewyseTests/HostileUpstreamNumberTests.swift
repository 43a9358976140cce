import GatewyseCore
@testable import GatewyseEngine
@testable import GatewyseProviders
import Testing

/// Adapters meet numbers no real provider sends — `Retry-After: 1e30`, a reset in the year
/// 9999, `Int.max` tokens — and neither trap nor pass them on unclamped.
@Suite("Adapters read hostile upstream numbers without trapping")
struct HostileUpstreamNumberTests {
    static let day = UpstreamNumber.maximumDelay
    static let rateLimited = Array(#"{"error":{"message":"Rate limit reached","type":"requests"}}"#.utf8)

    static func openAI() -> OpenAICompatibleAdapter {
        let entry = ProviderCatalog.entry(forType: "groq")!
        return OpenAICompatibleAdapter(configuration: ProviderConfiguration(id: "groq", entry: entry, baseURL: entry.defaultBaseURL!, apiKey: Secret("k")))
    }

    static func retryAfterHeaders(_ failure: UpstreamFailure) -> [String] {
        failure.error.headers.filter { $0.0.lowercased() == "retry-after" }.map(\.1)
    }

    @Test("a 429's Retry-After that is not a delay is dropped; an absurd one is clamped to a day", arguments: [
        ("1e30", nil), ("-1", nil), ("nan", nil), ("inf", nil), ("", nil), ("abc", nil),
        ("Wed, 21 Oct 2026 07:28:00 GMT", nil), ("1.5", "2"), ("99999999999999999999", "86400"),
    ] as [(String, String?)])
    func classifierRetryAfter(value: String, header: String?) {
        var failure = Self.openAI().parseFailure(status: 429, headers: [("Retry-After", value)], body: Self.rateLimited)
        RouteExecutor.addResetHint(to: &failure, headers: [("Retry-After", value)])
        #expect(Self.retryAfterHeaders(failure) == (header.map { [$0] } ?? []))
        #expect(failure.retryAfterSeconds.map { $0 <= Self.day } ?? true)
    }

    @Test("a reset hint of 9999999999h becomes a day's wait, not a trap")
    func hugeResetHint() {
        let headers = [("x-ratelimit-remaining-requests", "0"), ("x-ratelimit-reset-requests", "9999999999h"),
                       ("x-ratelimit-limit-requests", "99999999999999999999")]
        var failure = Self.openAI().parseFailure(status: 429, headers: headers, body: Self.rateLimited)
        RouteExecutor.addResetHint(to: &failure, headers: headers)
        #expect(failure.retryAfterSeconds == Self.day)
        #expect(Self.retryAfterHeaders(failure) == ["86400"])
    }

    @Test("Gemini's retryDelay: absurd clamped, invalid ignored", arguments: [
        ("1e30s", nil), ("-1s", nil), ("nans", nil), ("infs", nil), ("s", nil), ("7", nil),
        ("99999999999999999999s", "86400"), ("0.5s", "1"),
    ] as [(String, String?)])
    func geminiRetryDelay(delay: String, header: String?) {
        let body = #"{"error":{"code":429,"message":"quota","status":"RESOURCE_EXHAUSTED","details":[{"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"\#(delay)"}]}}"#
        let failure = GeminiFixtures.adapter().parseFailure(status: 429, headers: [], body: Array(body.utf8))
        #expect(Self.retryAfterHeaders(failure) == (header.map { [$0] } ?? []))
        #expect(failure.retryAfterSeconds.map { $0 <= Self.day } ?? true)
    }

    @Test("Anthropic's reset in the year 9999 is a day's wait")
    func anthropicFarReset() {
        let failure = AnthropicFixtures.adapter().parseFailure(status: 429, headers: [
            ("anthropic-ratelimit-tokens-remaining", "0"), ("anthropic-ratelimit-tokens-reset", "9999-12-31T23:59:59.999999999999Z"),
        ], body: AnthropicFailureTests.body("rate_limit_error", "slow down"))
        #expect(failure.retryAfterSeconds == Self.day)
        #expect(Self.retryAfterHeaders(failure) == ["86400"])
    }

    // MARK: Token counts

    static let max = "9223372036854775807"

    @Test("OpenAI usage: Int.max without a total does not overflow; 1e30 and -1 are clamped")
    func openAIUsage() throws {
        let usage = try #require(try OpenAIChatWire.decodeUsage(JSONFieldReader(body: JSONParser.parse(
            #"{"prompt_tokens":\#(Self.max),"completion_tokens":1e30,"prompt_tokens_details":{"cached_tokens":-1}}"#))))
        #expect(usage.promptTokens == UpstreamNumber.maximumCount)
        #expect(usage.completionTokens == UpstreamNumber.maximumCount)
        #expect(usage.totalTokens == UpstreamNumber.maximumCount)
        #expect(usage.cachedPromptTokens == 0)
        #expect(throws: GatewayError.self) { try OpenAIChatWire.decodeUsage(JSONFieldReader(body: JSONParser.parse(#"{"prompt_tokens":"12"}"#))) }
    }

    @Test("Anthropic usage: input + cache read + cache write of Int.max each does not overflow")
    func anthropicUsage() throws {
        let usage = try #require(try AnthropicMessagesWire.decodeUsage(JSONFieldReader(body: JSONParser.parse(
            #"{"input_tokens":\#(Self.max),"output_tokens":99999999999999999999,"cache_read_input_tokens":\#(Self.max),"cache_creation_input_tokens":\#(Self.max)}"#))))
        #expect(usage.promptTokens == 3 * UpstreamNumber.maximumCount)
        #expect(usage.completionTokens == UpstreamNumber.maximumCount)
    }

    @Test("Gemini, Cohere and Bedrock usage: Int.max counts are summed without overflow")
    func nativeUsages() throws {
        let gemini = try #require(GeminiWire.usage(try JSONParser.parse(
            #"{"promptTokenCount":\#(Self.max),"toolUsePromptTokenCount":\#(Self.max),"candidatesTokenCount":\#(Self.max),"thoughtsTokenCount":1e30}"#)))
        #expect(gemini.promptTokens == 2 * UpstreamNumber.maximumCount)
        #expect(gemini.totalTokens == 4 * UpstreamNumber.maximumCount)
        let cohere = try #require(CohereChatWire.usage(try JSONParser.parse(#"{"tokens":{"input_tokens":\#(Self.max),"output_tokens":\#(Self.max)}}"#)))
        #expect(cohere.totalTokens == UpstreamNumber.maximumCount)
        let bedrock = try #require(BedrockConverseWire.usage(try JSONParser.parse(
            #"{"inputTokens":\#(Self.max),"outputTokens":-5,"cacheReadInputTokens":\#(Self.max),"cacheWriteInputTokens":\#(Self.max)}"#)))
        #expect(bedrock.promptTokens == 3 * UpstreamNumber.maximumCount)
        #expect(bedrock.completionTokens == 0)
    }
}
