/// The address a request came from, as the transport saw it: 4 bytes (IPv4) or 16 (IPv6, which
/// includes IPv4-mapped `::ffff:a.b.c.d`). Transports make it once per connection, not per
/// request; the engine checks it against a key's `allowedCidrs`.
public struct ClientAddress: Sendable, Equatable, CustomStringConvertible {
    public let bytes: [UInt8]

    public init?(bytes: [UInt8]) {
        guard bytes.count == 4 || bytes.count == 16 else { return nil }
        self.bytes = bytes
    }

    /// A literal address (`127.0.0.1`, `::1`, `fe80::1%eth0` — the zone is ignored).
    public init?(_ text: String) {
        let unzoned = text.split(separator: "%", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? text
        guard let bytes = CIDRBlock.strictAddress(unzoned) else { return nil }
        self.bytes = bytes
    }

    public var description: String { CIDRBlock(bytes: bytes).description }
}

extension CIDRBlock {
    /// The single-address block of these bytes (for printing).
    init(bytes: [UInt8]) {
        self.init(network: bytes, prefixLength: bytes.count * 8)
    }
}
