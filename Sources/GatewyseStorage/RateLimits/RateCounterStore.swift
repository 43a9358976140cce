import Synchronization

/// One rate-limit window of one subject (a key, or a tenant's keys together), as replicas
/// share it (decisions/0018).
public struct RateCounterKey: Hashable, Sendable, Comparable {
    public enum Window: String, Sendable { case minute, day }

    public var tenantID: String
    /// `apiKey` or `tenant`.
    public var subjectKind: String
    public var subjectID: String
    public var window: Window
    /// Unix ms.
    public var windowStart: Int64

    public init(tenantID: String, subjectKind: String, subjectID: String, window: Window, windowStart: Int64) {
        self.tenantID = tenantID
        self.subjectKind = subjectKind
        self.subjectID = subjectID
        self.window = window
        self.windowStart = windowStart
    }

    public static func < (lhs: RateCounterKey, rhs: RateCounterKey) -> Bool {
        (lhs.tenantID, lhs.subjectKind, lhs.subjectID, lhs.window.rawValue, lhs.windowStart)
            < (rhs.tenantID, rhs.subjectKind, rhs.subjectID, rhs.window.rawValue, rhs.windowStart)
    }
}

/// What one window counted.
public struct RateCounterValue: Sendable, Equatable {
    public var requests: Int64
    public var tokens: Int64

    public init(requests: Int64 = 0, tokens: Int64 = 0) {
        self.requests = requests
        self.tokens = tokens
    }
}

/// Rate-limit counts shared by replicas: each replica writes its own counts per window (whole
/// values, so a repeated sync changes nothing) and reads the others' sums back. A replica that
/// dies leaves its last written counts, so neither a crash nor a restart resets a day's count.
public protocol RateCounterStore: Sendable {
    /// Stores `mine` as `replica`'s counts, and answers, for each key of `mine`, the sum of
    /// every other replica's counts. Windows long past (`RateCounterKey.expired`) are deleted.
    func syncRateCounters(_ mine: [RateCounterKey: RateCounterValue], replica: String, now: Int64) async throws -> [RateCounterKey: RateCounterValue]
}

extension RateCounterKey {
    /// Minutes are kept five minutes, days two days: no limit reads further back.
    public static func expiry(_ window: Window, now: Int64) -> Int64 {
        switch window {
        case .minute: now - 5 * 60_000
        case .day: now - 2 * 86_400_000
        }
    }
}

/// `RateCounterStore` in memory: several limiters of one process sharing counts as replicas on
/// PostgreSQL do (tests).
public final class InMemoryRateCounters: RateCounterStore {
    private let counts = Mutex<[RateCounterKey: [String: RateCounterValue]]>([:])

    public init() {}

    public func syncRateCounters(_ mine: [RateCounterKey: RateCounterValue], replica: String, now: Int64) async throws -> [RateCounterKey: RateCounterValue] {
        counts.withLock { counts in
            counts = counts.filter { $0.key.windowStart >= RateCounterKey.expiry($0.key.window, now: now) }
            var others: [RateCounterKey: RateCounterValue] = [:]
            for (key, value) in mine {
                counts[key, default: [:]][replica] = value
                var sum = RateCounterValue()
                for (name, theirs) in counts[key] ?? [:] where name != replica {
                    sum.requests += theirs.requests
                    sum.tokens += theirs.tokens
                }
                others[key] = sum
            }
            return others
        }
    }
}
