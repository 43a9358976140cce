/// Failure rate over a sliding time window, kept as a fixed ring of buckets so recording is O(1)
/// and allocation-free: the window slides one bucket at a time (default 60 s in 6 buckets of 10 s).
public struct ErrorRateWindow: Sendable, Hashable {
    public let window: Double
    public let bucketCount: Int
    private var buckets: [Bucket]

    private struct Bucket: Sendable, Hashable {
        /// Which bucket-sized slice of time this holds: `floor(now / bucketWidth)`.
        var slot: Int64 = .min
        var successes: Int32 = 0
        var failures: Int32 = 0
    }

    public init(window: Double = 60, bucketCount: Int = 6) {
        precondition(window > 0 && bucketCount > 0)
        self.window = window
        self.bucketCount = bucketCount
        self.buckets = Array(repeating: Bucket(), count: bucketCount)
    }

    public var bucketWidth: Double { window / Double(bucketCount) }

    public mutating func record(success: Bool, at now: Double) {
        let slot = Int64((now / bucketWidth).rounded(.down))
        let index = Int(((slot % Int64(bucketCount)) + Int64(bucketCount)) % Int64(bucketCount))
        if buckets[index].slot != slot { buckets[index] = Bucket(slot: slot) }
        if success { buckets[index].successes += 1 } else { buckets[index].failures += 1 }
    }

    /// Attempts and failures in the buckets that still overlap the window ending at `now`.
    public func counts(at now: Double) -> (attempts: Int, failures: Int) {
        let current = Int64((now / bucketWidth).rounded(.down))
        var attempts = 0
        var failures = 0
        for bucket in buckets where bucket.slot > current - Int64(bucketCount) && bucket.slot <= current {
            attempts += Int(bucket.successes + bucket.failures)
            failures += Int(bucket.failures)
        }
        return (attempts, failures)
    }

    public func errorRate(at now: Double) -> Double {
        let (attempts, failures) = counts(at: now)
        return attempts == 0 ? 0 : Double(failures) / Double(attempts)
    }
}
