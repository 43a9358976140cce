import GatewyseCore
@testable import GatewyseEngine
import GatewyseProviders
import Testing

@Suite("429s without Retry-After take their hint from the reset headers")
struct RateLimitHintTests {
    static func throttled(_ headers: [(String, String)]) -> UpstreamFailure {
        let entry = ProviderCatalog.entry(forType: "groq")!
        let adapter = OpenAICompatibleAdapter(configuration: ProviderConfiguration(id: "groq", entry: entry, baseURL: entry.defaultBaseURL!, apiKey: Secret("k")))
        var failure = adapter.parseFailure(status: 429, headers: headers, body: Array(#"{"error":{"message":"Rate limit reached","type":"requests"}}"#.utf8))
        RouteExecutor.addResetHint(to: &failure, headers: headers)
        return failure
    }

    @Test("the exhausted counter's reset (Go duration) becomes retryAfter and the client's Retry-After")
    func fromResetHeaders() {
        let failure = Self.throttled([("x-ratelimit-remaining-requests", "0"), ("x-ratelimit-reset-requests", "6m0s"),
                                      ("x-ratelimit-remaining-tokens", "5000"), ("x-ratelimit-reset-tokens", "1s")])
        #expect(failure.retryAfterSeconds == 360)
        #expect(failure.error.headers.contains { $0 == ("Retry-After", "360") })
    }

    @Test("Retry-After from the provider wins; no counter used up means no hint")
    func providerHintWins() {
        let explicit = Self.throttled([("retry-after", "7"), ("x-ratelimit-remaining-requests", "0"), ("x-ratelimit-reset-requests", "6m0s")])
        #expect(explicit.retryAfterSeconds == 7)
        #expect(explicit.error.headers.filter { $0.0.lowercased() == "retry-after" }.map(\.1) == ["7"])
        let none = Self.throttled([("x-ratelimit-remaining-requests", "3"), ("x-ratelimit-reset-requests", "6m0s")])
        #expect(none.retryAfterSeconds == nil)
        #expect(!none.error.headers.contains { $0.0.lowercased() == "retry-after" })
    }
}
