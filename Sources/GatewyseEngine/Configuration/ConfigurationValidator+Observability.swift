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
