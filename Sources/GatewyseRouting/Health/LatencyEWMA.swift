/// Exponentially weighted moving average of a latency, in seconds: recent requests count most,
/// old ones fade without a window to store. The first sample is taken as is.
public struct LatencyEWMA: Sendable, Hashable {
    /// Weight of each new sample (0 < alpha ≤ 1). 0.3 follows a change within a handful of
    /// requests yet shrugs off a single slow one.
    public let alpha: Double
    public private(set) var value: Double?
    public private(set) var sampleCount = 0

    public init(alpha: Double = 0.3) {
        precondition(alpha > 0 && alpha <= 1, "alpha must be in (0, 1]")
        self.alpha = alpha
    }

    public mutating func record(_ sample: Double) {
        let sample = max(0, sample)
        if let value { self.value = value + alpha * (sample - value) } else { value = sample }
        sampleCount += 1
    }
}
