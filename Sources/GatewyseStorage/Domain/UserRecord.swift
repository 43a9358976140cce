/// A person who signs in to the admin API and dashboard. Users of a tenant carry its id;
/// super-admins belong to the system scope. The e-mail is unique system-wide (sign-in names no
/// tenant).
public struct UserRecord: DomainResource {
    public static let kind = ResourceKind.user
    public var id: String
    public var tenantID: String
    public var email: String
    public var name: String
    /// Argon2id, PHC string (`$argon2id$v=19$…`); nil for users who only sign in through SSO.
    public var passwordHash: String?
    /// Role slugs: built-in or the tenant's custom roles.
    public var roles: [String]
    public var organizationID: String?
    public var departmentID: String?
    public var status: Status
    /// Unix seconds of the failed sign-ins in the current lockout window.
    public var failedLogins: [Int64]
    public var lockedUntil: Int64?
    public var lastLoginAt: Int64?
    public var createdAt: Int64

    public enum Status: String, Sendable, Codable, CaseIterable { case active, inactive, suspended, locked }

    public var uniqueKey: String? { Self.uniqueKey(email: email) }

    public static func uniqueKey(email: String) -> String { email.lowercased() }

    public init(id: String, tenantID: String, email: String, name: String, passwordHash: String?, roles: [String],
                organizationID: String? = nil, departmentID: String? = nil, status: Status = .active,
                failedLogins: [Int64] = [], lockedUntil: Int64? = nil, lastLoginAt: Int64? = nil, createdAt: Int64) {
        self.id = id
        self.tenantID = tenantID
        self.email = email
        self.name = name
        self.passwordHash = passwordHash
        self.roles = roles
        self.organizationID = organizationID
        self.departmentID = departmentID
        self.status = status
        self.failedLogins = failedLogins
        self.lockedUntil = lockedUntil
        self.lastLoginAt = lastLoginAt
        self.createdAt = createdAt
    }
}

/// A tenant's custom role: a named set of permissions from the catalogue. Built-in roles live
/// in code and are never stored.
public struct RoleRecord: DomainResource {
    public static let kind = ResourceKind.role
    /// The slug.
    public var id: String
    public var tenantID: String
    public var name: String
    public var permissions: [String]
    public var createdAt: Int64

    public init(id: String, tenantID: String, name: String, permissions: [String], createdAt: Int64) {
        self.id = id
        self.tenantID = tenantID
        self.name = name
        self.permissions = permissions
        self.createdAt = createdAt
    }
}

/// One admin sign-in: the family of refresh tokens rotated from one login. Only the digest of
/// the current refresh secret is kept; presenting any other secret of the family (a used one)
/// revokes the family. Logout revokes it too, and access tokens name it (`sid`), so a revoked
/// session stops its access tokens on every replica.
public struct SessionRecord: DomainResource {
    public static let kind = ResourceKind.session
    public var id: String
    public var tenantID: String
    public var userID: String
    /// SHA-256 hex of the current refresh secret.
    public var refreshDigest: String
    public var expiresAt: Int64
    public var revokedAt: Int64?
    public var createdAt: Int64

    public init(id: String, tenantID: String, userID: String, refreshDigest: String, expiresAt: Int64, revokedAt: Int64? = nil, createdAt: Int64) {
        self.id = id
        self.tenantID = tenantID
        self.userID = userID
        self.refreshDigest = refreshDigest
        self.expiresAt = expiresAt
        self.revokedAt = revokedAt
        self.createdAt = createdAt
    }

    public func isActive(at now: Int64) -> Bool { revokedAt == nil && expiresAt > now }

    /// Session ids are random and unique system-wide: a refresh token (`<session id>.<secret>`)
    /// names no tenant, so the session is found by its id alone.
    public var uniqueKey: String? { Self.uniqueKey(id: id) }

    public static func uniqueKey(id: String) -> String { "session:" + id }
}
