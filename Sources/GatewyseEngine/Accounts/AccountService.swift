import Crypto
import GatewyseCore
import GatewyseStorage
import Synchronization

/// Admin sign-in, sessions and passwords (admin-api.md §3), without HTTP: the `/api/auth` routes
/// and the CLI call these.
///
/// - Sign-in answers the same 401 for an unknown e-mail and a wrong password, after the same
///   Argon2id work (an unknown e-mail is verified against a dummy hash).
/// - `maxFailedLogins` failures within `failureWindow` lock the account for `lockoutDuration`
///   (`UserRecord.failedLogins`, `lockedUntil`); `maxFailedLoginsPerAddress` failures from one
///   client address within the same window refuse that address for a while (`LoginThrottle`).
/// - A session is one refresh-token family. The refresh token is `<session id>.<secret>`; only
///   the SHA-256 of the current secret is stored. Each refresh rotates it (a conditional update,
///   so of two concurrent refreshes one wins); presenting any other secret of a live session
///   revokes the session (a stolen, used token was replayed).
/// - Every security event is audited in the same commit as the change it describes; summaries
///   never carry a password, a token or a hash (nor an unknown e-mail, which could be a password
///   typed in the wrong field).
public final class AccountService: Sendable {
    public let settings: AccountSettings
    public let tokens: AccessTokenService
    let store: any ControlPlaneStore
    let hasher: PasswordHasher
    /// Unix milliseconds.
    let clock: @Sendable () -> Int64
    private let dummyHash = Mutex<String?>(nil)
    /// Failed sign-ins per client address (password spraying).
    let throttle: LoginThrottle

    public init(store: any ControlPlaneStore, hasher: PasswordHasher, tokens: AccessTokenService, settings: AccountSettings = AccountSettings(),
                clock: @escaping @Sendable () -> Int64 = UnixClock.milliseconds) {
        self.store = store
        self.hasher = hasher
        self.tokens = tokens
        self.settings = settings
        self.clock = clock
        self.throttle = LoginThrottle(limit: settings.maxFailedLoginsPerAddress, window: settings.failureWindow)
    }

    /// Computes the dummy hash now, so that the first sign-in with an unknown e-mail costs the
    /// same as any other.
    public func prepare() async throws {
        _ = try await dummy()
    }

    // MARK: - Sign-in

    public func login(email: String, password: String, clientAddress: String?) async throws -> SignIn {
        guard let address = clientAddress, !address.isEmpty else {
            return try await checkPassword(email: email, password: password, clientAddress: clientAddress)
        }
        if let retry = throttle.retryAfter(address, now: seconds) {
            throw GatewayError.tooManySignIns(retryAfterSeconds: Int(retry))
        }
        do {
            return try await checkPassword(email: email, password: password, clientAddress: clientAddress)
        } catch let error as GatewayError where error.code == GatewayError.invalidCredentials.code || error.status == 423 {
            throttle.recordFailure(address, now: seconds)
            throw error
        }
    }

    private func checkPassword(email: String, password: String, clientAddress: String?) async throws -> SignIn {
        let from = Self.describe(clientAddress)
        guard let stored = try await store.fetch(.user, uniqueKey: UserRecord.uniqueKey(email: email)),
              let user = try? UserRecord(stored: stored)
        else {
            _ = try await hasher.verify(password, against: try await dummy())
            try await store.append(audit: systemDraft("auth.login_failed", summary: "Failed sign-in: unknown e-mail\(from)."))
            throw GatewayError.invalidCredentials
        }
        let now = seconds
        if let retry = lockRemaining(user, now: now) {
            try await store.append(audit: draft(user, "auth.login_failed", targetType: "user", targetID: user.id,
                                                summary: "Failed sign-in: account locked\(from)."))
            throw GatewayError.accountLocked(retryAfterSeconds: Int(retry))
        }
        let encoded = if let hash = user.passwordHash { hash } else { try await dummy() }
        let matches = try await hasher.verify(password, against: encoded) && user.passwordHash != nil
        guard matches else {
            try await recordFailure(user, action: "auth.login_failed", what: "Failed sign-in: wrong password\(from)")
        }
        guard try await isEnabled(user) else {
            try await store.append(audit: draft(user, "auth.login_failed", targetType: "user", targetID: user.id,
                                                summary: "Failed sign-in: account or tenant disabled\(from)."))
            throw GatewayError.accountDisabled
        }
        return try await openSession(user, action: "auth.login", summary: "Signed in\(from).")
    }

