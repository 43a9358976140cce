/// Decides what to do after a failed attempt: wait and retry the same deployment, move to the
/// next one, or give up. Pure: the engine classifies the failure (`retryable`, `retryAfter`) and
/// passes the counts, the time and the RNG.
///
/// Rules, in order:
/// 1. Not retryable → `.giveUp` (the upstream's answer describes the request; surface it).
/// 2. Out of time (`now ≥ deadline`) or out of attempts (`totalAttempts ≥ maxTotalAttempts`)
///    → `.giveUp`.
/// 3. This deployment has had `maxAttemptsPerCandidate` attempts → `.nextCandidate`, or
///    `.giveUp` when there is none.
/// 4. The wait is `retryAfter` when the upstream sent one (never less: retrying earlier only
///    earns another 429), else exponential backoff with full jitter: uniform in
///    `[0, min(maxDelay, baseDelay · 2^(attempt−1))]` (AWS Architecture Blog, "Exponential
///    Backoff and Jitter": full jitter spreads synchronized clients best).
/// 5. A wait longer than `preferNextCandidateAfter` while another deployment is available →
///    `.nextCandidate` (serve the client now rather than queue behind a rate limit).
/// 6. A wait that would end past the deadline → `.nextCandidate` if any, else `.giveUp`.
/// 7. Otherwise `.retry(after: wait)`.
public struct RetryPolicy: Sendable, Hashable {
    /// First backoff ceiling, seconds.
    public var baseDelay: Double
    /// Backoff ceiling cap, seconds (does not cap an upstream's `retryAfter`).
    public var maxDelay: Double
    /// Attempts on one deployment before moving on, the first included (2 = one retry).
    public var maxAttemptsPerCandidate: Int
    /// Attempts across the whole plan.
    public var maxTotalAttempts: Int
    /// Waits longer than this go to the next deployment instead, when there is one.
    public var preferNextCandidateAfter: Double

    public init(baseDelay: Double = 0.25, maxDelay: Double = 8, maxAttemptsPerCandidate: Int = 2, maxTotalAttempts: Int = 6, preferNextCandidateAfter: Double = 2) {
        precondition(baseDelay >= 0 && maxDelay >= 0 && maxAttemptsPerCandidate >= 1 && maxTotalAttempts >= 1)
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
        self.maxAttemptsPerCandidate = maxAttemptsPerCandidate
        self.maxTotalAttempts = maxTotalAttempts
        self.preferNextCandidateAfter = preferNextCandidateAfter
    }

    /// - Parameters:
    ///   - retryable: the engine's classification of the failure.
    ///   - retryAfter: seconds the upstream asked to wait (`RateLimitHeaders.suggestedRetryDelay`,
    ///     Gemini's body `retryDelay`…), if any.
    ///   - attemptsOnCandidate: attempts made on this deployment so far, the failed one included.
    ///   - totalAttempts: attempts made for the request so far, the failed one included.
    ///   - hasMoreCandidates: whether the plan has another deployment after this one.
    ///   - now / deadline: same clock; `deadline` nil means no overall limit.
    public func decide(retryable: Bool, retryAfter: Double?, attemptsOnCandidate: Int, totalAttempts: Int,
                       hasMoreCandidates: Bool, now: Double, deadline: Double?,
                       using rng: inout some RandomNumberGenerator) -> RetryDecision {
        guard retryable else { return .giveUp }
        if let deadline, now >= deadline { return .giveUp }
        guard totalAttempts < maxTotalAttempts else { return .giveUp }
        let moveOn: RetryDecision = hasMoreCandidates ? .nextCandidate : .giveUp
        guard attemptsOnCandidate < maxAttemptsPerCandidate else { return moveOn }

        let wait: Double
        if let retryAfter, retryAfter.isFinite {
            wait = max(0, retryAfter)
        } else {
            wait = backoff(attempt: attemptsOnCandidate, using: &rng)
        }
        if hasMoreCandidates && wait > preferNextCandidateAfter { return .nextCandidate }
        if let deadline, now + wait >= deadline { return moveOn }
        return .retry(after: wait)
    }

    /// Full-jitter backoff after the `attempt`-th attempt (1-based).
    public func backoff(attempt: Int, using rng: inout some RandomNumberGenerator) -> Double {
        let ceiling = backoffCeiling(attempt: attempt)
        guard ceiling > 0 else { return 0 }
        return Double.random(in: 0...ceiling, using: &rng)
    }

    /// `min(maxDelay, baseDelay · 2^(attempt−1))`, overflow-safe.
    public func backoffCeiling(attempt: Int) -> Double {
        let exponent = min(max(attempt - 1, 0), 62)
        return min(maxDelay, baseDelay * Double(UInt64(1) << UInt64(exponent)))
    }
}

/// What the executor does after a failed attempt.
public enum RetryDecision: Sendable, Hashable {
    /// Wait this many seconds, then try the same deployment again.
    case retry(after: Double)
    /// Try the next deployment in the plan now.
    case nextCandidate
    /// Stop and return the failure to the client.
    case giveUp
}
