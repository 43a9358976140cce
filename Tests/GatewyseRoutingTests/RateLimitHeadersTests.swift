import GatewyseCore
import Testing
@testable import GatewyseRouting

@Suite struct RateLimitHeadersTests {
    @Test(arguments: [
        ("1s", 1.0), ("6m0s", 360), ("250ms", 0.25), ("1h2m3.5s", 3_723.5), ("2m59.56s", 179.56),
        ("7.66s", 7.66), ("0", 0), ("1.5h", 5_400), ("300us", 0.0003), ("300µs", 0.0003), ("300μs", 0.0003),
        ("40ns", 0.00000004), (" 12 ", 12), ("0.5", 0.5), ("+1s", 1),
    ])
    func parsesGoDurations(text: String, seconds: Double) {
        let parsed = GoDuration.seconds(text)
        #expect(parsed != nil)
        #expect(approximately(parsed ?? -1, seconds, tolerance: 1e-12))
    }

    @Test(arguments: ["", "s", "1x", "1.2.3s", "-1s", "1m5", "abc", "5 s", "1sm"])
    func rejectsMalformedDurations(text: String) {
        #expect(GoDuration.seconds(text) == nil)
    }

    @Test func readsOpenAIStyleHeaders() {
        let headers = RateLimitHeaders([
            ("X-RateLimit-Limit-Requests", "14400"),
            ("x-ratelimit-remaining-requests", "14370"),
            ("x-ratelimit-reset-requests", "2m59.56s"),
            ("x-ratelimit-limit-tokens", "6000"),
            ("x-ratelimit-remaining-tokens", "0"),
            ("x-ratelimit-reset-tokens", "7.66s"),
            ("content-type", "application/json"),
        ])
        #expect(headers.retryAfter == nil)
        #expect(headers.observations.count == 2)
        let requests = headers.observations.first { $0.metric == .requests }
        #expect(requests?.limit == 14_400)
        #expect(requests?.remaining == 14_370)
        #expect(approximately(requests?.resetAfter ?? 0, 179.56))
        #expect(requests?.window == nil)
        // No retry-after: the exhausted token counter's reset is the hint.
        #expect(approximately(headers.suggestedRetryDelay ?? 0, 7.66))
    }

    @Test func retryAfterWinsAndMillisecondsWinOverSeconds() {
        #expect(RateLimitHeaders([("retry-after", "3"), ("x-ratelimit-remaining-tokens", "0"), ("x-ratelimit-reset-tokens", "20s")]).suggestedRetryDelay == 3)
        #expect(RateLimitHeaders([("Retry-After", "3"), ("retry-after-ms", "1500")]).retryAfter == 1.5)
        #expect(RateLimitHeaders([("retry-after", "Wed, 21 Oct 2026 07:28:00 GMT")]).retryAfter == nil)
        #expect(RateLimitHeaders([("x-ratelimit-remaining-tokens", "5"), ("x-ratelimit-reset-tokens", "20s")]).suggestedRetryDelay == nil)
    }

    @Test func readsWindowSuffixes() {
        let headers = RateLimitHeaders([
            ("x-ratelimit-remaining-requests-day", "100"),
            ("x-ratelimit-reset-requests-day", "3h0m0s"),
            ("x-ratelimit-remaining-tokens-minute", "999"),
        ])
        #expect(headers.observations.contains(RateLimitHeaders.Observation(metric: .requests, window: .day, remaining: 100, resetAfter: 10_800)))
        #expect(headers.observations.contains(RateLimitHeaders.Observation(metric: .tokens, window: .minute, remaining: 999)))
    }

    @Test("absurd values are clamped and garbage ignored, never trapped on")
    func hostileValues() {
        let headers = RateLimitHeaders([
            ("retry-after", "1e30"), ("retry-after-ms", "nan"),
            ("x-ratelimit-limit-requests", "99999999999999999999"), ("x-ratelimit-remaining-requests", "0"),
            ("x-ratelimit-reset-requests", "9999999999h"),
            ("x-ratelimit-limit-tokens", "-1"), ("x-ratelimit-remaining-tokens", "1.5"), ("x-ratelimit-reset-tokens", "-3s"),
        ])
        #expect(headers.retryAfter == nil)
        let requests = headers.observations.first { $0.metric == .requests }
        #expect(requests?.limit == UpstreamNumber.maximumCount)
        #expect(requests?.resetAfter == UpstreamNumber.maximumDelay)
        let tokens = headers.observations.first { $0.metric == .tokens }
        #expect(tokens?.limit == nil)
        #expect(tokens?.remaining == nil)
        #expect(tokens?.resetAfter == nil)
        #expect(headers.suggestedRetryDelay == UpstreamNumber.maximumDelay)
        #expect(RateLimitHeaders([("Retry-After", "99999999999999999999")]).retryAfter == UpstreamNumber.maximumDelay)
        #expect(RateLimitHeaders([("retry-after", "5"), ("retry-after", "-1")]).retryAfter == 5)
    }
}