    /// Opens a session for a user who proved who it is (password or identity provider): a new
    /// refresh-token family, the failure counters cleared, the sign-in audited.
    func openSession(_ user: UserRecord, action: String, summary: String) async throws -> SignIn {
        let now = seconds
        let secret = Self.newSecret()
        let session = SessionRecord(id: "ses_" + IDGenerator.hex(bytes: 16), tenantID: user.tenantID, userID: user.id,
                                    refreshDigest: Self.digest(secret), expiresAt: now + min(settings.refreshIdleLifetime, settings.sessionMaxLifetime),
                                    createdAt: now)
        // Sessions of this user that can no longer be used are removed as it signs in again, so
        // they do not pile up.
        let stale = try await store.everything(SessionRecord.self, tenantID: user.tenantID)
            .filter { $0.userID == user.id && !$0.isActive(at: now) }
        let signedIn = try await updateUser(user) { user in
            user.failedLogins = []
            user.lockedUntil = nil
            if user.status == .locked { user.status = .active }
            user.lastLoginAt = now
            return (changes: [try .insert(session, at: now)] + stale.map { .delete($0) },
                    audit: [self.draft(user, action, targetType: "session", targetID: session.id, summary: summary)])
        }
        return try await signIn(signedIn, session: session, secret: secret)
    }

    /// Exchanges a refresh token for a new access token and a new refresh token.
    public func refresh(_ refreshToken: String, clientAddress: String?) async throws -> SignIn {
        guard let (sessionID, secret) = Self.parseRefreshToken(refreshToken),
              let stored = try await store.fetch(.session, uniqueKey: SessionRecord.uniqueKey(id: sessionID)),
              var session = try? SessionRecord(stored: stored)
        else { throw GatewayError.invalidAccessToken }
        let now = seconds
        guard session.isActive(at: now), session.createdAt + settings.sessionMaxLifetime > now else { throw GatewayError.invalidAccessToken }
        guard ConstantTime.equals(Array(Self.digest(secret).utf8), Array(session.refreshDigest.utf8)) else {
            // Not the current secret of a live session: an old one replayed, by its owner or by
            // whoever stole it. Either way the family is no longer trustworthy.
            session.revokedAt = now
            try await store.commit([try .update(session, at: now)], audit: [AuditDraft(
                tenantID: session.tenantID, time: clock(), actorID: session.userID, actorType: .user, action: "auth.refresh_reuse",
                targetType: "session", targetID: session.id,
                summary: "A used refresh token was presented\(Self.describe(clientAddress)): the session was revoked.")])
            throw GatewayError.invalidAccessToken
        }
        guard let user = try await store.get(UserRecord.self, tenantID: session.tenantID, id: session.userID) else {
            throw GatewayError.invalidAccessToken
        }
        guard try await isEnabled(user), lockRemaining(user, now: now) == nil else { throw GatewayError.accountDisabled }
        let newSecret = Self.newSecret()
        session.refreshDigest = Self.digest(newSecret)
        session.expiresAt = min(now + settings.refreshIdleLifetime, session.createdAt + settings.sessionMaxLifetime)
        do {
            try await store.commit([try .update(session, at: now, expectedVersion: stored.version)])
        } catch StoreError.conflict {
            // Another refresh with the same token won the race.
            throw GatewayError.invalidAccessToken
        }
        return try await signIn(user, session: session, secret: newSecret)
    }

    /// Revokes the session of the access token: its refresh token and every access token of it
    /// stop working on every replica (verification reads the session).
    public func logout(_ claims: AccessClaims) async throws {
        guard var session = try await store.get(SessionRecord.self, tenantID: claims.tenantID, id: claims.sessionID),
              session.revokedAt == nil
        else { return }
        let now = seconds
        session.revokedAt = now
        try await store.commit([try .update(session, at: now)], audit: [AuditDraft(
            tenantID: session.tenantID, time: clock(), actorID: claims.userID, actorType: .user, action: "auth.logout",
            targetType: "session", targetID: session.id, summary: "Signed out.")])
    }

