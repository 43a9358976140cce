#if canImport(Glibc)
import Glibc
#endif
import GatewyseEngine
import NIOCore
import NIOPosix

/// The SSRF check at connect time: a provider's host name is resolved here, every address it
/// resolves to is judged like a literal one (`UpstreamURLPolicy.classify(address:)`), and only
/// the acceptable ones are connected to. A name is only as safe as its answers: a public-looking
/// name that resolves to 10.0.0.5 or 169.254.169.254 is refused unless the provider may reach
/// private networks (link-local never). An address literal was judged by its bytes when the
/// provider was written (configuration or admin API, with the provider's own policy) and cannot
/// resolve to anything else, so it is not judged again.
enum UpstreamAddressCheck {
    struct Refused: Error, CustomStringConvertible {
        var description: String
    }

    /// The addresses to try, in the resolver's order.
    static func addresses(host: String, port: Int, allowPrivate: Bool) async throws -> [SocketAddress] {
        let resolved = try await NIOThreadPool.singleton.runIfActive { try resolve(host: host, port: port) }
        if IPAddressLiteral.bytes(host) != nil { return resolved.map(\.address) }
        let allowed = resolved.filter { UpstreamURLPolicy.problem(with: UpstreamURLPolicy.classify(address: $0.bytes), url: host, allowPrivate: allowPrivate) == nil }
        guard !allowed.isEmpty else {
            throw Refused(description: resolved.isEmpty ? "'\(host)' does not resolve"
                          : "'\(host)' resolves only to addresses this provider may not reach (private, loopback or link-local)")
        }
        return allowed.map(\.address)
    }

    /// getaddrinfo, TCP, both families (blocking: run off the event loops).
    static func resolve(host: String, port: Int) throws -> [(address: SocketAddress, bytes: [UInt8])] {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_protocol = Int32(IPPROTO_TCP)
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, String(port), &hints, &list) == 0, let first = list else {
            throw Refused(description: "'\(host)' does not resolve")
        }
        defer { freeaddrinfo(list) }
        var result: [(SocketAddress, [UInt8])] = []
        var cursor: UnsafeMutablePointer<addrinfo>? = first
        while let entry = cursor {
            defer { cursor = entry.pointee.ai_next }
            guard let raw = entry.pointee.ai_addr else { continue }
            switch Int32(raw.pointee.sa_family) {
            case AF_INET:
                let v4 = raw.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { $0.pointee }
                let bytes = withUnsafeBytes(of: v4.sin_addr) { Array($0) }
                result.append((SocketAddress(v4, host: host), bytes))
            case AF_INET6:
                let v6 = raw.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { $0.pointee }
                let bytes = withUnsafeBytes(of: v6.sin6_addr) { Array($0) }
                result.append((SocketAddress(v6, host: host), bytes))
            default:
                continue
            }
        }
        return result
    }
}
