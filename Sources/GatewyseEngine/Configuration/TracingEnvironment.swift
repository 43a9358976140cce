import Foundation
import GatewyseCore

/// The OpenTelemetry SDKs' standard variables for traces, read for whatever `tracing:` in the
/// file leaves unset (decisions/0019), so a gateway joins an existing OpenTelemetry setup with
/// no configuration of its own:
/// `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` (the URL as is) or `OTEL_EXPORTER_OTLP_ENDPOINT` (a base
/// URL, `/v1/traces` appended), `OTEL_TRACES_SAMPLER` with `OTEL_TRACES_SAMPLER_ARG`,
/// `OTEL_SERVICE_NAME`, `OTEL_EXPORTER_OTLP_(TRACES_)HEADERS`, the batch processor's
/// `OTEL_BSP_SCHEDULE_DELAY`, `OTEL_BSP_EXPORT_TIMEOUT`, `OTEL_BSP_MAX_QUEUE_SIZE` and
/// `OTEL_BSP_MAX_EXPORT_BATCH_SIZE`, and `OTEL_TRACES_EXPORTER=none` or
/// `OTEL_SDK_DISABLED=true` to turn tracing off. `OTEL_EXPORTER_OTLP_(TRACES_)PROTOCOL` may say
/// `http/json` or `http/protobuf` (a collector's OTLP/HTTP receiver takes either encoding on the
/// same path; the gateway sends JSON); `grpc` is refused, as this exporter does not speak it.
public enum TracingEnvironment {
    public static func apply(_ environment: [String: String], to settings: inout TracingSettings, problems: inout [String]) {
        func value(_ name: String) -> String? {
            environment[name].flatMap { let trimmed = $0.trimmingCharacters(in: .whitespaces); return trimmed.isEmpty ? nil : trimmed }
        }
        if value("OTEL_SDK_DISABLED")?.lowercased() == "true" {
            settings.endpoint = nil
            return
        }
        if let exporter = value("OTEL_TRACES_EXPORTER")?.lowercased() {
            switch exporter {
            case "none":
                settings.endpoint = nil
                return
            case "otlp": break
            default: problems.append("OTEL_TRACES_EXPORTER: only otlp or none are supported, got \"\(exporter)\"")
            }
        }
        if let proto = value("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL") ?? value("OTEL_EXPORTER_OTLP_PROTOCOL"),
           proto != "http/json", proto != "http/protobuf" {
            problems.append("OTEL_EXPORTER_OTLP_PROTOCOL: only OTLP/HTTP is supported (http/json or http/protobuf), got \"\(proto)\"")
        }
        if settings.endpoint == nil {
            var endpoint: (variable: String, url: String)?
            if let url = value("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") {
                endpoint = ("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", url)
            } else if let base = value("OTEL_EXPORTER_OTLP_ENDPOINT") {
                endpoint = ("OTEL_EXPORTER_OTLP_ENDPOINT", (base.hasSuffix("/") ? String(base.dropLast()) : base) + "/v1/traces")
            }
            if let endpoint {
                if let problem = UpstreamURLPolicy.problem(with: endpoint.url, allowPrivate: true) { problems.append("\(endpoint.variable): \(problem)") }
                else { settings.endpoint = endpoint.url }
            }
        }
        if settings.sampleRatio == nil, settings.parentBased == nil, let sampler = value("OTEL_TRACES_SAMPLER")?.lowercased() {
            let argument = value("OTEL_TRACES_SAMPLER_ARG")
            var ratio: Double = 1
            if sampler.hasSuffix("traceidratio"), let argument {
                if let parsed = Double(argument), parsed >= 0, parsed <= 1 { ratio = parsed }
                else { problems.append("OTEL_TRACES_SAMPLER_ARG: expected a number from 0 to 1, got \"\(argument)\"") }
            }
            switch sampler {
            case "always_on": (settings.sampleRatio, settings.parentBased) = (1, false)
            case "always_off": (settings.sampleRatio, settings.parentBased) = (0, false)
            case "traceidratio": (settings.sampleRatio, settings.parentBased) = (ratio, false)
            case "parentbased_always_on": (settings.sampleRatio, settings.parentBased) = (1, true)
            case "parentbased_always_off": (settings.sampleRatio, settings.parentBased) = (0, true)
            case "parentbased_traceidratio": (settings.sampleRatio, settings.parentBased) = (ratio, true)
            default:
                problems.append("OTEL_TRACES_SAMPLER: expected always_on, always_off, traceidratio or their parentbased_ forms, got \"\(sampler)\"")
            }
        } else if settings.sampleRatio == nil, let argument = value("OTEL_TRACES_SAMPLER_ARG") {
            // The default sampler is parentbased_always_on; an argument alone names its ratio.
            if let parsed = Double(argument), parsed >= 0, parsed <= 1 { settings.sampleRatio = parsed }
            else { problems.append("OTEL_TRACES_SAMPLER_ARG: expected a number from 0 to 1, got \"\(argument)\"") }
        }
        if settings.serviceName == nil, let name = value("OTEL_SERVICE_NAME") { settings.serviceName = name }
        // The batch span processor's variables, where the file kept the defaults.
        let defaults = TracingSettings()
        func milliseconds(_ name: String, in range: ClosedRange<Int>) -> Double? {
            guard let text = value(name) else { return nil }
            guard let ms = Int(text), range.contains(ms) else {
                problems.append("\(name): expected milliseconds from \(range.lowerBound) to \(range.upperBound), got \"\(text)\"")
                return nil
            }
            return Double(ms) / 1000
        }
        func count(_ name: String, in range: ClosedRange<Int>) -> Int? {
            guard let text = value(name) else { return nil }
            guard let n = Int(text), range.contains(n) else {
                problems.append("\(name): expected a number from \(range.lowerBound) to \(range.upperBound), got \"\(text)\"")
                return nil
            }
            return n
        }
        if settings.exportInterval == defaults.exportInterval, let s = milliseconds("OTEL_BSP_SCHEDULE_DELAY", in: 10...600_000) { settings.exportInterval = s }
        if settings.exportTimeout == defaults.exportTimeout, let s = milliseconds("OTEL_BSP_EXPORT_TIMEOUT", in: 100...600_000) { settings.exportTimeout = s }
        if settings.queueCapacity == defaults.queueCapacity, let n = count("OTEL_BSP_MAX_QUEUE_SIZE", in: 1...1_000_000) { settings.queueCapacity = n }
        if settings.batchSize == defaults.batchSize, let n = count("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", in: 1...10_000) { settings.batchSize = n }
        if settings.headers == nil, let list = value("OTEL_EXPORTER_OTLP_TRACES_HEADERS") ?? value("OTEL_EXPORTER_OTLP_HEADERS") {
            var headers: [String: Secret] = [:]
            // `key=value` pairs separated by commas, values percent-encoded (W3C Baggage's form).
            for pair in list.split(separator: ",") {
                guard let equals = pair.firstIndex(of: "=") else {
                    problems.append("OTEL_EXPORTER_OTLP_HEADERS: expected key=value pairs separated by commas")
                    continue
                }
                let name = pair[..<equals].trimmingCharacters(in: .whitespaces)
                let raw = pair[pair.index(after: equals)...].trimmingCharacters(in: .whitespaces)
                let text = raw.removingPercentEncoding ?? raw
                // The value is a secret: the problem names the header, never its value.
                if let problem = headerProblem(name: name, value: text) { problems.append("OTEL_EXPORTER_OTLP_HEADERS: \(name): \(problem)") }
                else { headers[name] = Secret(text) }
            }
            settings.headers = headers
        }
    }

    /// A header the exporter may send: a token name, a value without line breaks.
    static func headerProblem(name: String, value: String) -> String? {
        let tokenBytes = name.utf8.allSatisfy { $0 > 0x20 && $0 < 0x7F && !"()<>@,;:\\\"/[]?={}".utf8.contains($0) }
        if name.isEmpty || !tokenBytes { return "not a valid header name" }
        if value.utf8.contains(where: { $0 == 0x0A || $0 == 0x0D || $0 == 0 }) { return "the value must not contain line breaks" }
        return nil
    }
}
