import Foundation

/// SSRF checks on upstream base URLs. Cloud metadata and link-local addresses are refused for
/// every provider; loopback and private ranges only for self-hosted provider types or a provider
/// marked `allow_private_network: true`, so a hosted-provider entry cannot be pointed at an
/// internal service by mistake.
///
/// An address is judged by its bytes, not its spelling: `IPAddressLiteral` reads a host the way
/// the resolver will (`2130706433`, `0x7f.1`, `0177.0.0.1`, `[::ffff:7f00:1]` are all
/// 127.0.0.1), and `classify(address:)` is the same judgement the transport applies at connect
/// time to every address a host name resolves to — a name is only as safe as its answers.
public enum UpstreamURLPolicy {
    public enum AddressClass: Equatable, Sendable { case publicAddress, loopback, privateNetwork, linkLocal }

    /// Why `url` is not acceptable, or nil.
    public static func problem(with url: String, allowPrivate: Bool) -> String? {
        guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased(),
              let host = components.host, !host.isEmpty
        else { return "'\(url)' is not an absolute URL" }
        guard scheme == "http" || scheme == "https" else { return "'\(url)' must use http or https" }
        guard components.query == nil, components.fragment == nil else { return "'\(url)' must not carry a query or fragment" }
        if components.user != nil || components.password != nil { return "'\(url)' must not embed credentials; use api_key" }
        // `127.0.0.%31` decodes to a loopback address here but not in every URL reader.
        if let raw = components.percentEncodedHost, raw.contains("%"), !raw.contains(":") {
            return "'\(url)' must not percent-encode its host"
        }
        return problem(with: classify(host: host), url: url, allowPrivate: allowPrivate)
    }

    /// Why an upstream of this class is not acceptable, or nil; `what` names it in the message.
    public static func problem(with addressClass: AddressClass, url what: String, allowPrivate: Bool) -> String? {
        switch addressClass {
        case .linkLocal:
            return "'\(what)' points at a link-local or cloud-metadata address, which is never allowed"
        case .loopback, .privateNetwork:
            if !allowPrivate { return "'\(what)' points at a private or loopback address; set allow_private_network: true if that is intended" }
        case .publicAddress:
            break
        }
        return nil
    }

    /// A URL's host: a name (judged by the few names known to be internal; its addresses are
    /// judged again at connect time) or an address in any spelling the resolver accepts.
    public static func classify(host rawHost: String) -> AddressClass {
        var host = rawHost.lowercased()
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        if let bytes = IPAddressLiteral.bytes(host) { return classify(address: bytes) }
        // `localhost.` is `localhost`: a trailing dot only makes a name absolute.
        if host.hasSuffix(".") { host.removeLast() }
        if host == "localhost" || host.hasSuffix(".localhost") { return .loopback }
        if metadataNames.contains(host) { return .linkLocal }
        return .publicAddress
    }

    /// Names cloud providers give their metadata services.
    static let metadataNames: Set<String> = ["metadata.google.internal", "metadata.goog", "metadata", "instance-data", "instance-data.ec2.internal"]

    /// The class of a 4-byte IPv4 or 16-byte IPv6 address, as a resolver returns it. Any other
    /// length is not an address and fails closed (`.linkLocal`, never allowed).
    public static func classify(address bytes: [UInt8]) -> AddressClass {
        switch bytes.count {
        case 4: classifyIPv4(bytes[0], bytes[1], bytes[2], bytes[3])
        case 16: classifyIPv6(bytes)
        default: .linkLocal
        }
    }

    static func classifyIPv4(_ a: UInt8, _ b: UInt8, _ c: UInt8, _ d: UInt8) -> AddressClass {
        switch (a, b) {
        case (169, 254): return .linkLocal                      // link-local: every cloud's metadata service
        case (192, 0) where c == 0 && d == 192: return .linkLocal // Oracle Cloud metadata
        case (127, _), (0, _): return .loopback                 // 0.0.0.0/8 reaches this host on Linux
        case (10, _), (192, 168), (172, 16...31): return .privateNetwork
        case (100, 64...127): return .privateNetwork            // carrier-grade NAT (Alibaba metadata: 100.100.100.200)
        case (192, 0) where c == 0, (198, 18...19): return .privateNetwork // IETF protocol assignments, benchmarking
        case (224...255, _): return .privateNetwork             // multicast, reserved, broadcast: never a public server
        default: return .publicAddress
        }
    }

    static func classifyIPv6(_ bytes: [UInt8]) -> AddressClass {
        let firstTen = bytes[0..<10].allSatisfy { $0 == 0 }
        if firstTen, bytes[10] == 0, bytes[11] == 0 {
            // ::, ::1, and IPv4-compatible ::a.b.c.d.
            if bytes[12..<15].allSatisfy({ $0 == 0 }), bytes[15] <= 1 { return .loopback }
            return classifyIPv4(bytes[12], bytes[13], bytes[14], bytes[15])
        }
        // IPv4-mapped ::ffff:a.b.c.d — the socket connects to the IPv4 address.
        if firstTen, bytes[10] == 0xFF, bytes[11] == 0xFF { return classifyIPv4(bytes[12], bytes[13], bytes[14], bytes[15]) }
        // NAT64 64:ff9b::a.b.c.d: a translator forwards to the embedded IPv4 address.
        if bytes[0..<4] == [0x00, 0x64, 0xFF, 0x9B], bytes[4..<12].allSatisfy({ $0 == 0 }) {
            return classifyIPv4(bytes[12], bytes[13], bytes[14], bytes[15])
        }
        // 6to4 2002:AABB:CCDD::: a relay forwards to AA.BB.CC.DD; only that address matters.
        if bytes[0] == 0x20, bytes[1] == 0x02 {
            let embedded = classifyIPv4(bytes[2], bytes[3], bytes[4], bytes[5])
            if embedded != .publicAddress { return embedded }
        }
        // AWS's IPv6 metadata endpoint fd00:ec2::254.
        if bytes == [0xFD, 0x00, 0x0E, 0xC2] + Array(repeating: 0, count: 10) + [0x02, 0x54] { return .linkLocal }
        switch bytes[0] {
        case 0xFE where bytes[1] & 0xC0 == 0x80: return .linkLocal      // fe80::/10
        case 0xFE where bytes[1] & 0xC0 == 0xC0: return .privateNetwork // fec0::/10, site-local (deprecated)
        case 0xFC, 0xFD: return .privateNetwork                         // fc00::/7, unique local
        case 0xFF: return .privateNetwork                               // multicast
        default: return .publicAddress
        }
    }
}
