#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import GatewyseEngine
import NIOCore

extension ClientAddress {
    /// A peer's IP address from the socket's raw bytes (no string formatting or parsing);
    /// nil for Unix-domain sockets.
    init?(_ address: SocketAddress?) {
        switch address {
        case .v4(let v4):
            var raw = v4.address.sin_addr
            self.init(bytes: withUnsafeBytes(of: &raw) { Array($0) })
        case .v6(let v6):
            var raw = v6.address.sin6_addr
            self.init(bytes: withUnsafeBytes(of: &raw) { Array($0) })
        default:
            return nil
        }
    }
}
