import Synchronization

/// Thread-safe free-tier accounting for every declared credential: the engine records each
/// request's usage, passes the upstream's rate-limit headers, and asks for a snapshot when
/// planning. Keys are provider ids, or `"providerID/model"` where the provider counts per model
/// (`FreeTierDefaults.key(providerID:model:)`). Undeclared keys are paid and ignored.
///
/// `now` is Unix seconds: day and month windows reset at UTC boundaries.
public final class FreeTierTracker: Sendable {
    private let state: Mutex<State>

    private struct State: ~Copyable {
        var quotas: [String: FreeTierQuota] = [:]
        var ledgers: [String: FreeTierLedger] = [:]
        /// What snapshots hand out, kept current per key (copy-on-write, no rebuild per request).
        var published: [String: Double] = [:]
    }

    public init(quotas: [String: FreeTierQuota] = [:]) {
        var initial = State()
        initial.quotas = quotas
        for key in quotas.keys { initial.published[key] = -.infinity }
        state = Mutex(initial)
    }

    /// Declares (or replaces) the quota of `key`; counting restarts.
    public func declare(_ key: String, quota: FreeTierQuota) {
        state.withLock { state in
            state.quotas[key] = quota
            state.ledgers[key] = nil
            state.published[key] = -.infinity
        }
    }

    /// Declares `quotas` in place of the keys an earlier call declared (`previous`): those left
    /// out are removed, new or changed quotas start counting afresh, and an unchanged quota keeps
    /// its count, so that declaring again what a reload found does not hand a used-up free tier
    /// a fresh window.
    public func redeclare(_ quotas: [String: FreeTierQuota], replacing previous: Set<String>) {
        state.withLock { state in
            for key in previous where quotas[key] == nil {
                state.quotas[key] = nil
                state.ledgers[key] = nil
                state.published[key] = nil
            }
            for (key, quota) in quotas where state.quotas[key] != quota {
                state.quotas[key] = quota
                state.ledgers[key] = nil
                state.published[key] = -.infinity
            }
        }
    }

    public func remove(_ key: String) {
        state.withLock { state in
            state.quotas[key] = nil
            state.ledgers[key] = nil
            state.published[key] = nil
        }
    }

    public func record(_ key: String, requests: Int = 1, tokens: Int = 0, at now: Double) {
        update(key, at: now) { $0.record(requests: requests, tokens: tokens, at: now) }
    }

    public func correct(_ key: String, with headers: RateLimitHeaders, at now: Double) {
        guard !headers.observations.isEmpty else { return }
        update(key, at: now) { $0.correct(with: headers, at: now) }
    }

    public func isExhausted(_ key: String, at now: Double) -> Bool {
        state.withLock { state in
            guard let until = state.published[key] else { return false }
            return now < until
        }
    }

    /// What is left of one declared limit, or `nil` when `key` or that limit is not declared.
    public func remaining(_ key: String, _ metric: QuotaMetric, per window: QuotaWindow, at now: Double) -> Int? {
        state.withLock { state in
            if let ledger = state.ledgers[key] { return ledger.remaining(metric, per: window, at: now) }
            return state.quotas[key]?.limits.first { $0.metric == metric && $0.window == window }?.limit
        }
    }

    /// What is left of every declared limit of every key (for the metrics endpoint, at scrape time).
    public func remainingAll(at now: Double) -> [(key: String, limit: QuotaLimit, remaining: Int)] {
        state.withLock { state in
            var out: [(key: String, limit: QuotaLimit, remaining: Int)] = []
            for (key, quota) in state.quotas {
                for limit in quota.limits {
                    let left = state.ledgers[key]?.remaining(limit.metric, per: limit.window, at: now) ?? limit.limit
                    out.append((key, limit, left))
                }
            }
            return out
        }
    }

    public func snapshot(at now: Double) -> FreeTierSnapshot {
        state.withLock { FreeTierSnapshot(exhaustedUntil: $0.published, now: now) }
    }

    private func update(_ key: String, at now: Double, _ body: (inout FreeTierLedger) -> Void) {
        state.withLock { state in
            guard let quota = state.quotas[key] else { return }
            var ledger = state.ledgers[key] ?? FreeTierLedger(quota: quota, at: now)
            body(&ledger)
            state.published[key] = ledger.exhaustedUntil(at: now) ?? -.infinity
            state.ledgers[key] = ledger
        }
    }
}
