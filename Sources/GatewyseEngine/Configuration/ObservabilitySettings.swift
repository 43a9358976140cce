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

/// OpenTelemetry traces (`tracing:`, decisions/0019). Off unless an endpoint is configured, in
/// the file or by the standard `OTEL_*` variables (`TracingEnvironment`); the file wins where
/// both say something.
public struct TracingSettings: Sendable, Equatable {
    /// The OTLP/HTTP traces URL (`…/v1/traces`); nil: tracing off.
    public var endpoint: String?
    /// Share of the requests that start a trace which are recorded; nil: 1 (all).
    public var sampleRatio: Double?
    /// Whether a client's sampled flag decides for requests that carry a `traceparent`
    /// (OpenTelemetry's `parentbased_*` samplers); nil: yes.
    public var parentBased: Bool?
    /// The resource's `service.name`; nil: `gatewyse`.
    public var serviceName: String?
    /// Headers sent with every export (a collector's API key): secrets, never logged.
    public var headers: [String: Secret]?
    /// Finished spans held for the exporter; past it they are dropped and counted.
    public var queueCapacity = 2048
    /// Spans per export request.
    public var batchSize = 512
    /// Seconds between exports (sooner once a batch is full).
    public var exportInterval: Double = 5
    /// Seconds one export may take.
    public var exportTimeout: Double = 10

    public init() {}

    public var isEnabled: Bool { endpoint != nil }
    public var effectiveSampleRatio: Double { sampleRatio ?? 1 }
    public var effectiveParentBased: Bool { parentBased ?? true }
    public var effectiveServiceName: String { serviceName ?? "gatewyse" }
}
