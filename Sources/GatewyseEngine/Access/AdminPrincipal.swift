import GatewyseStorage

/// Who is calling the admin API, once authenticated: a signed-in user (access token) or an API
/// key with the `admin` capability (acting with its user's roles, or as `tenant-admin` of its
/// tenant when bound to no user). The audit actor is always this principal.
public struct AdminPrincipal: Sendable, Equatable {
    /// The tenant the call acts on: the caller's own, or the one a super-admin named with
    /// `X-Tenant-ID` (`SystemScope.tenantID` when a super-admin names none).
    public var tenantID: String
    /// The tenant the caller belongs to (`SystemScope.tenantID` for super-admins).
    public var homeTenantID: String
    public var actorID: String
    public var actorType: ActorType
    /// The user behind the call (the signed-in user, or the key's bound user).
    public var userID: String?
    /// The API key behind the call, when it is one.
    public var keyID: String?
    /// The sign-in session behind an access token (logout revokes it).
    public var sessionID: String?
    public var roles: [String]
    public var permissions: Set<Permission>

    public init(tenantID: String, homeTenantID: String, actorID: String, actorType: ActorType, userID: String? = nil, keyID: String? = nil,
                sessionID: String? = nil, roles: [String], permissions: Set<Permission>) {
        self.tenantID = tenantID
        self.homeTenantID = homeTenantID
        self.actorID = actorID
        self.actorType = actorType
        self.userID = userID
        self.keyID = keyID
        self.sessionID = sessionID
        self.roles = roles
        self.permissions = permissions
    }

    public var isSuperAdmin: Bool { roles.contains(BuiltInRole.superAdmin.rawValue) }

    /// Whether the principal holds the permission, directly or through the permission whose
    /// `:own` variant it is (`keys:read` covers `keys:read:own`).
    public func holds(_ permission: Permission) -> Bool {
        permissions.contains(permission) || permissions.contains { $0.ownVariant == permission }
    }

    /// The first permission of `granted` (sorted, for a stable message) the principal does not hold.
    public func firstMissing(of granted: Set<Permission>) -> Permission? {
        granted.filter { !holds($0) }.sorted { $0.rawValue < $1.rawValue }.first
    }

    /// An audit draft for an action of this principal.
    public func audit(_ action: String, targetType: String, targetID: String, summary: String, time: Int64,
                      tenantID: String? = nil) -> AuditDraft {
        AuditDraft(tenantID: tenantID ?? self.tenantID, time: time, actorID: actorID, actorType: actorType, action: action,
                   targetType: targetType, targetID: targetID, summary: summary)
    }
}

/// Roles → permissions: built-ins from code, custom roles from the tenant's `RoleRecord`s.
/// Unknown slugs grant nothing.
public enum RoleResolver {
    public static func permissions(of roles: [String], customRoles: [RoleRecord]) -> Set<Permission> {
        var granted = Set<Permission>()
        for slug in roles {
            if let builtIn = BuiltInRole(rawValue: slug) {
                granted.formUnion(builtIn.permissions)
            } else if let custom = customRoles.first(where: { $0.id == slug }) {
                granted.formUnion(custom.permissions.compactMap(Permission.init(rawValue:)))
            }
        }
        return granted
    }
}
