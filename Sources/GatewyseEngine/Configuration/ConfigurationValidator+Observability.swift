import GatewyseCore

extension ConfigurationValidator {
    /// `metrics:` and `logging:`.
    static func readObservability(_ document: ConfigValue, into configuration: inout GatewayConfiguration, _ r: inout Reader) {
        if let metrics = r.mapping(document["metrics"], "metrics") {
            r.rejectUnknownKeys(metrics, allowed: ["enabled", "path", "port", "bearer_token"], path: "metrics")
            if let enabled = r.bool(metrics["enabled"], "metrics.enabled") { configuration.metrics.enabled = enabled }
            if let path = r.string(metrics["path"], "metrics.path") {
                if path.hasPrefix("/"), !path.hasPrefix("/v1/"), !path.hasPrefix("/api/"), path.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "?") }) {
                    configuration.metrics.path = path
                } else {
                    r.problems.append("metrics.path: must start with '/', contain no spaces or '?', and not be under /v1/ or /api/, got \"\(path)\"")
                }
            }
            if let port = r.int(metrics["port"], "metrics.port", in: 1...65535) { configuration.metrics.port = port }
            if let token = r.string(metrics["bearer_token"], "metrics.bearer_token") {
                // An unset `${VAR}` expands to "" (reported elsewhere); an empty token guards nothing.
                if token.isEmpty { r.problems.append("metrics.bearer_token: must not be empty") } else { configuration.metrics.bearerToken = Secret(token) }
            }
        }
        if let logging = r.mapping(document["logging"], "logging") {
            r.rejectUnknownKeys(logging, allowed: ["level", "format", "requests"], path: "logging")
            if let level = r.string(logging["level"], "logging.level") {
                if ["trace", "debug", "info", "notice", "warning", "error", "critical"].contains(level) { configuration.logging.level = level }
                else { r.problems.append("logging.level: expected one of trace, debug, info, notice, warning, error, critical, got \"\(level)\"") }
            }
            if let format = r.string(logging["format"], "logging.format") {
                if let parsed = LoggingSettings.Format(rawValue: format) { configuration.logging.format = parsed }
                else { r.problems.append("logging.format: expected auto, json or text, got \"\(format)\"") }
            }
            if let requests = r.bool(logging["requests"], "logging.requests") { configuration.logging.requests = requests }
        }
    }
}

extension ConfigurationValidator {
    /// `tracing:` (decisions/0019). Anything left out may still come from `OTEL_*` variables.
    static func readTracing(_ document: ConfigValue, into configuration: inout GatewayConfiguration, _ r: inout Reader) {
        guard let tracing = r.mapping(document["tracing"], "tracing") else { return }
        r.rejectUnknownKeys(tracing, allowed: ["endpoint", "sample_ratio", "parent_based", "service_name", "headers", "queue_capacity",
                                               "batch_size", "export_interval_ms", "export_timeout_ms"], path: "tracing")
        if let endpoint = r.string(tracing["endpoint"], "tracing.endpoint") {
            // The operator's own collector: private and loopback addresses are expected.
            if let problem = UpstreamURLPolicy.problem(with: endpoint, allowPrivate: true) {
                r.problems.append("tracing.endpoint: \(problem)")
            } else {
                configuration.tracing.endpoint = endpoint
            }
        }
        if let text = r.string(tracing["sample_ratio"], "tracing.sample_ratio") {
            if let ratio = Double(text), ratio >= 0, ratio <= 1 { configuration.tracing.sampleRatio = ratio }
            else { r.problems.append("tracing.sample_ratio: expected a number from 0 to 1, got \"\(text)\"") }
        }
        if let parentBased = r.bool(tracing["parent_based"], "tracing.parent_based") { configuration.tracing.parentBased = parentBased }
        if let name = r.string(tracing["service_name"], "tracing.service_name") {
            if name.isEmpty { r.problems.append("tracing.service_name: must not be empty") } else { configuration.tracing.serviceName = name }
        }
        if let headers = r.mapping(tracing["headers"], "tracing.headers"), case .mapping(let pairs) = headers {
            var read: [String: Secret] = [:]
            for (name, value) in pairs {
                guard let text = r.string(value, "tracing.headers.\(name)") else { continue }
                if let problem = TracingEnvironment.headerProblem(name: name, value: text) { r.problems.append("tracing.headers.\(name): \(problem)") }
                else { read[name] = Secret(text) }
            }
            configuration.tracing.headers = read
        }
        if let n = r.int(tracing["queue_capacity"], "tracing.queue_capacity", in: 1...1_000_000) { configuration.tracing.queueCapacity = n }
        if let n = r.int(tracing["batch_size"], "tracing.batch_size", in: 1...10_000) { configuration.tracing.batchSize = n }
        if let ms = r.int(tracing["export_interval_ms"], "tracing.export_interval_ms", in: 10...600_000) {
            configuration.tracing.exportInterval = Double(ms) / 1000
        }
        if let ms = r.int(tracing["export_timeout_ms"], "tracing.export_timeout_ms", in: 100...600_000) {
            configuration.tracing.exportTimeout = Double(ms) / 1000
        }
    }
}
