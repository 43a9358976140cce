/// The series the gateway exports (README "Metrics and logs", decisions/0015). Named after the
/// OpenTelemetry GenAI semantic conventions where they define one, in Prometheus spelling;
/// `gatewyse_*` for the rest. Labels: `route` (the endpoint's path), `provider`, `model`,
/// `status`, and per series `token_type`, `reason`, `state`. Every label value comes from the
/// configuration or a closed set, never from a client (`GatewayMetrics`).
public enum MetricNames {
    public static let requests = "gatewyse_requests_total"
    public static let requestDuration = "gen_ai_server_request_duration_seconds"
    public static let timeToFirstToken = "gen_ai_server_time_to_first_token_seconds"
    public static let overhead = "gatewyse_overhead_seconds"
    public static let tokenUsage = "gen_ai_client_token_usage"
    public static let tokens = "gatewyse_tokens_total"
    public static let cost = "gatewyse_cost_usd_total"
    public static let upstreamAttempts = "gatewyse_upstream_attempts_total"
    public static let upstreamFailures = "gatewyse_upstream_failures_total"
    public static let rejections = "gatewyse_rejections_total"
    public static let circuitBreaker = "gatewyse_circuit_breaker_state"
    public static let deploymentHealth = "gatewyse_deployment_health"
    public static let freeTierRemaining = "gatewyse_free_tier_remaining"
    public static let usageQueueDepth = "gatewyse_usage_queue_depth"
    public static let openStreams = "gatewyse_open_streams"
    public static let inFlight = "gatewyse_requests_in_flight"
    public static let draining = "gatewyse_draining"
    /// Tracing (decisions/0019): spans waiting for the exporter, and spans lost (queue full or
    /// an export the collector did not take).
    public static let traceQueueDepth = "gatewyse_trace_queue_depth"
    public static let traceSpansDropped = "gatewyse_trace_spans_dropped_total"

    /// Seconds: 5 ms to 2 minutes (a long stream's whole duration).
    public static let durationBuckets: [Double] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120]
    /// Seconds: the gateway's own time, 10 µs to 50 ms.
    public static let overheadBuckets: [Double] = [0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.05]
    /// Tokens per request, as the GenAI conventions advise (powers of 4 up to 67M).
    public static let tokenBuckets: [Double] = [1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262_144, 1_048_576, 4_194_304, 16_777_216, 67_108_864]

    /// Histogram buckets by series name, for the backend's factory (swift-metrics leaves
    /// buckets to the backend).
    public static let durationHistograms: [String: [Double]] = [
        requestDuration: durationBuckets, timeToFirstToken: durationBuckets, overhead: overheadBuckets,
    ]
    public static let valueHistograms: [String: [Double]] = [tokenUsage: tokenBuckets]
}
