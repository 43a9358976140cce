import GatewyseStorage

/// How a rate limiter shares its counts with the other replicas (decisions/0018).
public struct RateLimitSharing: Sendable {
    public var store: any RateCounterStore
    /// This process, as the store's rows name it.
    public var replicaID: String

    public init(store: any RateCounterStore, replicaID: String) {
        self.store = store
        self.replicaID = replicaID
    }
}

extension RateLimiter {
    /// From now on, counts are shared through `sharing.store`. Set once, before the first request.
    public func share(_ sharing: RateLimitSharing) {
        self.sharing.withLock { $0 = sharing }
    }

    public var isShared: Bool { sharing.withLock { $0 != nil } }

    /// Writes this replica's counts of every subject it has seen today and reads the other
    /// replicas' back (`RateLimitSharing`). Runs in the background, never on the request path.
    public func sync() async throws {
        guard let sharing = sharing.withLock({ $0 }) else { return }
        let now = clock()
        var mine: [RateCounterKey: RateCounterValue] = [:]
        let windows: [(RateLimitSubject, minute: Int64, day: Int64)] = counters.withLock { counters in
            var windows: [(RateLimitSubject, minute: Int64, day: Int64)] = []
            for (subject, var entry) in counters {
                entry.roll(now: now)
                counters[subject] = entry
                let kind = subject.kind == .apiKey ? "apiKey" : "tenant"
                func key(_ window: RateCounterKey.Window, _ start: Int64) -> RateCounterKey {
                    RateCounterKey(tenantID: subject.tenantID, subjectKind: kind, subjectID: subject.id, window: window, windowStart: start)
                }
                mine[key(.minute, entry.minuteStart)] = RateCounterValue(requests: entry.currentMinute)
                mine[key(.minute, entry.minuteStart - 60_000)] = RateCounterValue(requests: entry.previousMinute)
                mine[key(.day, entry.dayStart)] = RateCounterValue(requests: entry.day, tokens: entry.dayTokens)
                windows.append((subject, entry.minuteStart, entry.dayStart))
            }
            return windows
        }
        let others = try await sharing.store.syncRateCounters(mine, replica: sharing.replicaID, now: now)
        counters.withLock { counters in
            for (subject, minute, day) in windows {
                guard var entry = counters[subject] else { continue }
                let kind = subject.kind == .apiKey ? "apiKey" : "tenant"
                func read(_ window: RateCounterKey.Window, _ start: Int64) -> RateCounterValue {
                    others[RateCounterKey(tenantID: subject.tenantID, subjectKind: kind, subjectID: subject.id, window: window,
                                          windowStart: start)] ?? RateCounterValue()
                }
                let today = read(.day, day)
                entry.others = Others(minuteStart: minute, currentMinute: read(.minute, minute).requests,
                                      previousMinute: read(.minute, minute - 60_000).requests,
                                      dayStart: day, day: today.requests, dayTokens: today.tokens)
                counters[subject] = entry
            }
        }
    }
}
