/// How outcomes turn into a health status. The breaker thresholds are the documented defaults;
/// the rest are this gateway's choices (the docs are silent on them, product-spec §5.4).
public struct HealthConfiguration: Sendable, Hashable {
    public var breaker: CircuitBreaker.Configuration
    /// EWMA weight of each new latency sample.
    public var latencyAlpha: Double
    /// Seconds of history for the error rate, and how many buckets it slides by.
    public var errorWindow: Double
    public var errorWindowBuckets: Int
    /// The error rate only counts once the window holds this many attempts, so one failure out of
    /// two does not degrade a deployment.
    public var minimumSamples: Int
    /// Error rate at or above which a deployment is degraded.
    public var degradedErrorRate: Double
    /// Consecutive failures (below the breaker threshold) at which a deployment is degraded.
    public var degradedAfterConsecutiveFailures: Int
    /// Latency EWMA (seconds) at or above which a deployment is degraded; `nil` disables it.
    public var degradedLatency: Double?

    public init(breaker: CircuitBreaker.Configuration = CircuitBreaker.Configuration(), latencyAlpha: Double = 0.3,
                errorWindow: Double = 60, errorWindowBuckets: Int = 6, minimumSamples: Int = 5,
                degradedErrorRate: Double = 0.25, degradedAfterConsecutiveFailures: Int = 2, degradedLatency: Double? = nil) {
        self.breaker = breaker
        self.latencyAlpha = latencyAlpha
        self.errorWindow = errorWindow
        self.errorWindowBuckets = errorWindowBuckets
        self.minimumSamples = minimumSamples
        self.degradedErrorRate = degradedErrorRate
        self.degradedAfterConsecutiveFailures = degradedAfterConsecutiveFailures
        self.degradedLatency = degradedLatency
    }
}

/// What an attempt on a deployment taught us.
public enum AttemptOutcome: Sendable, Hashable {
    /// `latency`: seconds until the response was complete; `timeToFirstToken`: seconds until the
    /// first streamed token, for streams.
    case success(latency: Double, timeToFirstToken: Double? = nil)
    /// The deployment failed (connect error, timeout, 5xx, 429…): counts toward the breaker.
    case failure
    /// The attempt says nothing about the deployment (a 400 caused by the request, a client
    /// disconnect): frees a half-open probe, changes nothing else.
    case ignored
}
