import GatewyseCore
import GatewyseStorage

/// Who is calling the admin API (admin-api.md §2): a signed-in user's access token, or an API
/// key whose scopes hold `admin` (acting with its bound user's roles, or as `tenant-admin`).
/// Admin calls are rare, so this reads the store each time: a revoked session, a suspended
/// user or a changed role takes effect on the next call, on every replica.
public struct AdminAuthenticator: Sendable {
    let store: any ControlPlaneStore
    let tokens: any AccessTokenVerifying
    let clock: @Sendable () -> Int64

    public init(store: any ControlPlaneStore, tokens: any AccessTokenVerifying, clock: @escaping @Sendable () -> Int64 = UnixClock.now) {
        self.store = store
        self.tokens = tokens
        self.clock = clock
    }

    /// `authorization`: the header's value; `tenantHeader`: `X-Tenant-ID`, honoured for
    /// super-admins only (another caller naming another tenant gets 404, as for any resource
    /// of another tenant).
    public func principal(authorization: String?, tenantHeader: String?) async throws -> AdminPrincipal {
        guard let token = Self.bearer(authorization) else { throw GatewayError.authRequired }
        var principal = APIKeyMaterial.looksLikeKey(token) ? try await keyPrincipal(token) : try await userPrincipal(token)
        if let tenantHeader, !tenantHeader.isEmpty, tenantHeader != principal.homeTenantID {
            guard principal.isSuperAdmin, try await store.tenant(id: tenantHeader) != nil else {
                throw GatewayError.resourceNotFound("tenant", tenantHeader)
            }
            principal.tenantID = tenantHeader
        }
        return principal
    }

    private func userPrincipal(_ token: String) async throws -> AdminPrincipal {
        let claims = try await tokens.verify(token)
        guard let user = try await store.get(UserRecord.self, tenantID: claims.tenantID, id: claims.userID) else {
            throw GatewayError.invalidAccessToken
        }
        let now = clock()
        guard user.status == .active, !(user.lockedUntil.map { $0 > now } ?? false) else { throw GatewayError.accountDisabled }
        try await requireActiveTenant(user.tenantID, otherwise: .accountDisabled)
        return AdminPrincipal(tenantID: user.tenantID, homeTenantID: user.tenantID, actorID: user.id, actorType: .user, userID: user.id,
                              sessionID: claims.sessionID, roles: user.roles, permissions: try await permissions(user.roles, tenantID: user.tenantID))
    }

    private func keyPrincipal(_ token: String) async throws -> AdminPrincipal {
        let digest = APIKeyMaterial.digest(token)
        guard let key = try await store.find(APIKeyRecord.self, uniqueKey: digest.hexString),
              ConstantTime.equals(key.digest, digest), key.isActive(at: clock())
        else { throw GatewayError.invalidAPIKey }
        guard key.scopes.capabilities.contains("admin") else { throw GatewayError.capabilityNotAllowed("admin") }
        try await requireActiveTenant(key.tenantID, otherwise: .tenantSuspended)
        var roles = [BuiltInRole.tenantAdmin.rawValue]
        if let userID = key.userID {
            guard let user = try await store.get(UserRecord.self, tenantID: key.tenantID, id: userID), user.status == .active else {
                throw GatewayError.accountDisabled
            }
            roles = user.roles
        }
        return AdminPrincipal(tenantID: key.tenantID, homeTenantID: key.tenantID, actorID: key.id, actorType: .apiKey, userID: key.userID,
                              keyID: key.id, roles: roles, permissions: try await permissions(roles, tenantID: key.tenantID))
    }

    private func requireActiveTenant(_ tenantID: String, otherwise error: GatewayError) async throws {
        guard tenantID != SystemScope.tenantID else { return }
        guard let tenant = try await store.tenant(id: tenantID), tenant.status == .active else { throw error }
    }

    private func permissions(_ roles: [String], tenantID: String) async throws -> Set<Permission> {
        let custom = tenantID == SystemScope.tenantID ? [] : try await store.everything(RoleRecord.self, tenantID: tenantID)
        return RoleResolver.permissions(of: roles, customRoles: custom)
    }

    /// The token of an `Authorization: Bearer …` header (`/api/auth` and `/api/admin` alike).
    public static func bearer(_ header: String?) -> String? {
        guard let header else { return nil }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        let token = parts[1].trimmingCharacters(in: .whitespaces)
        return token.isEmpty ? nil : token
    }
}
