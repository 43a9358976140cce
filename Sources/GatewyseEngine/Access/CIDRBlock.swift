/// An address block of a key's allow-list (`allowedCidrs`): `203.0.113.0/24`, `2001:db8::/32`,
/// or a single address (a full-length prefix). IPv4 clients seen through an IPv4-mapped IPv6
/// socket address (`::ffff:203.0.113.7`) match IPv4 blocks.
public struct CIDRBlock: Sendable, Equatable, CustomStringConvertible {
    public let network: [UInt8]
    public let prefixLength: Int

    /// nil when the text is not an address with an optional in-range prefix length.
    public init?(_ text: String) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), let address = Self.strictAddress(String(parts[0])) else { return nil }
        let maxLength = address.count * 8
        var length = maxLength
        if parts.count == 2 {
            guard !parts[1].isEmpty, parts[1].utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), parts[1].count <= 3,
                  let value = Int(parts[1]), value <= maxLength else { return nil }
            length = value
        }
        network = Self.masked(address, length)
        prefixLength = length
    }

    public var description: String {
        if network.count == 4 { return network.map(String.init).joined(separator: ".") + "/\(prefixLength)" }
        var groups: [String] = []
        for i in stride(from: 0, to: 16, by: 2) { groups.append(String(UInt16(network[i]) << 8 | UInt16(network[i + 1]), radix: 16)) }
        return groups.joined(separator: ":") + "/\(prefixLength)"
    }

    init(network: [UInt8], prefixLength: Int) {
        self.network = network
        self.prefixLength = prefixLength
    }

    /// Whether the address (4 or 16 bytes) falls in the block. Compares in place, without
    /// building a masked copy: it runs per request for keys with an allow-list.
    public func contains(_ address: [UInt8]) -> Bool {
        var offset = 0
        if network.count == 4, address.count == 16 {
            for i in 0..<10 where address[i] != 0 { return false }
            guard address[10] == 0xFF, address[11] == 0xFF else { return false }
            offset = 12
        } else if address.count != network.count {
            return false
        }
        var remaining = prefixLength
        var i = 0
        while remaining > 0 {
            let bits = min(8, remaining)
            let mask = UInt8(truncatingIfNeeded: 0xFF << (8 - bits))
            if address[offset + i] & mask != network[i] { return false }
            remaining -= bits
            i += 1
        }
        return true
    }

    /// Dotted-quad IPv4 or RFC 4291 IPv6 only: allow-lists are written by people, and the
    /// `inet_aton` spellings (`127.1`) would surprise them.
    static func strictAddress(_ text: String) -> [UInt8]? {
        if text.contains(":") { return IPAddressLiteral.ipv6(Substring(text)) }
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var bytes: [UInt8] = []
        for part in parts {
            guard !part.isEmpty, part.count <= 3, part.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), let value = Int(part), value <= 255 else { return nil }
            bytes.append(UInt8(value))
        }
        return bytes
    }

    static func masked(_ address: [UInt8], _ length: Int) -> [UInt8] {
        var result = address
        for i in 0..<result.count {
            let bitsHere = max(0, min(8, length - i * 8))
            result[i] &= bitsHere == 0 ? 0 : UInt8(truncatingIfNeeded: 0xFF << (8 - bitsHere))
        }
        return result
    }
}
