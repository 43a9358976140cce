import GatewyseCore
import GatewyseStorage

/// Who is calling, once their key checked out.
public struct Principal: Sendable, Equatable {
    public var tenantID: String
    public var keyID: String
    public var keyName: String

    public init(tenantID: String, keyID: String, keyName: String) {
        self.tenantID = tenantID
        self.keyID = keyID
        self.keyName = keyName
    }
}

/// Authenticates gateway API keys from memory (ARCHITECTURE §6: no database round trip per
/// request). Immutable: part of `RuntimeSnapshot`, rebuilt and swapped when keys change. Keys
/// are indexed by their 16-character display prefix; the SHA-256 digest of the presented key is
/// then compared in constant time, so the lookup reveals nothing about the secret part.
public struct APIKeyAuthenticator: Sendable {
    private let keysByPrefix: [String: [APIKeyRecord]]

    public init(keys: [APIKeyRecord] = []) {
        var index: [String: [APIKeyRecord]] = [:]
        for key in keys { index[key.prefix, default: []].append(key) }
        keysByPrefix = index
    }

    /// The credentials of a request → principal, or the 401 to send. `x-api-key` (Anthropic's
    /// SDKs) wins over `Authorization` when both are present.
    public func authenticate(_ credentials: Credentials, now: Int64) throws(GatewayError) -> Principal {
        if let key = credentials.apiKey { return try authenticate(key: key, now: now) }
        return try authenticate(authorization: credentials.authorization, now: now)
    }

    /// `Authorization` header value → principal, or the 401 to send.
    public func authenticate(authorization: String?, now: Int64) throws(GatewayError) -> Principal {
        guard let authorization, !authorization.isEmpty else { throw .authRequired }
        var token = Substring(authorization)
        if token.prefix(6).lowercased() == "bearer" { token = token.dropFirst(6) }
        while token.first == " " { token = token.dropFirst() }
        while token.last == " " { token = token.dropLast() }
        return try authenticate(key: String(token), now: now)
    }

    public func authenticate(key: String, now: Int64) throws(GatewayError) -> Principal {
        guard !key.isEmpty else { throw .authRequired }
        guard APIKeyMaterial.looksLikeKey(key) else { throw .invalidAPIKey }
        let candidates = keysByPrefix[APIKeyMaterial.displayPrefix(key)] ?? []
        let digest = APIKeyMaterial.digest(key)
        for record in candidates where ConstantTime.equals(record.digest, digest) {
            guard record.isActive(at: now) else { throw .invalidAPIKey }
            return Principal(tenantID: record.tenantID, keyID: record.id, keyName: record.name)
        }
        throw .invalidAPIKey
    }
}
