#if canImport(Glibc)
import Glibc
#endif
import GatewyseCore
import Logging
import Synchronization

/// swift-log's handler for the gateway: one line per message, JSON (one object per line, for
/// log shippers) or text (for a terminal), handed to a `LogSink` so no caller blocks on output.
/// Metadata is rendered only when a line is written: the data plane tags every request's logger,
/// and most requests never write a line.
public struct GatewayLogHandler: LogHandler {
    public enum Format: Sendable { case json, text }

    let label: String
    let format: Format
    let sink: LogSink
    public var logLevel: Logger.Level
    /// Every request's logger gets `request_id` (the data plane sets it before anything is
    /// known to be logged): kept in a field of its own, so that tagging costs no dictionary.
    private var requestID: Logger.Metadata.Value?
    private var otherMetadata: Logger.Metadata = [:]
    static let requestIDKey = "request_id"

    public var metadata: Logger.Metadata {
        get {
            guard let requestID else { return otherMetadata }
            var all = otherMetadata
            all[Self.requestIDKey] = requestID
            return all
        }
        set {
            var others = newValue
            requestID = others.removeValue(forKey: Self.requestIDKey)
            otherMetadata = others
        }
    }

    public init(label: String, format: Format, level: Logger.Level, sink: LogSink) {
        self.label = label
        self.format = format
        self.logLevel = level
        self.sink = sink
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { key == Self.requestIDKey ? requestID : otherMetadata[key] }
        set {
            if key == Self.requestIDKey { requestID = newValue } else { otherMetadata[key] = newValue }
        }
    }

    public func log(event: LogEvent) {
        var merged = metadata
        if let extra = event.metadata { merged.merge(extra) { _, new in new } }
        var line: [UInt8] = []
        line.reserveCapacity(256)
        switch format {
        case .json:
            LogLine.open(&line, level: event.level.rawValue, label: label)
            LogLine.field(&line, "msg", string: "\(event.message)")
            for (key, value) in merged.sorted(by: { $0.key < $1.key }) where !LogLine.reserved.contains(key) {
                LogLine.field(&line, key, string: "\(value)")
            }
            LogLine.close(&line)
        case .text:
            let rendered = merged.isEmpty ? "" : " " + merged.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
            line.append(contentsOf: "\(LogLine.timestamp()) \(event.level) \(label):\(rendered) \(event.message)\n".utf8)
        }
        sink.write(line)
    }
}

/// Builds one JSON log line without an intermediate dictionary: `{"ts":…,"level":…,"logger":…, …}\n`.
enum LogLine {
    /// Keys the line's frame uses; metadata cannot overwrite them.
    static let reserved: Set<String> = ["ts", "level", "logger", "msg"]

    static func open(_ out: inout [UInt8], level: String, label: String) {
        out.append(contentsOf: #"{"ts":""#.utf8)
        out.append(contentsOf: timestamp().utf8)
        out.append(contentsOf: #"","level":"#.utf8)
        JSONWriter.writeString(level, into: &out)
        out.append(contentsOf: #","logger":"#.utf8)
        JSONWriter.writeString(label, into: &out)
    }

    static func field(_ out: inout [UInt8], _ key: String, string value: String) {
        out.append(UInt8(ascii: ","))
        JSONWriter.writeString(key, into: &out)
        out.append(UInt8(ascii: ":"))
        JSONWriter.writeString(value, into: &out)
    }

    static func field(_ out: inout [UInt8], _ key: String, int value: Int) {
        out.append(UInt8(ascii: ","))
        JSONWriter.writeString(key, into: &out)
        out.append(UInt8(ascii: ":"))
        out.append(contentsOf: String(value).utf8)
    }

    static func field(_ out: inout [UInt8], _ key: String, number value: Double) {
        out.append(UInt8(ascii: ","))
        JSONWriter.writeString(key, into: &out)
        out.append(UInt8(ascii: ":"))
        out.append(contentsOf: (value.isFinite ? String(value) : "null").utf8)
    }

    static func close(_ out: inout [UInt8]) {
        out.append(contentsOf: "}\n".utf8)
    }

    /// UTC, RFC 3339 with milliseconds. The formatted second is cached: `strftime` runs once a
    /// second, not once a line.
    static func timestamp() -> String {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        let second = Int64(spec.tv_sec)
        let prefix = cachedSecond.withLock { cache -> String in
            if cache.second == second { return cache.text }
            var seconds = spec.tv_sec
            var parts = tm()
            gmtime_r(&seconds, &parts)
            var buffer = [Int8](repeating: 0, count: 32)
            let length = strftime(&buffer, buffer.count, "%Y-%m-%dT%H:%M:%S", &parts)
            cache = (second, String(decoding: buffer[..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self))
            return cache.text
        }
        let millis = Int(spec.tv_nsec) / 1_000_000
        let fraction = millis < 10 ? "00\(millis)" : millis < 100 ? "0\(millis)" : "\(millis)"
        return prefix + "." + fraction + "Z"
    }

    private static let cachedSecond = Mutex<(second: Int64, text: String)>((-1, ""))
}
