import Foundation

/// SSRF checks on upstream base URLs. Cloud metadata and link-local addresses are refused for
/// every provider; loopback and private ranges only for self-hosted provider types or a provider
/// marked `allow_private_network: true`, so a hosted-provider entry cannot be pointed at an
/// internal service by mistake.
public enum UpstreamURLPolicy {
    public enum AddressClass: Equatable { case publicAddress, loopback, privateNetwork, linkLocal }

    /// Why `url` is not acceptable, or nil.
    public static func problem(with url: String, allowPrivate: Bool) -> String? {
        guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased(),
              let host = components.host, !host.isEmpty
        else { return "'\(url)' is not an absolute URL" }
        guard scheme == "http" || scheme == "https" else { return "'\(url)' must use http or https" }
        guard components.query == nil, components.fragment == nil else { return "'\(url)' must not carry a query or fragment" }
        if components.user != nil || components.password != nil { return "'\(url)' must not embed credentials; use api_key" }
        switch classify(host: host) {
        case .linkLocal:
            return "'\(url)' points at a link-local or cloud-metadata address, which is never allowed"
        case .loopback, .privateNetwork:
            if !allowPrivate { return "'\(url)' points at a private or loopback address; set allow_private_network: true if that is intended" }
        case .publicAddress:
            break
        }
        return nil
    }

    public static func classify(host rawHost: String) -> AddressClass {
        let host = rawHost.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        if host == "localhost" || host.hasSuffix(".localhost") { return .loopback }
        if host == "metadata.google.internal" { return .linkLocal }
        if let octets = ipv4Octets(host) {
            switch (octets[0], octets[1]) {
            case (127, _), (0, _): return .loopback
            case (10, _), (192, 168), (100, 64...127): return .privateNetwork
            case (172, 16...31): return .privateNetwork
            case (169, 254): return .linkLocal
            default: return .publicAddress
            }
        }
        if host.contains(":") {
            if host == "::1" || host == "::" { return .loopback }
            if host.hasPrefix("fe8") || host.hasPrefix("fe9") || host.hasPrefix("fea") || host.hasPrefix("feb") { return .linkLocal }
            if host == "fd00:ec2::254" { return .linkLocal }
            if host.hasPrefix("fc") || host.hasPrefix("fd") { return .privateNetwork }
            if host.hasPrefix("::ffff:"), let mapped = ipv4Octets(String(host.dropFirst(7))) {
                return classify(host: mapped.map(String.init).joined(separator: "."))
            }
        }
        return .publicAddress
    }

    static func ipv4Octets(_ host: String) -> [Int]? {
        let parts = host.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        let octets = parts.compactMap { Int($0) }
        guard octets.count == 4, octets.allSatisfy({ (0...255).contains($0) }) else { return nil }
        return octets
    }
}
