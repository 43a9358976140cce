import GatewyseCore

/// The Prometheus endpoint (`metrics:`, decisions/0015).
public struct MetricsSettings: Sendable, Equatable {
    /// On by default: recording costs a few atomic increments per request.
    public var enabled = true
    /// Where the exposition is served (`metrics.path`).
    public var path = "/metrics"
    /// A separate listener for the scrape (`metrics.port`), on `server.host`; nil: the main port.
    public var port: Int?
    /// When set, a scrape must send `Authorization: Bearer <token>` (`metrics.bearer_token`,
    /// usually `${METRICS_TOKEN}`); compared in constant time.
    public var bearerToken: Secret?

    public init() {}
}

/// The process's log lines (`logging:`).
public struct LoggingSettings: Sendable, Equatable {
    public enum Format: String, Sendable, Equatable {
        /// JSON when standard output is not a terminal, text when it is.
        case auto
        case json
        case text
    }

    /// swift-log's level names (`trace` … `critical`); nil: `LOG_LEVEL`, else `info`.
    public var level: String?
    public var format = Format.auto
    /// One line per inference request at completion (`logging.requests`).
    public var requests = true

    public init() {}
}