    /// The signed-in user, its tenant (nil for a super-admin), roles and permissions.
    public func me(_ claims: AccessClaims) async throws -> AccountOverview {
        guard let user = try await store.get(UserRecord.self, tenantID: claims.tenantID, id: claims.userID) else {
            throw GatewayError.invalidAccessToken
        }
        let tenant = user.tenantID == SystemScope.tenantID ? nil : try await store.tenant(id: user.tenantID)
        let customRoles = try await store.everything(RoleRecord.self, tenantID: user.tenantID)
        let permissions = RoleResolver.permissions(of: user.roles, customRoles: customRoles)
        return AccountOverview(user: user, tenant: tenant, roles: user.roles,
                               permissions: permissions.map(\.rawValue).sorted())
    }

    /// Changes the signed-in user's password. The current one is required (a wrong one counts
    /// as a failed sign-in); the new one must pass the policy and differ. Every other session of
    /// the user is revoked (whoever knew the old password is signed out); the calling one stays.
    public func changePassword(_ claims: AccessClaims, currentPassword: String, newPassword: String) async throws {
        try PasswordPolicy.check(newPassword, field: "newPassword")
        guard newPassword != currentPassword else {
            throw GatewayError.invalidField("newPassword", "The new password must differ from the current one.")
        }
        guard let user = try await store.get(UserRecord.self, tenantID: claims.tenantID, id: claims.userID) else {
            throw GatewayError.invalidAccessToken
        }
        let now = seconds
        if let retry = lockRemaining(user, now: now) { throw GatewayError.accountLocked(retryAfterSeconds: Int(retry)) }
        guard let hash = user.passwordHash, try await hasher.verify(currentPassword, against: hash) else {
            try await recordFailure(user, action: "auth.password_change_failed", what: "Password change refused: wrong current password",
                                    error: GatewayError.invalidField("currentPassword", "The current password is wrong."))
        }
        let newHash = try await hasher.hash(newPassword)
        let others = try await store.everything(SessionRecord.self, tenantID: user.tenantID)
            .filter { $0.userID == user.id && $0.id != claims.sessionID && $0.isActive(at: now) }
        _ = try await updateUser(user) { user in
            user.passwordHash = newHash
            let revoked = others.map { session -> ResourceChange in
                var session = session
                session.revokedAt = now
                return (try? .update(session, at: now)) ?? .delete(session)
            }
            return (changes: revoked, audit: [self.draft(user, "auth.password_change", targetType: "user", targetID: user.id,
                                                         summary: "Password changed; \(others.count) other session(s) revoked.")])
        }
    }

    // MARK: - Helpers

    var seconds: Int64 { clock() / 1000 }

    /// Seconds until the account unlocks, or nil when it is not locked.
    func lockRemaining(_ user: UserRecord, now: Int64) -> Int64? {
        if let until = user.lockedUntil, until > now { return until - now }
        // `locked` set by an administrator: until one unlocks it.
        if user.status == .locked && user.lockedUntil == nil { return settings.lockoutDuration }
        return nil
    }

    /// Active user of an active tenant (or a super-admin).
    func isEnabled(_ user: UserRecord) async throws -> Bool {
        guard user.status == .active || user.status == .locked else { return false }
        if user.tenantID == SystemScope.tenantID { return true }
        guard let tenant = try await store.tenant(id: user.tenantID) else { return false }
        return tenant.status == .active
    }

    /// Counts a failed password against the user, locking the account at the limit, audits it,
    /// and throws: `error` (401 invalid credentials by default), or 423 when this failure locked it.
    func recordFailure(_ user: UserRecord, action: String, what: String,
                       error: GatewayError = .invalidCredentials) async throws -> Never {
        let now = seconds
        var locked = false
        _ = try await updateUser(user) { user in
            user.failedLogins = user.failedLogins.filter { $0 > now - self.settings.failureWindow } + [now]
            var audit = [self.draft(user, action, targetType: "user", targetID: user.id,
                                    summary: "\(what) (\(user.failedLogins.count) within \(self.settings.failureWindow / 60) min).")]
            if user.failedLogins.count >= self.settings.maxFailedLogins {
                locked = true
                user.lockedUntil = now + self.settings.lockoutDuration
                user.failedLogins = []
                audit.append(self.draft(user, "auth.lockout", targetType: "user", targetID: user.id,
                                        summary: "Account locked for \(self.settings.lockoutDuration / 60) min after \(self.settings.maxFailedLogins) failed attempts."))
            }
            return (changes: [], audit: audit)
        }
        throw locked ? GatewayError.accountLocked(retryAfterSeconds: Int(settings.lockoutDuration)) : error
    }

