/// Reads a host as an IP address the way the system's resolver will, so that the SSRF policy
/// sees the address a connection would actually reach, whatever its spelling.
///
/// IPv4 follows `inet_aton` (what `getaddrinfo` applies to numeric hosts): one to four parts
/// separated by dots, each decimal, octal (leading `0`) or hexadecimal (`0x`); the last part
/// fills the remaining bytes — `127.1`, `0x7f.1`, `0177.0.0.1`, `2130706433` and `0x7f000001`
/// are all 127.0.0.1. IPv6 follows RFC 4291 §2.2: eight groups of up to four hex digits, one
/// `::`, an optional dotted IPv4 tail, and a `%zone` suffix, which is ignored.
/// Pure and allocation-light: also used at connect time on resolved addresses' text forms.
public enum IPAddressLiteral {
    /// The 4 or 16 bytes `host` denotes, or nil when it is a name (or nothing valid).
    /// Brackets around IPv6 and one trailing dot (`127.0.0.1.`) are accepted.
    public static func bytes(_ host: String) -> [UInt8]? {
        var text = Substring(host)
        if text.hasPrefix("["), text.hasSuffix("]") { text = text.dropFirst().dropLast() }
        if text.contains(":") { return ipv6(text) }
        if text.hasSuffix(".") { text = text.dropLast() }
        return ipv4(text)
    }

    /// `inet_aton` semantics; nil for anything else (a host name).
    public static func ipv4(_ text: Substring) -> [UInt8]? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard (1...4).contains(parts.count) else { return nil }
        var values: [UInt32] = []
        for part in parts {
            guard let value = number(part) else { return nil }
            values.append(value)
        }
        // Every part but the last is one byte; the last fills the bytes left.
        for value in values.dropLast() where value > 0xFF { return nil }
        let lastBits = 8 * (5 - values.count)
        guard lastBits == 32 || values.last! < UInt32(1) << UInt32(lastBits) else { return nil }
        var address: UInt32 = values.last!
        for (i, value) in values.dropLast().enumerated() { address |= value << UInt32(24 - 8 * i) }
        return [UInt8(address >> 24), UInt8(address >> 16 & 0xFF), UInt8(address >> 8 & 0xFF), UInt8(address & 0xFF)]
    }

    /// One `inet_aton` part: `0x…` hex, `0…` octal, otherwise decimal; nil past 32 bits.
    static func number(_ part: Substring) -> UInt32? {
        guard !part.isEmpty else { return nil }
        var digits = part.utf8[...]
        var radix: UInt64 = 10
        if digits.count >= 2, digits.first == UInt8(ascii: "0"), digits.dropFirst().first.map({ $0 | 0x20 == UInt8(ascii: "x") }) == true {
            radix = 16
            digits = digits.dropFirst(2)
        } else if digits.count >= 2, digits.first == UInt8(ascii: "0") {
            radix = 8
            digits = digits.dropFirst()
        }
        var value: UInt64 = 0
        for byte in digits {
            guard let digit = hexValue(byte), UInt64(digit) < radix else { return nil }
            value = value * radix + UInt64(digit)
            guard value <= UInt64(UInt32.max) else { return nil }
        }
        return UInt32(value)
    }

    /// RFC 4291 text form; nil unless it is one.
    public static func ipv6(_ text: Substring) -> [UInt8]? {
        var text = text
        if let percent = text.firstIndex(of: "%") { text = text[..<percent] }
        var head: [UInt16] = []
        var tail: [UInt16] = []
        var sawGap = false
        var groups = text.split(separator: ":", omittingEmptySubsequences: false)[...]
        // A colon at either end must be half of a "::".
        if groups.first == "", groups.dropFirst().first != "" { return nil }
        if groups.last == "", groups.dropLast().last != "" { return nil }
        // "::" at either end splits into two empty groups there.
        if groups.first == "", groups.dropFirst().first == "" { groups = groups.dropFirst() }
        if groups.last == "", groups.dropLast().last == "" { groups = groups.dropLast() }
        for (i, group) in groups.enumerated() {
            if group.isEmpty {
                guard !sawGap else { return nil }
                sawGap = true
                continue
            }
            if i == groups.count - 1, group.contains(".") {
                guard let v4 = strictIPv4(group) else { return nil }
                let pair = [UInt16(v4[0]) << 8 | UInt16(v4[1]), UInt16(v4[2]) << 8 | UInt16(v4[3])]
                if sawGap { tail += pair } else { head += pair }
                continue
            }
            guard group.utf8.count <= 4 else { return nil }
            var value: UInt16 = 0
            for byte in group.utf8 {
                guard let digit = hexValue(byte) else { return nil }
                value = value << 4 | UInt16(digit)
            }
            if sawGap { tail.append(value) } else { head.append(value) }
        }
        let present = head.count + tail.count
        guard sawGap ? present <= 7 : present == 8 else { return nil }
        let words = head + Array(repeating: 0, count: 8 - present) + tail
        return words.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] }
    }

    /// The dotted tail of an IPv6 address: exactly four decimal parts, as RFC 4291 requires.
    static func strictIPv4(_ text: Substring) -> [UInt8]? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var out: [UInt8] = []
        for part in parts {
            guard (1...3).contains(part.utf8.count), part.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
                  let value = UInt8(part) else { return nil }
            out.append(value)
        }
        return out
    }

    static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case 0x30...0x39: byte - 0x30
        case 0x41...0x46: byte - 0x41 + 10
        case 0x61...0x66: byte - 0x61 + 10
        default: nil
        }
    }
}
