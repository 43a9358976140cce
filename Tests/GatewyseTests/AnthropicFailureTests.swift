import GatewyseCore
import GatewyseProviders
import Testing

@Suite("Anthropic adapter: error mapping")
struct AnthropicFailureTests {
    typealias F = AnthropicFixtures

    static func body(_ type: String, _ message: String, details: String = "") -> [UInt8] {
        Array(#"{"type":"error","error":{"type":"\#(type)","message":"\#(message)"\#(details)},"request_id":"req_011ABC"}"#.utf8)
    }

    @Test("429 stays 429 with Retry-After, retryable, with Anthropic's message and request id")
    func rateLimited() {
        let failure = F.adapter().parseFailure(status: 429, headers: [("retry-after", "7"), ("anthropic-ratelimit-requests-remaining", "0"),
                                                                       ("anthropic-ratelimit-requests-reset", "2023-11-14T22:14:20Z")],
                                               body: Self.body("rate_limit_error", "Number of request tokens has exceeded your per-minute rate limit"))
        #expect(failure.error.status == 429)
        #expect(failure.error.code == "UPSTREAM_RATE_LIMITED")
        #expect(failure.retryable)
        #expect(failure.retryAfterSeconds == 7)
        #expect(failure.error.headers.filter { $0.0 == "Retry-After" }.map(\.1) == ["7"])
        #expect(failure.error.message.contains("per-minute rate limit"))
        #expect(failure.error.message.contains("rate_limit_error"))
        #expect(failure.error.message.contains("req_011ABC"))
    }

    @Test("a 429 without retry-after waits until the exhausted counters reset (RFC 3339, any offset)", arguments: [
        "2023-11-14T22:13:32.5Z", "2023-11-14T23:13:32.500+01:00", "2023-11-14T20:13:32.5-02:00",
    ])
    func resetHeaders(reset: String) {
        let failure = F.adapter().parseFailure(status: 429, headers: [
            ("anthropic-ratelimit-tokens-remaining", "0"), ("anthropic-ratelimit-tokens-reset", reset),
            // Not exhausted: its later reset does not matter.
            ("anthropic-ratelimit-requests-remaining", "10"), ("anthropic-ratelimit-requests-reset", "2023-11-14T22:20:00Z"),
        ], body: Self.body("rate_limit_error", "slow down"))
        #expect(failure.retryAfterSeconds == 12.5)
        #expect(failure.error.headers.filter { $0.0 == "Retry-After" }.map(\.1) == ["13"])
    }

    @Test("529 overloaded is a retryable 502")
    func overloaded() {
        let failure = F.adapter().parseFailure(status: 529, headers: [], body: Self.body("overloaded_error", "Overloaded"))
        #expect(failure.error.status == 502)
        #expect(failure.error.code == "UPSTREAM_OVERLOADED")
        #expect(failure.retryable)
        #expect(failure.error.message.contains("Overloaded (overloaded_error"))
    }

    @Test("401/403 mean the gateway's key is wrong: retryable 502 UPSTREAM_AUTH_FAILED, key scrubbed", arguments: [401, 403])
    func authentication(status: Int) {
        let failure = F.adapter().parseFailure(status: status, headers: [],
                                               body: Self.body("authentication_error", "invalid x-api-key \(F.key.revealed)"))
        #expect(failure.error.status == 502)
        #expect(failure.error.code == "UPSTREAM_AUTH_FAILED")
        #expect(failure.retryable)
        #expect(!failure.error.message.contains(F.key.revealed))
        #expect(!failure.error.message.contains("sk-ant-t"))
    }

    @Test("other 4xx describe the request: returned as they are, not retried")
    func rejected() {
        let failure = F.adapter().parseFailure(status: 400, headers: [], body: Self.body("invalid_request_error", "max_tokens: Field required"))
        #expect(failure.error.status == 400)
        #expect(failure.error.code == "UPSTREAM_REJECTED")
        #expect(!failure.retryable)
        #expect(failure.error.message.contains("max_tokens: Field required"))
    }

    @Test("5xx are retryable 502s; 402 billing is the gateway's account, so also retryable 502")
    func serverAndBilling() {
        let server = F.adapter().parseFailure(status: 500, headers: [], body: Self.body("api_error", "Internal server error"))
        #expect(server.error.status == 502 && server.retryable && server.error.code == "UPSTREAM_ERROR")
        let billing = F.adapter().parseFailure(status: 402, headers: [], body: Self.body("billing_error", "Your credit balance is too low"))
        #expect(billing.error.status == 502 && billing.retryable && billing.error.code == "UPSTREAM_BILLING_FAILED")
        let html = F.adapter().parseFailure(status: 503, headers: [], body: Array("<html>Service Unavailable</html>".utf8))
        #expect(html.error.status == 502 && html.retryable)
    }

    @Test("a 429 for the monthly spend cap is not retried")
    func spendLimit() {
        let failure = F.adapter().parseFailure(status: 429, headers: [],
                                               body: Self.body("rate_limit_error", "spend limit", details: #","details":{"error_code":"enforced_spend_limit_reached"}"#))
        #expect(failure.error.status == 429)
        #expect(!failure.retryable)
    }
}