    /// Re-reads the user, applies `change` and commits it with the extra changes and audit it
    /// returns, on the version read: a concurrent writer (another sign-in attempt) makes it read
    /// and apply again, so no failure is lost.
    func updateUser(_ user: UserRecord,
                    _ change: (inout UserRecord) throws -> (changes: [ResourceChange], audit: [AuditDraft])) async throws -> UserRecord {
        for _ in 0..<8 {
            guard let stored = try await store.fetch(.user, tenantID: user.tenantID, id: user.id) else {
                throw GatewayError.invalidCredentials
            }
            var current = try UserRecord(stored: stored)
            let (changes, audit) = try change(&current)
            do {
                try await store.commit([try .update(current, at: seconds, expectedVersion: stored.version)] + changes, audit: audit)
                return current
            } catch StoreError.conflict {
                continue
            }
        }
        throw GatewayError.internalError("The account is being changed concurrently; try again.")
    }

    func signIn(_ user: UserRecord, session: SessionRecord, secret: String) async throws -> SignIn {
        let (token, claims) = try await tokens.issue(userID: user.id, tenantID: user.tenantID, sessionID: session.id)
        return SignIn(accessToken: token, refreshToken: session.id + "." + secret, expiresIn: tokens.lifetime, user: user, claims: claims)
    }

    func draft(_ user: UserRecord, _ action: String, targetType: String, targetID: String, summary: String) -> AuditDraft {
        AuditDraft(tenantID: user.tenantID, time: clock(), actorID: user.id, actorType: .user, action: action,
                   targetType: targetType, targetID: targetID, summary: summary)
    }

    func systemDraft(_ action: String, summary: String) -> AuditDraft {
        AuditDraft(tenantID: SystemScope.tenantID, time: clock(), actorID: "system", actorType: .system, action: action,
                   targetType: "user", targetID: "", summary: summary)
    }

    private func dummy() async throws -> String {
        if let hash = dummyHash.withLock({ $0 }) { return hash }
        let hash = try await hasher.hash(PasswordPolicy.generate())
        dummyHash.withLock { $0 = $0 ?? hash }
        return hash
    }

    /// ` from <address>` for summaries (the socket's peer address: not client-controlled text).
    static func describe(_ clientAddress: String?) -> String {
        guard let clientAddress, !clientAddress.isEmpty else { return "" }
        return " from " + String(clientAddress.prefix(64).filter { $0.isASCII && !$0.isWhitespace })
    }

    static func newSecret() -> String {
        Base64URL.encode(MasterKey.randomBytes(32))
    }

    static func digest(_ secret: String) -> String {
        Array(SHA256.hash(data: Array(secret.utf8))).hexString
    }

    static func parseRefreshToken(_ token: String) -> (sessionID: String, secret: String)? {
        guard token.utf8.count <= 256, let dot = token.firstIndex(of: ".") else { return nil }
        let sessionID = String(token[..<dot])
        let secret = String(token[token.index(after: dot)...])
        guard sessionID.hasPrefix("ses_"), !secret.isEmpty else { return nil }
        return (sessionID, secret)
    }
}

/// What a successful sign-in or refresh answers.
public struct SignIn: Sendable {
    public var accessToken: String
    /// `<session id>.<secret>`: shown to the client only, never stored.
    public var refreshToken: String
    /// Seconds the access token lives.
    public var expiresIn: Int64
    public var user: UserRecord
    public var claims: AccessClaims
}

/// `GET /api/auth/me`.
public struct AccountOverview: Sendable {
    public var user: UserRecord
    /// Nil for a super-admin (system scope).
    public var tenant: Tenant?
    public var roles: [String]
    /// Permission names, sorted.
    public var permissions: [String]
}
