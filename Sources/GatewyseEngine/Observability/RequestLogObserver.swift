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
        var out = LogLineWriter(format: format)
        out.open(level: level, label: "gatewyse.request", message: "request")
        out.field("request_id", event.requestID)
        out.field("route", event.endpoint.rawValue)
        if let principal = event.principal {
            out.field("tenant", principal.tenantID)
            out.field("key_id", principal.keyID)
        }
        if let provider = event.providerID { out.field("provider", provider) }
        // Client-supplied names are cut short: a log line is not a place for a megabyte of model name.
        if let model = event.requestedModel { out.field("model", model.utf8.count <= 256 ? model : String(decoding: model.utf8.prefix(256), as: UTF8.self)) }
        if let upstream = event.upstreamModel { out.field("upstream_model", upstream) }
        out.field("status", int: status)
        out.field("outcome", outcome)
        out.field("latency_ms", milliseconds: event.duration)
        out.field("attempts", int: event.attempts)
        if let ttfb = event.timeToFirstByte { out.field("ttfb_ms", milliseconds: ttfb) }
        if let usage = event.usage {
            out.field("input_tokens", int: usage.promptTokens)
            out.field("output_tokens", int: usage.completionTokens)
            if event.usageEstimated { out.field("usage_estimated", "true") }
        }
        if let cost = event.cost { out.field("cost_usd", number: Double(cost.nanos) / 1e9) }
        if let code { out.field("error_code", code) }
        return out.finish(message: "request")
    }
}

/// One line, JSON or text, written straight into its bytes (no dictionary, no boxing).
struct LogLineWriter {
    let format: GatewayLogHandler.Format
    private(set) var bytes: [UInt8] = []

    init(format: GatewayLogHandler.Format) {
        self.format = format
        bytes.reserveCapacity(384)
    }

    mutating func open(level: Logger.Level, label: String, message: String) {
        switch format {
        case .json:
            LogLine.open(&bytes, level: level.rawValue, label: label)
            LogLine.field(&bytes, "msg", string: message)
        case .text:
            bytes.append(contentsOf: LogLine.timestamp().utf8)
            bytes.append(UInt8(ascii: " "))
            bytes.append(contentsOf: level.rawValue.utf8)
            bytes.append(UInt8(ascii: " "))
            bytes.append(contentsOf: label.utf8)
            bytes.append(UInt8(ascii: ":"))
        }
    }

    mutating func field(_ key: String, _ value: String) {
        switch format {
        case .json: LogLine.field(&bytes, key, string: value)
        case .text: text(key, value)
        }
    }

    mutating func field(_ key: String, int value: Int) {
        switch format {
        case .json: LogLine.field(&bytes, key, int: value)
        case .text: text(key, String(value))
        }
    }

    mutating func field(_ key: String, number value: Double) {
        switch format {
        case .json: LogLine.field(&bytes, key, number: value)
        case .text: text(key, String(value))
        }
    }

    /// Milliseconds with microsecond precision.
    mutating func field(_ key: String, milliseconds duration: Duration) {
        field(key, number: Double(GatewayMetrics.nanoseconds(duration) / 1000) / 1000)
    }

    private mutating func text(_ key: String, _ value: String) {
        bytes.append(UInt8(ascii: " "))
        bytes.append(contentsOf: key.utf8)
        bytes.append(UInt8(ascii: "="))
        bytes.append(contentsOf: value.utf8)
    }

    mutating func finish(message: String) -> [UInt8] {
        switch format {
        case .json: LogLine.close(&bytes)
        case .text:
            bytes.append(UInt8(ascii: " "))
            bytes.append(contentsOf: message.utf8)
            bytes.append(UInt8(ascii: "\n"))
        }
        return bytes
    }
}
