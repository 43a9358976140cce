import GatewyseCore

/// Encodes spans as an OTLP/HTTP JSON `ExportTraceServiceRequest` (opentelemetry-proto's JSON
/// mapping, as the OTLP specification's "JSON Protobuf Encoding" fixes it): trace and span ids
/// as lower-case hex (not base64), `fixed64` timestamps and `int64` values as decimal strings,
/// enums as integers, field names in lowerCamelCase, fields at their default value left out.
/// One resource (the process: `service.name`, `service.version`, `service.instance.id`), one
/// instrumentation scope (`gatewyse`).
public struct OTLPTraceEncoder: Sendable {
    public var resource: [SpanAttribute]
    public static let scopeName = "gatewyse"

    public init(serviceName: String, serviceVersion: String? = nil, instanceID: String? = nil) {
        var resource: [SpanAttribute] = [.string("service.name", serviceName)]
        if let serviceVersion { resource.append(.string("service.version", serviceVersion)) }
        if let instanceID { resource.append(.string("service.instance.id", instanceID)) }
        resource.append(.string("telemetry.sdk.name", "gatewyse"))
        resource.append(.string("telemetry.sdk.language", "swift"))
        self.resource = resource
    }

    public func encode(_ spans: [SpanRecord]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(256 + spans.count * 900)
        out.append(contentsOf: #"{"resourceSpans":[{"resource":{"attributes":"#.utf8)
        Self.writeAttributes(resource, into: &out)
        out.append(contentsOf: #"},"scopeSpans":[{"scope":{"name":"#.utf8)
        JSONWriter.writeString(Self.scopeName, into: &out)
        out.append(contentsOf: #"},"spans":["#.utf8)
        for (index, span) in spans.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            Self.writeSpan(span, into: &out)
        }
        out.append(contentsOf: "]}]}]}".utf8)
        return out
    }

    static func writeSpan(_ span: SpanRecord, into out: inout [UInt8]) {
        out.append(contentsOf: #"{"traceId":""#.utf8)
        HexWriter.append(span.traceID.high, into: &out)
        HexWriter.append(span.traceID.low, into: &out)
        out.append(contentsOf: #"","spanId":""#.utf8)
        HexWriter.append(span.spanID, into: &out)
        out.append(UInt8(ascii: "\""))
        if span.parentSpanID != 0 {
            out.append(contentsOf: #","parentSpanId":""#.utf8)
            HexWriter.append(span.parentSpanID, into: &out)
            out.append(UInt8(ascii: "\""))
        }
        if let state = span.traceState {
            out.append(contentsOf: #","traceState":"#.utf8)
            JSONWriter.writeString(state, into: &out)
        }
        out.append(contentsOf: #","name":"#.utf8)
        JSONWriter.writeString(span.name, into: &out)
        out.append(contentsOf: #","kind":"#.utf8)
        out.append(contentsOf: String(span.kind.rawValue).utf8)
        out.append(contentsOf: #","startTimeUnixNano":""#.utf8)
        out.append(contentsOf: String(span.startUnixNanos).utf8)
        out.append(contentsOf: #"","endTimeUnixNano":""#.utf8)
        out.append(contentsOf: String(span.endUnixNanos).utf8)
        out.append(contentsOf: #"","attributes":"#.utf8)
        writeAttributes(span.attributes, into: &out)
        // STATUS_CODE_ERROR = 2; an unset status is the default and is left out.
        if case .error(let message) = span.status {
            out.append(contentsOf: #","status":{"code":2,"message":"#.utf8)
            JSONWriter.writeString(message, into: &out)
            out.append(UInt8(ascii: "}"))
        }
        out.append(UInt8(ascii: "}"))
    }

    static func writeAttributes(_ attributes: [SpanAttribute], into out: inout [UInt8]) {
        out.append(UInt8(ascii: "["))
        for (index, attribute) in attributes.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            out.append(contentsOf: #"{"key":"#.utf8)
            JSONWriter.writeString(attribute.key, into: &out)
            out.append(contentsOf: #","value":"#.utf8)
            writeValue(attribute.value, into: &out)
            out.append(UInt8(ascii: "}"))
        }
        out.append(UInt8(ascii: "]"))
    }

    /// OTLP's `AnyValue`: exactly one of its fields.
    static func writeValue(_ value: SpanAttribute.Value, into out: inout [UInt8]) {
        switch value {
        case .string(let string):
            out.append(contentsOf: #"{"stringValue":"#.utf8)
            JSONWriter.writeString(string, into: &out)
        case .int(let int):
            out.append(contentsOf: #"{"intValue":""#.utf8)
            out.append(contentsOf: String(int).utf8)
            out.append(UInt8(ascii: "\""))
        case .double(let double):
            // JSON has no NaN or infinity; protobuf's JSON mapping spells them as strings.
            out.append(contentsOf: #"{"doubleValue":"#.utf8)
            if double.isNaN { out.append(contentsOf: #""NaN""#.utf8) }
            else if double.isInfinite { out.append(contentsOf: (double > 0 ? #""Infinity""# : #""-Infinity""#).utf8) }
            else { out.append(contentsOf: "\(double)".utf8) }
        case .bool(let bool):
            out.append(contentsOf: #"{"boolValue":"#.utf8)
            out.append(contentsOf: (bool ? "true" : "false").utf8)
        case .stringArray(let strings):
            out.append(contentsOf: #"{"arrayValue":{"values":["#.utf8)
            for (index, string) in strings.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                out.append(contentsOf: #"{"stringValue":"#.utf8)
                JSONWriter.writeString(string, into: &out)
                out.append(UInt8(ascii: "}"))
            }
            out.append(contentsOf: "]}".utf8)
        }
        out.append(UInt8(ascii: "}"))
    }
}
