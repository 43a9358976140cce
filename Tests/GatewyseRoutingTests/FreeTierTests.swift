import Testing
@testable import GatewyseRouting

@Suite struct FreeTierTests {
    @Test func requestsPerMinuteExhaustAndResetOnTheMinute() {
        let tracker = FreeTierTracker(quotas: ["cohere": FreeTierQuota(requestsPerMinute: 3)])
        var clock = TestClock()
        clock.advance(by: 10) // 00:00:10
        for _ in 0..<2 { tracker.record("cohere", requests: 1, at: clock.now) }
        #expect(!tracker.isExhausted("cohere", at: clock.now))
        tracker.record("cohere", requests: 1, at: clock.now)
        #expect(tracker.isExhausted("cohere", at: clock.now))
        #expect(tracker.remaining("cohere", .requests, per: .minute, at: clock.now) == 0)
        clock.advance(by: 49) // 00:00:59
        #expect(tracker.isExhausted("cohere", at: clock.now))
        clock.advance(by: 1) // 00:01:00 — a new window
        #expect(!tracker.isExhausted("cohere", at: clock.now))
        #expect(tracker.remaining("cohere", .requests, per: .minute, at: clock.now) == 3)
        tracker.record("cohere", requests: 1, at: clock.now)
        #expect(tracker.remaining("cohere", .requests, per: .minute, at: clock.now) == 2)
    }

    @Test func tokensPerDayResetAtUTCMidnight() {
        let tracker = FreeTierTracker(quotas: ["cerebras/x": FreeTierQuota(tokensPerDay: 1_000)])
        var clock = TestClock()
        clock.advance(by: 23 * 3_600)
        tracker.record("cerebras/x", requests: 1, tokens: 1_200, at: clock.now)
        #expect(tracker.isExhausted("cerebras/x", at: clock.now))
        #expect(tracker.snapshot(at: clock.now).status(of: Deployment(providerID: "cerebras", model: "x")) == .exhausted)
        clock.advance(by: 3_600) // next UTC midnight
        #expect(!tracker.isExhausted("cerebras/x", at: clock.now))
        #expect(tracker.snapshot(at: clock.now).status(of: Deployment(providerID: "cerebras", model: "x")) == .available)
    }

    @Test func monthWindowsFollowTheCalendar() {
        // 2028-02-10T12:00:00Z: a leap-year February, 29 days.
        let now: Double = 1_833_796_800
        let (start, end) = QuotaWindow.month.interval(containing: now)
        #expect(start == 1_832_976_000) // 2028-02-01
        #expect(end == 1_835_481_600)   // 2028-03-01
        let december = QuotaWindow.month.interval(containing: 1_797_897_600) // 2026-12-22
        #expect(december.end == 1_798_761_600)                                // 2027-01-01
        #expect(UTCCalendar.civil(fromDays: 0) == (1970, 1, 1))
    }

    @Test func upstreamHeadersCorrectTheLocalCount() {
        let tracker = FreeTierTracker(quotas: ["groq/llama": FreeTierQuota(requestsPerMinute: 30, requestsPerDay: 1_000, tokensPerMinute: 6_000)])
        let clock = TestClock()
        tracker.record("groq/llama", requests: 1, tokens: 100, at: clock.now)
        // Another replica used the same key: the upstream says the day is nearly spent. Groq's
        // plain request headers are per day: the 3-minute reset only fits the day window.
        tracker.correct("groq/llama", with: RateLimitHeaders([
            ("x-ratelimit-limit-requests", "1000"),
            ("x-ratelimit-remaining-requests", "0"),
            ("x-ratelimit-reset-requests", "2m59.56s"),
            ("x-ratelimit-remaining-tokens", "5000"),
            ("x-ratelimit-reset-tokens", "7.66s"),
        ]), at: clock.now)
        #expect(tracker.isExhausted("groq/llama", at: clock.now))
        #expect(tracker.remaining("groq/llama", .requests, per: .minute, at: clock.now) == 29) // untouched
        #expect(tracker.remaining("groq/llama", .tokens, per: .minute, at: clock.now) == 5_000)
        // Exhausted until the upstream's reset, not until our midnight.
        #expect(tracker.isExhausted("groq/llama", at: clock.now + 179))
        #expect(!tracker.isExhausted("groq/llama", at: clock.now + 180))
    }

    @Test func upstreamCanAlsoGiveQuotaBack() {
        let tracker = FreeTierTracker(quotas: ["mistral/small": FreeTierQuota(requestsPerMinute: 2)])
        let now = TestClock().now
        tracker.record("mistral/small", requests: 2, at: now)
        #expect(tracker.isExhausted("mistral/small", at: now))
        tracker.correct("mistral/small", with: RateLimitHeaders([("x-ratelimit-remaining-requests", "1")]), at: now)
        #expect(!tracker.isExhausted("mistral/small", at: now))
    }

