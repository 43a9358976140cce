import Synchronization

/// Per-(tenant, capability) round-robin counters for one process. A counter unused for `ttl`
/// seconds starts again at zero, like the reference's Redis key with a one-hour TTL
/// (product-spec §5.3). Replicas sharing PostgreSQL will use a shared counter instead; the
/// planner only needs the value.
public final class RoundRobinCounters: Sendable {
    public let ttl: Double
    private let counters: Mutex<[String: Entry]>

    private struct Entry: Sendable {
        var value: UInt64
        var lastUse: Double
    }

    /// Most counters kept: keys carry the model a client names, so the table is bounded; past
    /// it, counters idle longer than `ttl` are dropped, then any one if none is.
    public let maximumKeys: Int

    public init(ttl: Double = 3_600, maximumKeys: Int = 10_000) {
        self.ttl = ttl
        self.maximumKeys = max(1, maximumKeys)
        self.counters = Mutex([:])
    }

    /// The value for this request (0, 1, 2, … per key), then increments it.
    /// How many counters are kept now (at most `maximumKeys`).
    public var count: Int { counters.withLock { $0.count } }

    public func next(for key: String, at now: Double) -> UInt64 {
        counters.withLock { counters in
            if counters[key] == nil, counters.count >= maximumKeys {
                counters = counters.filter { now - $0.value.lastUse <= ttl }
                if counters.count >= maximumKeys, let any = counters.keys.first { counters.removeValue(forKey: any) }
            }
            var entry = counters[key] ?? Entry(value: 0, lastUse: now)
            if now - entry.lastUse > ttl { entry.value = 0 }
            let value = entry.value
            entry.value &+= 1
            entry.lastUse = now
            counters[key] = entry
            return value
        }
    }
}
