/// One finished span, as the exporter encodes it (OTLP's `Span`, without events and links,
/// which the gateway does not record). Built off the request's hot path only for sampled
/// requests; the encoding to OTLP/JSON happens on the exporter's task (`OTLPTraceEncoder`).
public struct SpanRecord: Sendable, Equatable {
    /// OTLP's `SpanKind`: the request span is the gateway serving (`server`), an attempt the
    /// gateway calling an upstream (`client`).
    public enum Kind: Int, Sendable {
        case server = 2
        case client = 3
    }

    /// OTLP's `Status`: `error` with the gateway's error code as message, else unset (the
    /// conventions leave a success unset).
    public enum Status: Sendable, Equatable {
        case unset
        case error(String)
    }

    public var traceID: TraceID
    public var spanID: UInt64
    /// 0 for a root span.
    public var parentSpanID: UInt64
    /// The client's `tracestate`, carried on unchanged.
    public var traceState: String?
    public var name: String
    public var kind: Kind
    public var startUnixNanos: UInt64
    public var endUnixNanos: UInt64
    public var attributes: [SpanAttribute]
    public var status: Status

    public init(traceID: TraceID, spanID: UInt64, parentSpanID: UInt64, traceState: String? = nil, name: String, kind: Kind,
                startUnixNanos: UInt64, endUnixNanos: UInt64, attributes: [SpanAttribute], status: Status = .unset) {
        self.traceID = traceID
        self.spanID = spanID
        self.parentSpanID = parentSpanID
        self.traceState = traceState
        self.name = name
        self.kind = kind
        self.startUnixNanos = startUnixNanos
        self.endUnixNanos = endUnixNanos
        self.attributes = attributes
        self.status = status
    }
}

/// A span attribute: OTLP's `KeyValue` with the value types the gateway records.
public struct SpanAttribute: Sendable, Equatable {
    public enum Value: Sendable, Equatable {
        case string(String)
        case int(Int64)
        case double(Double)
        case bool(Bool)
        case stringArray([String])
    }

    public var key: String
    public var value: Value

    public init(_ key: String, _ value: Value) {
        self.key = key
        self.value = value
    }

    public static func string(_ key: String, _ value: String) -> SpanAttribute { SpanAttribute(key, .string(value)) }
    public static func int(_ key: String, _ value: Int) -> SpanAttribute { SpanAttribute(key, .int(Int64(value))) }
}
