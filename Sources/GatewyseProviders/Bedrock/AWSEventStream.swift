import GatewyseCore

/// One message of the AWS event-stream binary framing (`application/vnd.amazon.eventstream`),
/// which Bedrock's ConverseStream uses instead of SSE. Only string-valued headers are kept: the
/// ones Bedrock sends (`:event-type`, `:message-type`, `:exception-type`, `:content-type`) are
/// all strings; headers of other types are read past.
public struct AWSEventStreamMessage: Sendable, Equatable {
    public var headers: [String: String]
    public var payload: [UInt8]

    public init(headers: [String: String], payload: [UInt8]) {
        self.headers = headers
        self.payload = payload
    }
}

/// The framing, both ways. A message is:
///
///     total length (4, big endian) · headers length (4) · prelude CRC32 (4, over the first 8)
///     headers · payload · message CRC32 (4, over everything before it)
///
/// and a header is name length (1) · name · value type (1) · value, where a string (type 7) or
/// byte array (6) value is length (2) · bytes and the other types have fixed sizes.
public enum AWSEventStream {
    /// Largest message accepted; AWS documents 16 MB payloads at most.
    static let maximumMessageBytes = 16 * 1024 * 1024 + 128 * 1024
    static let preludeBytes = 12

    public static func encode(headers: [(String, String)], payload: [UInt8]) -> [UInt8] {
        var headerBytes: [UInt8] = []
        for (name, value) in headers {
            headerBytes.append(UInt8(name.utf8.count))
            headerBytes += name.utf8
            headerBytes.append(7)
            appendBigEndian(UInt16(value.utf8.count), to: &headerBytes)
            headerBytes += value.utf8
        }
        let total = preludeBytes + headerBytes.count + payload.count + 4
        var out: [UInt8] = []
        out.reserveCapacity(total)
        appendBigEndian(UInt32(total), to: &out)
        appendBigEndian(UInt32(headerBytes.count), to: &out)
        appendBigEndian(CRC32.checksum(out[0..<8]), to: &out)
        out += headerBytes
        out += payload
        appendBigEndian(CRC32.checksum(out[...]), to: &out)
        return out
    }

    static func appendBigEndian<T: FixedWidthInteger>(_ value: T, to out: inout [UInt8]) {
        var big = value.bigEndian
        withUnsafeBytes(of: &big) { out.append(contentsOf: $0) }
    }
}

/// Reads event-stream messages from bytes split anywhere (ARCHITECTURE rule 5). A wrong CRC or
/// an impossible length is a corrupt stream: the provider (or something between) broke it, so it
/// is reported, never guessed around.
public struct AWSEventStreamDecoder: Sendable {
    private var buffer: [UInt8] = []
    private var start = 0

    public init() {}

    public mutating func feed(_ bytes: [UInt8]) throws(GatewayError) -> [AWSEventStreamMessage] {
        buffer += bytes
        var messages: [AWSEventStreamMessage] = []
        while buffer.count - start >= AWSEventStream.preludeBytes {
            let total = Int(readUInt32(at: start))
            let headersLength = Int(readUInt32(at: start + 4))
            guard readUInt32(at: start + 8) == CRC32.checksum(buffer[start..<start + 8]) else { throw corrupt("prelude checksum mismatch") }
            guard total >= AWSEventStream.preludeBytes + 4 + headersLength, total <= AWSEventStream.maximumMessageBytes else {
                throw corrupt("impossible message length \(total)")
            }
            guard buffer.count - start >= total else { break }
            let end = start + total
            guard readUInt32(at: end - 4) == CRC32.checksum(buffer[start..<end - 4]) else { throw corrupt("message checksum mismatch") }
            let headersStart = start + AWSEventStream.preludeBytes
            let headers = try readHeaders(headersStart..<headersStart + headersLength)
            messages.append(AWSEventStreamMessage(headers: headers, payload: Array(buffer[headersStart + headersLength..<end - 4])))
            start = end
        }
        // Drop consumed bytes once they dominate, not on every message.
        if start > 0, start >= buffer.count / 2 {
            buffer.removeFirst(start)
            start = 0
        }
        return messages
    }

    private func readUInt32(at i: Int) -> UInt32 {
        UInt32(buffer[i]) << 24 | UInt32(buffer[i + 1]) << 16 | UInt32(buffer[i + 2]) << 8 | UInt32(buffer[i + 3])
    }

    private func readHeaders(_ range: Range<Int>) throws(GatewayError) -> [String: String] {
        var headers: [String: String] = [:]
        var i = range.lowerBound
        func need(_ count: Int) throws(GatewayError) {
            guard i + count <= range.upperBound else { throw corrupt("truncated header") }
        }
        while i < range.upperBound {
            try need(1)
            let nameLength = Int(buffer[i])
            i += 1
            try need(nameLength + 1)
            let name = String(decoding: buffer[i..<i + nameLength], as: UTF8.self)
            i += nameLength
            let type = buffer[i]
            i += 1
            switch type {
            case 0, 1: break                               // boolean true / false: no value bytes
            case 2: try need(1); i += 1                    // byte
            case 3: try need(2); i += 2                    // short
            case 4: try need(4); i += 4                    // integer
            case 5, 8: try need(8); i += 8                 // long, timestamp
            case 9: try need(16); i += 16                  // uuid
            case 6, 7:                                     // byte array, string
                try need(2)
                let length = Int(buffer[i]) << 8 | Int(buffer[i + 1])
                i += 2
                try need(length)
                if type == 7 { headers[name] = String(decoding: buffer[i..<i + length], as: UTF8.self) }
                i += length
            default:
                throw corrupt("unknown header value type \(type)")
            }
        }
        return headers
    }

    private func corrupt(_ detail: String) -> GatewayError {
        GatewayError(status: 502, code: "UPSTREAM_BAD_RESPONSE", type: "api_error", message: "Corrupt AWS event stream: \(detail)")
    }
}

/// CRC-32 (IEEE 802.3, the zlib polynomial), as the event-stream framing uses it.
enum CRC32 {
    static let table: [UInt32] = (0..<256).map { n in
        var c = UInt32(n)
        for _ in 0..<8 { c = c & 1 == 1 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        return c
    }

    static func checksum(_ bytes: ArraySlice<UInt8>) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes { crc = table[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8) }
        return crc ^ 0xFFFF_FFFF
    }
}
