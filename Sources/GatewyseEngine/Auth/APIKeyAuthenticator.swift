import GatewyseCore
import GatewyseStorage
import Synchronization

/// Who is calling, once their key checked out.
public struct Principal: Sendable, Equatable {
    public var tenantID: String
    public var keyID: String
    public var keyName: String
}

/// Authenticates gateway API keys from memory (ARCHITECTURE §6: no database round trip per
/// request). Keys are indexed by their 16-character display prefix; the SHA-256 digest of the
/// presented key is then compared in constant time, so the lookup reveals nothing about the
/// secret part.
public final class APIKeyAuthenticator: Sendable {
    private let keysByPrefix = Mutex<[String: [APIKeyRecord]]>([:])
    private let clock: @Sendable () -> Int64

    public init(clock: @escaping @Sendable () -> Int64) {
        self.clock = clock
    }

    /// Replaces the cached keys (at startup and after any key change).
    public func load(_ keys: [APIKeyRecord]) {
        var index: [String: [APIKeyRecord]] = [:]
        for key in keys { index[key.prefix, default: []].append(key) }
        keysByPrefix.withLock { $0 = index }
    }

    /// `Authorization` header value → principal, or the 401 to send.
    public func authenticate(authorization: String?) throws(GatewayError) -> Principal {
        guard let authorization, !authorization.isEmpty else { throw .authRequired }
        var token = Substring(authorization)
        if token.prefix(6).lowercased() == "bearer" { token = token.dropFirst(6) }
        while token.first == " " { token = token.dropFirst() }
        while token.last == " " { token = token.dropLast() }
        return try authenticate(key: String(token))
    }

    public func authenticate(key: String) throws(GatewayError) -> Principal {
        guard !key.isEmpty else { throw .authRequired }
        guard APIKeyMaterial.looksLikeKey(key) else { throw .invalidAPIKey }
        let candidates = keysByPrefix.withLock { $0[APIKeyMaterial.displayPrefix(key)] } ?? []
        let digest = APIKeyMaterial.digest(key)
        let now = clock()
        for record in candidates where ConstantTime.equals(record.digest, digest) {
            guard record.isActive(at: now) else { throw .invalidAPIKey }
            return Principal(tenantID: record.tenantID, keyID: record.id, keyName: record.name)
        }
        throw .invalidAPIKey
    }
}
