import GatewyseCore

/// A customer of the gateway; every other record belongs to one (product-spec §7.1).
public struct Tenant: Sendable, Equatable {
    public var id: String
    public var name: String
    /// Unix seconds.
    public var createdAt: Int64

    public init(id: String, name: String, createdAt: Int64) {
        self.id = id
        self.name = name
        self.createdAt = createdAt
    }
}

/// A stored gateway API key: never the key itself, only its SHA-256 digest and display prefix.
public struct APIKeyRecord: Sendable, Equatable {
    public var id: String
    public var tenantID: String
    public var name: String
    /// First 16 characters (`aigw_sk_` + 8 hex), shown in lists and used to find the record.
    public var prefix: String
    /// SHA-256 of the full key.
    public var digest: [UInt8]
    public var createdAt: Int64
    public var expiresAt: Int64?
    public var revokedAt: Int64?
    /// Where the key came from: `config` keys are re-imported at every start.
    public var source: Source

    public enum Source: String, Sendable { case config, created }

    public init(id: String, tenantID: String, name: String, prefix: String, digest: [UInt8], createdAt: Int64,
                expiresAt: Int64? = nil, revokedAt: Int64? = nil, source: Source) {
        self.id = id
        self.tenantID = tenantID
        self.name = name
        self.prefix = prefix
        self.digest = digest
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.revokedAt = revokedAt
        self.source = source
    }

    public func isActive(at now: Int64) -> Bool {
        revokedAt == nil && (expiresAt.map { $0 > now } ?? true)
    }
}
