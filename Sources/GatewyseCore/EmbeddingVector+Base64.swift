// MARK: - OpenAI's base64 vectors
//
// `encoding_format: "base64"` answers carry each vector as the base64 of its little-endian
// IEEE-754 float32 bytes; the official SDKs send that format by default and decode it with
// `numpy.frombuffer(..., dtype="float32")` (little-endian on every platform they run on). The
// gateway must produce it for upstreams that only return numbers (Gemini), and read it back for
// a client that asked for numbers from an upstream that sent base64.

extension EmbeddingVector {
    /// The vector as OpenAI's base64 string (float32, little-endian). A `.base64` vector is
    /// returned as received: it already is that encoding.
    public var base64String: String {
        switch self {
        case .base64(let text):
            return text
        case .floats(let values):
            var bytes: [UInt8] = []
            bytes.reserveCapacity(values.count * 4)
            for value in values {
                // Shifting out the low byte first writes little-endian on any host.
                let bits = Float(value).bitPattern
                bytes.append(UInt8(truncatingIfNeeded: bits))
                bytes.append(UInt8(truncatingIfNeeded: bits >> 8))
                bytes.append(UInt8(truncatingIfNeeded: bits >> 16))
                bytes.append(UInt8(truncatingIfNeeded: bits >> 24))
            }
            return Float32Base64.encode(bytes)
        }
    }

    /// The vector as numbers, or nil when a `.base64` vector is not valid base64 of whole
    /// float32s. Decoded values are the float32s widened to `Double`.
    public var floatValues: [Double]? {
        switch self {
        case .floats(let values):
            return values
        case .base64(let text):
            guard let bytes = Float32Base64.decode(text), bytes.count % 4 == 0 else { return nil }
            var values: [Double] = []
            values.reserveCapacity(bytes.count / 4)
            var i = 0
            while i < bytes.count {
                let bits = UInt32(bytes[i]) | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2]) << 16 | UInt32(bytes[i + 3]) << 24
                values.append(Double(Float(bitPattern: bits)))
                i += 4
            }
            return values
        }
    }
}

/// RFC 4648 base64 with the standard alphabet and `=` padding, as OpenAI writes it.
enum Float32Base64 {
    private static let alphabet: [UInt8] = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
    private static let values: [UInt8] = {
        var table = [UInt8](repeating: 0xFF, count: 256)
        for (i, byte) in alphabet.enumerated() { table[Int(byte)] = UInt8(i) }
        return table
    }()

    static func encode(_ bytes: [UInt8]) -> String {
        var out: [UInt8] = []
        out.reserveCapacity((bytes.count + 2) / 3 * 4)
        var i = 0
        while i + 3 <= bytes.count {
            let n = UInt32(bytes[i]) << 16 | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2])
            out.append(alphabet[Int(n >> 18 & 63)])
            out.append(alphabet[Int(n >> 12 & 63)])
            out.append(alphabet[Int(n >> 6 & 63)])
            out.append(alphabet[Int(n & 63)])
            i += 3
        }
        switch bytes.count - i {
        case 1:
            let n = UInt32(bytes[i]) << 16
            out += [alphabet[Int(n >> 18 & 63)], alphabet[Int(n >> 12 & 63)], UInt8(ascii: "="), UInt8(ascii: "=")]
        case 2:
            let n = UInt32(bytes[i]) << 16 | UInt32(bytes[i + 1]) << 8
            out += [alphabet[Int(n >> 18 & 63)], alphabet[Int(n >> 12 & 63)], alphabet[Int(n >> 6 & 63)], UInt8(ascii: "=")]
        default:
            break
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The bytes, or nil for anything but padded standard base64.
    static func decode(_ text: String) -> [UInt8]? {
        let input = Array(text.utf8)
        guard input.count % 4 == 0 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(input.count / 4 * 3)
        var i = 0
        while i < input.count {
            let last = i + 4 == input.count
            let padding = last ? (input[i + 3] == UInt8(ascii: "=") ? (input[i + 2] == UInt8(ascii: "=") ? 2 : 1) : 0) : 0
            var n: UInt32 = 0
            for j in 0..<4 {
                let byte = input[i + j]
                if j >= 4 - padding {
                    n <<= 6
                    continue
                }
                let value = values[Int(byte)]
                guard value != 0xFF else { return nil }
                n = n << 6 | UInt32(value)
            }
            out.append(UInt8(truncatingIfNeeded: n >> 16))
            if padding < 2 { out.append(UInt8(truncatingIfNeeded: n >> 8)) }
            if padding < 1 { out.append(UInt8(truncatingIfNeeded: n)) }
            i += 4
        }
        return out
    }
}
