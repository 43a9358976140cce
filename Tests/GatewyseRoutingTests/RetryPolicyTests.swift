import Testing
@testable import GatewyseRouting

@Suite struct RetryPolicyTests {
    let policy = RetryPolicy(baseDelay: 0.5, maxDelay: 4, maxAttemptsPerCandidate: 3, maxTotalAttempts: 6, preferNextCandidateAfter: 2)
    let now = TestClock.start

    private func decide(retryable: Bool = true, retryAfter: Double? = nil, attempts: Int = 1, total: Int = 1,
                        more: Bool = true, deadline: Double? = nil, seed: UInt64 = 1) -> RetryDecision {
        var rng = SplitMix64(seed: seed)
        return policy.decide(retryable: retryable, retryAfter: retryAfter, attemptsOnCandidate: attempts, totalAttempts: total,
                             hasMoreCandidates: more, now: now, deadline: deadline, using: &rng)
    }

    @Test func nonRetryableFailuresGiveUp() {
        #expect(decide(retryable: false) == .giveUp)
        #expect(decide(retryable: false, more: false) == .giveUp)
    }

    @Test func retryAfterIsHonoredExactly() {
        #expect(decide(retryAfter: 1.5) == .retry(after: 1.5))
        #expect(decide(retryAfter: 0) == .retry(after: 0))
    }

    @Test func aLongRetryAfterMovesOnWhenAnotherDeploymentCanServe() {
        #expect(decide(retryAfter: 30, more: true) == .nextCandidate)
        // Alone, the policy waits as long as the upstream asks — if the deadline allows.
        #expect(decide(retryAfter: 30, more: false) == .retry(after: 30))
        #expect(decide(retryAfter: 30, more: false, deadline: now + 10) == .giveUp)
    }

    @Test func backoffIsFullJitterUnderAGrowingCappedCeiling() {
        #expect(policy.backoffCeiling(attempt: 1) == 0.5)
        #expect(policy.backoffCeiling(attempt: 2) == 1)
        #expect(policy.backoffCeiling(attempt: 3) == 2)
        #expect(policy.backoffCeiling(attempt: 4) == 4)
        #expect(policy.backoffCeiling(attempt: 200) == 4)
        var rng = SplitMix64(seed: 11)
        var sum = 0.0
        for _ in 0..<4_000 {
            let delay = policy.backoff(attempt: 3, using: &rng)
            #expect(delay >= 0 && delay <= 2)
            sum += delay
        }
        #expect(abs(sum / 4_000 - 1.0) < 0.05, "full jitter averages half the ceiling")
    }

    @Test func backoffRetriesUseTheSeededJitter() {
        var expected = SplitMix64(seed: 9)
        let delay = policy.backoff(attempt: 2, using: &expected)
        #expect(decide(attempts: 2, seed: 9) == .retry(after: delay))
    }

    @Test func perCandidateAttemptsThenNextCandidate() {
        #expect(decide(attempts: 3, more: true) == .nextCandidate)
        #expect(decide(attempts: 3, more: false) == .giveUp)
    }

    @Test func totalAttemptCapAndDeadlineEndTheRequest() {
        #expect(decide(total: 6) == .giveUp)
        #expect(decide(deadline: now) == .giveUp)
        // A retry that would end past the deadline goes to the next candidate instead.
        #expect(decide(retryAfter: 1, more: true, deadline: now + 0.5) == .nextCandidate)
    }
}
