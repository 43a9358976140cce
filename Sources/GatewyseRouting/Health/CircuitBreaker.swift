/// The per-deployment circuit breaker (product-spec §5.4) as a state machine that returns
/// decisions and transitions instead of doing anything: after `failureThreshold` consecutive
/// failures it opens for `openDuration` seconds, then lets exactly one probe through (half-open);
/// the probe's success closes it, its failure opens it for another `openDuration`.
public struct CircuitBreaker: Sendable, Hashable {
    /// Defaults follow the documented behavior: 5 failures, 60 s open, one probe.
    public struct Configuration: Sendable, Hashable {
        public var failureThreshold: Int
        public var openDuration: Double
        /// A probe that never reports back (a lost task) frees its slot after this long, so a
        /// deployment cannot stay half-open forever.
        public var probeTimeout: Double

        public init(failureThreshold: Int = 5, openDuration: Double = 60, probeTimeout: Double = 60) {
            precondition(failureThreshold > 0 && openDuration >= 0 && probeTimeout > 0)
            self.failureThreshold = failureThreshold
            self.openDuration = openDuration
            self.probeTimeout = probeTimeout
        }
    }

    /// Where the breaker is.
    public enum Phase: String, Sendable, Hashable, Codable {
        case closed
        case open
        case halfOpen = "half-open"
    }

    /// Whether a request may be sent now.
    public enum Decision: Sendable, Hashable {
        /// Closed: send.
        case allow
        /// Half-open and this caller holds the single probe slot: send, and report the outcome.
        case probe
        /// Open (until the given time) or half-open with the probe already out (`nil`).
        case reject(until: Double?)

        public var allowsRequest: Bool {
            switch self {
            case .allow, .probe: true
            case .reject: false
            }
        }
    }

    /// A phase change worth logging, counting in metrics, or invalidating caches for.
    public enum Transition: Sendable, Hashable {
        case opened(until: Double)
        case halfOpened
        case closed
    }

    public let configuration: Configuration
    public private(set) var phase: Phase = .closed
    public private(set) var consecutiveFailures = 0
    /// When an open breaker starts letting a probe through.
    public private(set) var openUntil: Double = 0
    private var probeStartedAt: Double?

    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
    }

    /// Applies the passage of time: an open breaker whose cool-down has ended becomes half-open.
    @discardableResult
    public mutating func advance(to now: Double) -> Transition? {
        guard phase == .open, now >= openUntil else { return nil }
        phase = .halfOpen
        probeStartedAt = nil
        return .halfOpened
    }

    /// Asks to send a request now. In half-open only the first caller gets `.probe`; it must
    /// report the outcome (`recordSuccess`, `recordFailure` or `recordIgnored`).
    public mutating func acquire(at now: Double) -> Decision {
        advance(to: now)
        switch phase {
        case .closed:
            return .allow
        case .open:
            return .reject(until: openUntil)
        case .halfOpen:
            if let started = probeStartedAt, now - started < configuration.probeTimeout { return .reject(until: nil) }
            probeStartedAt = now
            return .probe
        }
    }

    /// A success closes a half-open breaker and resets the failure count. A success reported
    /// while open (a request sent before the breaker opened) changes nothing: only the probe
    /// decides when to close.
    @discardableResult
    public mutating func recordSuccess(at now: Double) -> Transition? {
        advance(to: now)
        switch phase {
        case .closed:
            consecutiveFailures = 0
            return nil
        case .open:
            return nil
        case .halfOpen:
            phase = .closed
            consecutiveFailures = 0
            probeStartedAt = nil
            return .closed
        }
    }

    @discardableResult
    public mutating func recordFailure(at now: Double) -> Transition? {
        advance(to: now)
        switch phase {
        case .closed:
            consecutiveFailures += 1
            guard consecutiveFailures >= configuration.failureThreshold else { return nil }
            return open(at: now)
        case .open:
            return nil
        case .halfOpen:
            consecutiveFailures += 1
            return open(at: now)
        }
    }

    /// An attempt that says nothing about the deployment (the client's request was invalid, the
    /// client went away): frees the probe slot without moving the breaker.
    public mutating func recordIgnored(at now: Double) {
        advance(to: now)
        if phase == .halfOpen { probeStartedAt = nil }
    }

    private mutating func open(at now: Double) -> Transition {
        phase = .open
        openUntil = now + configuration.openDuration
        probeStartedAt = nil
        return .opened(until: openUntil)
    }
}
