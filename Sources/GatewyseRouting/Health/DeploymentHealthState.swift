/// Everything tracked for one deployment — breaker, latency EWMAs, error window — and the status
/// derived from them. A value state machine: `HealthTracker` keeps one per deployment behind
/// its lock; tests drive it directly.
///
/// Status rules, first match wins: breaker open → `down`; half-open → `degraded` (it is planned
/// normally again so a real request can probe it); nothing recorded yet → `unknown`;
/// `degradedAfterConsecutiveFailures` failures in a row, an error rate of at least
/// `degradedErrorRate` over `minimumSamples` or more attempts, or a latency EWMA at or above
/// `degradedLatency` → `degraded`; otherwise `healthy`.
public struct DeploymentHealthState: Sendable, Hashable {
    public let configuration: HealthConfiguration
    public private(set) var breaker: CircuitBreaker
    public private(set) var latency: LatencyEWMA
    public private(set) var timeToFirstToken: LatencyEWMA
    public private(set) var errors: ErrorRateWindow
    public private(set) var status: HealthStatus = .unknown
    private var hasOutcome = false

    public init(configuration: HealthConfiguration = HealthConfiguration()) {
        self.configuration = configuration
        self.breaker = CircuitBreaker(configuration: configuration.breaker)
        self.latency = LatencyEWMA(alpha: configuration.latencyAlpha)
        self.timeToFirstToken = LatencyEWMA(alpha: configuration.latencyAlpha)
        self.errors = ErrorRateWindow(window: configuration.errorWindow, bucketCount: configuration.errorWindowBuckets)
    }

    public mutating func acquire(at now: Double) -> CircuitBreaker.Decision {
        let decision = breaker.acquire(at: now)
        status = evaluate(at: now)
        return decision
    }

    @discardableResult
    public mutating func record(_ outcome: AttemptOutcome, at now: Double) -> CircuitBreaker.Transition? {
        let transition: CircuitBreaker.Transition?
        switch outcome {
        case .success(let seconds, let ttft):
            hasOutcome = true
            latency.record(seconds)
            if let ttft { timeToFirstToken.record(ttft) }
            errors.record(success: true, at: now)
            transition = breaker.recordSuccess(at: now)
        case .failure:
            hasOutcome = true
            errors.record(success: false, at: now)
            transition = breaker.recordFailure(at: now)
        case .ignored:
            breaker.recordIgnored(at: now)
            transition = nil
        }
        status = evaluate(at: now)
        return transition
    }

    /// Applies the passage of time (breaker cool-down, errors leaving the window).
    @discardableResult
    public mutating func advance(to now: Double) -> CircuitBreaker.Transition? {
        let transition = breaker.advance(to: now)
        status = evaluate(at: now)
        return transition
    }

    /// When the status could next change with no new outcome: the end of an open breaker's
    /// cool-down, or — while degraded by error rate — the next bucket boundary, when old failures
    /// start leaving the window. `nil`: only a new outcome can change it.
    public func nextReview(after now: Double) -> Double? {
        switch breaker.phase {
        case .open: return breaker.openUntil
        case .halfOpen: return nil
        case .closed: return status == .degraded ? now + errors.bucketWidth : nil
        }
    }

    public func health(at now: Double) -> DeploymentHealth {
        DeploymentHealth(status: status, breaker: breaker.phase, latency: latency.value,
                         timeToFirstToken: timeToFirstToken.value, errorRate: errors.errorRate(at: now),
                         consecutiveFailures: breaker.consecutiveFailures)
    }

    private func evaluate(at now: Double) -> HealthStatus {
        switch breaker.phase {
        case .open: return .down
        case .halfOpen: return .degraded
        case .closed: break
        }
        guard hasOutcome else { return .unknown }
        if breaker.consecutiveFailures >= configuration.degradedAfterConsecutiveFailures { return .degraded }
        let (attempts, failures) = errors.counts(at: now)
        if attempts >= configuration.minimumSamples,
           Double(failures) >= configuration.degradedErrorRate * Double(attempts) { return .degraded }
        if let limit = configuration.degradedLatency, let value = latency.value, value >= limit { return .degraded }
        return .healthy
    }
}
