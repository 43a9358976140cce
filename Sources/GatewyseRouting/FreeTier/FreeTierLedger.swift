import GatewyseCore

/// Usage of one free-tier credential against its declared quota, window by window: a value state
/// machine counted locally (`record`), corrected from upstream headers (`correct`) and reset when
/// each window ends (`roll`, applied by every call that passes a `now`).
public struct FreeTierLedger: Sendable, Hashable {
    /// One limit's count in its current window.
    public struct Counter: Sendable, Hashable {
        public let declared: QuotaLimit
        /// The declared limit, or the upstream's `x-ratelimit-limit-*` until the window ends.
        public var limit: Int
        public var used: Int
        /// When this window ends (the aligned boundary, or the upstream's reset time).
        public var windowEnd: Double

        public var remaining: Int { max(0, limit - used) }
        public var isExhausted: Bool { used >= limit }
    }

    public private(set) var counters: [Counter]

    public init(quota: FreeTierQuota, at now: Double) {
        counters = quota.limits.map { limit in
            Counter(declared: limit, limit: limit.limit, used: 0, windowEnd: limit.window.interval(containing: now).end)
        }
    }

    /// Starts a fresh window for every counter whose window has ended.
    public mutating func roll(to now: Double) {
        for i in counters.indices where now >= counters[i].windowEnd {
            counters[i].used = 0
            counters[i].limit = counters[i].declared.limit
            counters[i].windowEnd = counters[i].declared.window.interval(containing: now).end
        }
    }

    public mutating func record(requests: Int, tokens: Int, at now: Double) {
        roll(to: now)
        for i in counters.indices {
            // Saturating: token counts come from upstreams, and the window keeps adding them.
            counters[i].used = UpstreamNumber.sum(counters[i].used, counters[i].declared.metric == .requests ? requests : tokens)
        }
    }

    /// Takes the upstream's word over the local count: the credential may be shared with other
    /// replicas or clients, and the upstream's window may not be aligned like ours. For each
    /// observation with a `remaining` value, the matching counter's used count becomes
    /// `limit − remaining` (with the upstream's limit when sent) and its window ends at the
    /// upstream's reset time when sent.
    ///
    /// Matching: the header's window suffix when present; otherwise the only counter of that
    /// metric; otherwise the smallest window at least as long as the reset time (Groq's plain
    /// request headers reset within a day, its token headers within a minute). Observations that
    /// match nothing are ignored.
    public mutating func correct(with headers: RateLimitHeaders, at now: Double) {
        roll(to: now)
        for observation in headers.observations {
            guard let remaining = observation.remaining, let i = counterIndex(for: observation) else { continue }
            if let limit = observation.limit, limit > 0 { counters[i].limit = limit }
            counters[i].used = max(0, counters[i].limit - max(0, remaining))
            if let reset = observation.resetAfter { counters[i].windowEnd = now + reset }
        }
    }

    /// Until when the credential is used up (the latest end among exhausted windows), or `nil`
    /// when every counter has quota left at `now`.
    public func exhaustedUntil(at now: Double) -> Double? {
        var until: Double?
        for counter in counters where now < counter.windowEnd && counter.isExhausted {
            if counter.windowEnd > (until ?? -.infinity) { until = counter.windowEnd }
        }
        return until
    }

    /// What is left in the current window of the given limit, or `nil` if none is declared.
    public func remaining(_ metric: QuotaMetric, per window: QuotaWindow, at now: Double) -> Int? {
        guard let counter = counters.first(where: { $0.declared.metric == metric && $0.declared.window == window }) else { return nil }
        return now >= counter.windowEnd ? counter.declared.limit : counter.remaining
    }

    private func counterIndex(for observation: RateLimitHeaders.Observation) -> Int? {
        if let window = observation.window {
            return counters.firstIndex { $0.declared.metric == observation.metric && $0.declared.window == window }
        }
        var only: Int?
        var count = 0
        var best: Int?
        for i in counters.indices where counters[i].declared.metric == observation.metric {
            count += 1
            only = i
            if let reset = observation.resetAfter, counters[i].declared.window.nominalLength >= reset,
               best.map({ counters[i].declared.window.nominalLength < counters[$0].declared.window.nominalLength }) ?? true {
                best = i
            }
        }
        if count == 1 { return only }
        return best
    }
}
