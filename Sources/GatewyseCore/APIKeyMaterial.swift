import Crypto

/// Gateway API keys: `aigw_sk_` followed by 48 hex characters (192 random bits). Only the
/// SHA-256 digest and the 16-character display prefix are ever stored (product-spec §2.1).
public enum APIKeyMaterial {
    public static let scheme = "aigw_sk_"
    public static let prefixLength = 16

    /// A new random key. Shown once to whoever created it.
    public static func generate() -> String {
        var generator = SystemRandomNumberGenerator()
        var hex = ""
        hex.reserveCapacity(48)
        for _ in 0..<24 {
            let byte = UInt8.random(in: 0...255, using: &generator)
            hex += String(byte >> 4, radix: 16) + String(byte & 0xF, radix: 16)
        }
        return scheme + hex
    }

    public static func digest(_ key: String) -> [UInt8] {
        // The digest's bytes copied at once: `Array(digest)` iterated them one by one.
        return key.withUTF8Bytes { SHA256.hash(data: UnsafeRawBufferPointer($0)).withUnsafeBytes { Array($0) } }
    }

    /// The part of a key safe to show in lists and logs.
    public static func displayPrefix(_ key: String) -> String { String(key.prefix(prefixLength)) }

    public static func looksLikeKey(_ key: String) -> Bool {
        key.hasPrefix(scheme) && key.utf8.count >= prefixLength
    }
}

extension Array where Element == UInt8 {
    public var hexString: String {
        var s = ""
        s.reserveCapacity(count * 2)
        for byte in self { s += String(byte >> 4, radix: 16) + String(byte & 0xF, radix: 16) }
        return s
    }

    public init?(hexString: String) {
        guard hexString.utf8.count % 2 == 0 else { return nil }
        var bytes: [UInt8] = []
        var iterator = hexString.utf8.makeIterator()
        while let high = iterator.next(), let low = iterator.next() {
            guard let h = UInt8(String(UnicodeScalar(high)), radix: 16), let l = UInt8(String(UnicodeScalar(low)), radix: 16) else { return nil }
            bytes.append(h << 4 | l)
        }
        self = bytes
    }
}
