import GatewyseCore

/// A stored gateway API key: never the key itself, only its SHA-256 digest and display prefix.
/// The digest is unique system-wide.
public struct APIKeyRecord: DomainResource {
    public static let kind = ResourceKind.apiKey
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
    public var scopes: Scopes
    public var rateLimits: RateLimits
    /// CIDR blocks the caller's address must fall in; empty means any address.
    public var allowedCIDRs: [String]
    public var organizationID: String?
    public var departmentID: String?
    /// The user the key acts for (its roles apply when it calls the admin API).
    public var userID: String?
    public var metadata: [String: String]

    public enum Source: String, Sendable, Codable { case config, created }

    /// What the key may call (admin-api.md §4): capabilities by name, and optionally only some
    /// providers and models (empty: any).
    public struct Scopes: Sendable, Equatable, Codable {
        public var capabilities: [String]
        public var providerIDs: [String]
        public var modelIDs: [String]

        public static let defaultCapabilities = ["chat"]

        public init(capabilities: [String] = Scopes.defaultCapabilities, providerIDs: [String] = [], modelIDs: [String] = []) {
            self.capabilities = capabilities
            self.providerIDs = providerIDs
            self.modelIDs = modelIDs
        }

        /// Keys imported from the configuration file, or made by the CLI, predate scopes: they
        /// may use every inference capability.
        public static let unrestricted = Scopes(capabilities: Capability.allCases.map(\.rawValue))
    }

    /// Enforced at admission by `RateLimiter` (GatewyseEngine); 0 or nil means unlimited.
    public struct RateLimits: Sendable, Equatable, Codable {
        public var requestsPerMinute: Int?
        public var requestsPerDay: Int?
        public var tokensPerDay: Int?

        public init(requestsPerMinute: Int? = nil, requestsPerDay: Int? = nil, tokensPerDay: Int? = nil) {
            self.requestsPerMinute = requestsPerMinute
            self.requestsPerDay = requestsPerDay
            self.tokensPerDay = tokensPerDay
        }
    }

    public var uniqueKey: String? { digest.hexString }

    public init(id: String, tenantID: String, name: String, prefix: String, digest: [UInt8], createdAt: Int64,
                expiresAt: Int64? = nil, revokedAt: Int64? = nil, source: Source, scopes: Scopes = .unrestricted,
                rateLimits: RateLimits = RateLimits(), allowedCIDRs: [String] = [], organizationID: String? = nil,
                departmentID: String? = nil, userID: String? = nil, metadata: [String: String] = [:]) {
        self.id = id
        self.tenantID = tenantID
        self.name = name
        self.prefix = prefix
        self.digest = digest
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.revokedAt = revokedAt
        self.source = source
        self.scopes = scopes
        self.rateLimits = rateLimits
        self.allowedCIDRs = allowedCIDRs
        self.organizationID = organizationID
        self.departmentID = departmentID
        self.userID = userID
        self.metadata = metadata
    }

    public func isActive(at now: Int64) -> Bool {
        revokedAt == nil && (expiresAt.map { $0 > now } ?? true)
    }

    /// `active`, `expired` or `revoked` (admin-api.md §4).
    public func status(at now: Int64) -> String {
        if revokedAt != nil { return "revoked" }
        if let expiresAt, expiresAt <= now { return "expired" }
        return "active"
    }

    private enum CodingKeys: String, CodingKey {
        case id, tenantID, name, prefix, digest, createdAt, expiresAt, revokedAt, source, scopes, rateLimits, allowedCIDRs,
             organizationID, departmentID, userID, metadata
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(String.self, forKey: .id)
        tenantID = try c.decode(String.self, forKey: .tenantID)
        name = try c.decode(String.self, forKey: .name)
        prefix = try c.decode(String.self, forKey: .prefix)
        guard let digest = [UInt8](hexString: try c.decode(String.self, forKey: .digest)) else {
            throw DecodingError.dataCorruptedError(forKey: .digest, in: c, debugDescription: "digest is not hex")
        }
        self.digest = digest
        createdAt = try c.decode(Int64.self, forKey: .createdAt)
        expiresAt = try c.decodeIfPresent(Int64.self, forKey: .expiresAt)
        revokedAt = try c.decodeIfPresent(Int64.self, forKey: .revokedAt)
        source = try c.decode(Source.self, forKey: .source)
        scopes = try c.decodeIfPresent(Scopes.self, forKey: .scopes) ?? .unrestricted
        rateLimits = try c.decodeIfPresent(RateLimits.self, forKey: .rateLimits) ?? RateLimits()
        allowedCIDRs = try c.decodeIfPresent([String].self, forKey: .allowedCIDRs) ?? []
        organizationID = try c.decodeIfPresent(String.self, forKey: .organizationID)
        departmentID = try c.decodeIfPresent(String.self, forKey: .departmentID)
        userID = try c.decodeIfPresent(String.self, forKey: .userID)
        metadata = try c.decodeIfPresent([String: String].self, forKey: .metadata) ?? [:]
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(tenantID, forKey: .tenantID)
        try c.encode(name, forKey: .name)
        try c.encode(prefix, forKey: .prefix)
        try c.encode(digest.hexString, forKey: .digest)
        try c.encode(createdAt, forKey: .createdAt)
        try c.encodeIfPresent(expiresAt, forKey: .expiresAt)
        try c.encodeIfPresent(revokedAt, forKey: .revokedAt)
        try c.encode(source, forKey: .source)
        try c.encode(scopes, forKey: .scopes)
        try c.encode(rateLimits, forKey: .rateLimits)
        try c.encode(allowedCIDRs, forKey: .allowedCIDRs)
        try c.encodeIfPresent(organizationID, forKey: .organizationID)
        try c.encodeIfPresent(departmentID, forKey: .departmentID)
        try c.encodeIfPresent(userID, forKey: .userID)
        try c.encode(metadata, forKey: .metadata)
    }
}