    /// Token counts come from upstreams: a window's total saturates instead of overflowing.
    @Test func hugeTokenCountsSaturateTheWindow() {
        let tracker = FreeTierTracker(quotas: ["gemini": FreeTierQuota(tokensPerDay: 1_000)])
        let clock = TestClock()
        for _ in 0..<3 { tracker.record("gemini", requests: 1, tokens: Int.max, at: clock.now) }
        #expect(tracker.isExhausted("gemini", at: clock.now))
        #expect(tracker.remaining("gemini", .tokens, per: .day, at: clock.now) == 0)
    }

    @Test func undeclaredKeysArePaidAndIgnored() {
        let tracker = FreeTierTracker()
        let now = TestClock().now
        tracker.record("openai", requests: 1_000_000, at: now)
        #expect(!tracker.isExhausted("openai", at: now))
        #expect(tracker.snapshot(at: now).status(of: Deployment(providerID: "openai", model: "gpt-5")) == .paid)
    }

    @Test func snapshotLooksUpByDeploymentThenProvider() {
        let tracker = FreeTierTracker(quotas: ["cohere": FreeTierQuota(requestsPerMonth: 1)])
        let now = TestClock().now
        let deployment = Deployment(providerID: "cohere", model: "command-r")
        #expect(tracker.snapshot(at: now).status(of: deployment) == .available)
        tracker.record("cohere", at: now)
        #expect(tracker.snapshot(at: now).status(of: deployment) == .exhausted)
    }

    @Test func aDeploymentsOwnKeyIsTheOnlyOneLookedUp() {
        // A tenant's provider "cohere" must not read the quota of the file's provider "cohere".
        let tracker = FreeTierTracker(quotas: ["cohere": FreeTierQuota(requestsPerMonth: 1), "acme:cohere": FreeTierQuota(requestsPerMonth: 5)])
        let now = TestClock().now
        var tenants = Deployment(providerID: "cohere", model: "command-r")
        tenants.freeTierKey = "acme:cohere"
        var undeclared = tenants
        undeclared.freeTierKey = "beta:cohere"
        tracker.record("cohere", at: now)
        #expect(tracker.snapshot(at: now).status(of: Deployment(providerID: "cohere", model: "command-r")) == .exhausted)
        #expect(tracker.snapshot(at: now).status(of: tenants) == .available)
        #expect(tracker.snapshot(at: now).status(of: undeclared) == .paid)
    }

    @Test func redeclaringKeepsUnchangedCountsAndDropsWhatIsGone() {
        let tracker = FreeTierTracker(quotas: ["file": FreeTierQuota(requestsPerDay: 1)])
        let now = TestClock().now
        tracker.redeclare(["a:p": FreeTierQuota(requestsPerDay: 2), "b:p": FreeTierQuota(requestsPerDay: 2)], replacing: [])
        for key in ["a:p", "a:p", "b:p", "file"] { tracker.record(key, at: now) }
        #expect(tracker.isExhausted("a:p", at: now))
        // The same quota again: still spent. A changed one: a fresh count. Left out: gone.
        tracker.redeclare(["a:p": FreeTierQuota(requestsPerDay: 2), "b:p": FreeTierQuota(requestsPerDay: 3)], replacing: ["a:p", "b:p"])
        #expect(tracker.isExhausted("a:p", at: now))
        #expect(tracker.remaining("b:p", .requests, per: .day, at: now) == 3)
        tracker.redeclare([:], replacing: ["a:p", "b:p"])
        #expect(tracker.snapshot(at: now).exhaustedUntil.keys.sorted() == ["file"])
        // Keys it did not declare are not its to remove.
        #expect(tracker.isExhausted("file", at: now))
    }

    @Test func defaultsCoverTheKnownFreeTiers() {
        for provider in ["groq", "cerebras", "sambanova", "gemini", "mistral", "cohere"] {
            #expect(FreeTierDefaults.providers[provider] != nil, "\(provider)")
        }
        #expect(FreeTierDefaults.key(providerID: "groq", model: "llama-3.1-8b-instant") == "groq/llama-3.1-8b-instant")
        #expect(FreeTierDefaults.key(providerID: "cohere", model: "command-r") == "cohere")
        let groq8b = FreeTierDefaults.quota(providerID: "groq", model: "llama-3.1-8b-instant")
        #expect(groq8b?.limits.contains(QuotaLimit(.requests, per: .day, limit: 14_400)) == true)
        #expect(FreeTierDefaults.quota(providerID: "gemini", model: "unlisted") == FreeTierDefaults.providers["gemini"])
        #expect(FreeTierDefaults.quota(providerID: "openai", model: "gpt-5") == nil)
        #expect(FreeTierDefaults.providers["cohere"]?.limits.contains(QuotaLimit(.requests, per: .month, limit: 1_000)) == true)
    }
}
