/// A deployment's health as the admin API shows it (product-spec §5.4).
public enum HealthStatus: String, Sendable, Hashable, CaseIterable, Codable {
    /// No outcome recorded yet.
    case unknown
    case healthy
    /// Failing often or probing after an outage: still used, but behind healthy ones in failover.
    case degraded
    /// The circuit breaker is open: only tried as a last resort.
    case down
}

/// The health of one deployment at one moment, as the planner reads it.
public struct DeploymentHealth: Sendable, Hashable {
    public var status: HealthStatus
    public var breaker: CircuitBreaker.Phase
    /// EWMA of whole-request latency, seconds; `nil` until a success is recorded.
    public var latency: Double?
    /// EWMA of time to first token on streams, seconds.
    public var timeToFirstToken: Double?
    /// Failures / attempts within the error window (0 when empty).
    public var errorRate: Double
    public var consecutiveFailures: Int

    public init(status: HealthStatus = .unknown, breaker: CircuitBreaker.Phase = .closed, latency: Double? = nil,
                timeToFirstToken: Double? = nil, errorRate: Double = 0, consecutiveFailures: Int = 0) {
        self.status = status
        self.breaker = breaker
        self.latency = latency
        self.timeToFirstToken = timeToFirstToken
        self.errorRate = errorRate
        self.consecutiveFailures = consecutiveFailures
    }

    /// Down or behind an open breaker: planned last, never dropped.
    public var isUnavailable: Bool { status == .down || breaker == .open }
}

/// Health of every known deployment, keyed by `Deployment.id`; deployments missing from it are
/// `unknown`. A value: the tracker hands out copies (copy-on-write, so taking one is O(1)).
public struct HealthSnapshot: Sendable {
    public var deployments: [String: DeploymentHealth]

    public init(_ deployments: [String: DeploymentHealth] = [:]) {
        self.deployments = deployments
    }

    public subscript(id: String) -> DeploymentHealth? { deployments[id] }

    public func status(of id: String) -> HealthStatus { deployments[id]?.status ?? .unknown }

    public func isUnavailable(_ id: String) -> Bool { deployments[id]?.isUnavailable ?? false }
}
