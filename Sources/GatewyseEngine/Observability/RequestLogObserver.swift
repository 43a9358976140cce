import GatewyseCore
import Logging

/// One log line per inference request, built from its completion event (`logging.requests`):
/// request id, tenant, key id (never the key), route, provider, model, status, outcome,
/// latency, tokens, attempts and error code. Successful requests log at `info`, failed ones at
/// `warning`, so `logging.level: warning` keeps only the failures. The line is handed to the
/// `LogSink`, whose own thread writes it.
public final class RequestLogObserver: CompletionObserver {
    let format: GatewayLogHandler.Format
    let level: Logger.Level
    let sink: LogSink

    public init(format: GatewayLogHandler.Format, level: Logger.Level, sink: LogSink) {
        self.format = format
        self.level = level
        self.sink = sink
    }

    public func requestCompleted(_ event: CompletionEvent) {
        let status = GatewayMetrics.status(of: event.outcome)
        let (failed, outcome, code): (Bool, String, String?) = switch event.outcome {
        case .answered: (false, "answered", nil)
        case .streamFinished: (false, "stream_finished", nil)
        case .failed(_, let failure): (true, "failed", failure)
        case .streamFailed(let failure): (true, "stream_failed", failure)
        case .clientGone: (false, "client_gone", nil)
        }
        let lineLevel: Logger.Level = failed ? .warning : .info
        guard lineLevel >= level else { return }
        sink.write(line(event, level: lineLevel, status: status, outcome: outcome, code: code))
    }

    func line(_ event: CompletionEvent, level: Logger.Level, status: Int, outcome: String, code: String?) -> [UInt8] {
        // Client-supplied names are cut short: a log line is not a place for a megabyte of model name.
        let model = event.requestedModel.map { String(decoding: $0.utf8.prefix(256), as: UTF8.self) }
        let latency = Double(GatewayMetrics.nanoseconds(event.duration) / 1000) / 1000
        var fields: [(String, Any)] = [("request_id", event.requestID), ("route", event.endpoint.rawValue)]
        if let principal = event.principal { fields += [("tenant", principal.tenantID), ("key_id", principal.keyID)] }
        if let provider = event.providerID { fields.append(("provider", provider)) }
        if let model { fields.append(("model", model)) }
        if let upstream = event.upstreamModel { fields.append(("upstream_model", upstream)) }
        fields += [("status", status), ("outcome", outcome), ("latency_ms", latency), ("attempts", event.attempts)]
        if let ttfb = event.timeToFirstByte { fields.append(("ttfb_ms", Double(GatewayMetrics.nanoseconds(ttfb) / 1000) / 1000)) }
        if let usage = event.usage {
            fields += [("input_tokens", usage.promptTokens), ("output_tokens", usage.completionTokens)]
            if event.usageEstimated { fields.append(("usage_estimated", "true")) }
        }
        if let cost = event.cost { fields.append(("cost_usd", Double(cost.nanos) / 1e9)) }
        if let code { fields.append(("error_code", code)) }
        var out: [UInt8] = []
        out.reserveCapacity(384)
        switch format {
        case .json:
            LogLine.open(&out, level: level.rawValue, label: "gatewyse.request")
            LogLine.field(&out, "msg", string: "request")
            for (key, value) in fields {
                switch value {
                case let value as Int: LogLine.field(&out, key, int: value)
                case let value as Double: LogLine.field(&out, key, number: value)
                default: LogLine.field(&out, key, string: "\(value)")
                }
            }
            LogLine.close(&out)
        case .text:
            out.append(contentsOf: "\(LogLine.timestamp()) \(level) gatewyse.request:".utf8)
            for (key, value) in fields { out.append(contentsOf: " \(key)=\(value)".utf8) }
            out.append(contentsOf: " request\n".utf8)
        }
        return out
    }
}
