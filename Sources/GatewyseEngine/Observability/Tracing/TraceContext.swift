/// A W3C Trace Context position (https://www.w3.org/TR/trace-context/): which trace, which span
/// within it, and whether the trace is sampled. Parsed from a client's `traceparent` and
/// formatted into the one sent upstream.
public struct TraceContext: Sendable, Equatable {
    /// 16 bytes, as two big-endian halves (never both zero).
    public var traceID: TraceID
    /// 8 bytes (never zero).
    public var spanID: UInt64
    /// The `sampled` bit of `trace-flags`.
    public var sampled: Bool

    public init(traceID: TraceID, spanID: UInt64, sampled: Bool) {
        self.traceID = traceID
        self.spanID = spanID
        self.sampled = sampled
    }

    /// Parses a `traceparent` header: `00-<32 hex>-<16 hex>-<2 hex>`. Nil for anything the
    /// specification says to ignore (bad length or hex, all-zero ids, version `ff`); a later
    /// version is read by its first four fields, as §3.2.4 asks.
    public init?(traceParent: String) {
        let parsed: TraceContext? = traceParent.withUTF8Bytes { bytes -> TraceContext? in
            guard bytes.count >= 55, bytes[2] == UInt8(ascii: "-"), bytes[35] == UInt8(ascii: "-"), bytes[52] == UInt8(ascii: "-"),
                  let version = Self.hex(bytes, 0, 2), version != 0xFF,
                  // Version 00 is exactly 55 bytes; later versions may append "-…".
                  bytes.count == 55 || (version != 0 && bytes[55] == UInt8(ascii: "-")),
                  let high = Self.hex(bytes, 3, 16), let low = Self.hex(bytes, 19, 16), high != 0 || low != 0,
                  let span = Self.hex(bytes, 36, 16), span != 0, let flags = Self.hex(bytes, 53, 2)
            else { return nil }
            return TraceContext(traceID: TraceID(high: high, low: low), spanID: span, sampled: flags & 1 == 1)
        }
        guard let parsed else { return nil }
        self = parsed
    }

    /// The `traceparent` value naming this position (version 00).
    public var traceParent: String {
        var out: [UInt8] = []
        out.reserveCapacity(55)
        out.append(contentsOf: "00-".utf8)
        HexWriter.append(traceID.high, into: &out)
        HexWriter.append(traceID.low, into: &out)
        out.append(UInt8(ascii: "-"))
        HexWriter.append(spanID, into: &out)
        out.append(contentsOf: (sampled ? "-01" : "-00").utf8)
        return String(decoding: out, as: UTF8.self)
    }

    /// Lower-case hex only: the specification forbids upper case.
    private static func hex(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ count: Int) -> UInt64? {
        var value: UInt64 = 0
        for index in start..<(start + count) {
            let byte = bytes[index]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            default: return nil
            }
            value = value << 4 | UInt64(digit)
        }
        return value
    }
}

/// A 128-bit trace id.
public struct TraceID: Sendable, Hashable {
    public var high: UInt64
    public var low: UInt64

    public init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    /// 32 lower-case hex digits, as OTLP/JSON and `traceparent` write it.
    public var hex: String {
        var out: [UInt8] = []
        out.reserveCapacity(32)
        HexWriter.append(high, into: &out)
        HexWriter.append(low, into: &out)
        return String(decoding: out, as: UTF8.self)
    }
}

/// Fixed-width lower-case hex of 64-bit ids.
enum HexWriter {
    private static let digits = Array("0123456789abcdef".utf8)

    static func append(_ value: UInt64, into out: inout [UInt8]) {
        for shift in stride(from: 60, through: 0, by: -4) { out.append(digits[Int((value >> UInt64(shift)) & 0xF)]) }
    }

    static func string(_ value: UInt64) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(16)
        append(value, into: &out)
        return String(decoding: out, as: UTF8.self)
    }
}
