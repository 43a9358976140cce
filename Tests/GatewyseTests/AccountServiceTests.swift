import Foundation
@testable import GatewyseEngine
import GatewyseCore
import GatewyseStorage
import Testing

@Suite("Accounts: sign-in, lockout, refresh rotation, logout, password change")
struct AccountServiceTests {
    static let email = "ops@acme.test"

    static func login(_ fixture: AccountsFixture, _ password: String = AccountsFixture.password, email: String = email) async throws -> SignIn {
        try await fixture.accounts.login(email: email, password: password, clientAddress: "192.0.2.7")
    }

    @Test("sign-in: tokens, a session, lastLoginAt, audited on the tenant's chain; e-mail case-insensitive")
    func signIn() async throws {
        let fixture = AccountsFixture()
        let user = try await fixture.makeUser(Self.email)
        let signIn = try await Self.login(fixture, email: "OPS@acme.test")
        #expect(signIn.expiresIn == 900)
        #expect(signIn.refreshToken.hasPrefix(signIn.claims.sessionID + "."))
        let session = try #require(try await fixture.store.get(SessionRecord.self, tenantID: "acme", id: signIn.claims.sessionID))
        #expect(session.userID == user.id)
        #expect(!session.refreshDigest.isEmpty && !signIn.refreshToken.contains(session.refreshDigest))
        #expect(try await fixture.user(user).lastLoginAt == fixture.now)
        let entry = try #require(try await fixture.store.auditEntries(chain: "acme").last)
        #expect(entry.action == "auth.login")
        #expect(entry.actorID == user.id && entry.actorType == "user")
        #expect(entry.summary.contains("192.0.2.7"))
    }

    @Test("unknown e-mail and wrong password: the same 401, after the same hashing work; unknown e-mails are audited as system")
    func sameFailure() async throws {
        let fixture = AccountsFixture()
        try await fixture.makeUser(Self.email)
        let before = fixture.runner.calls.load(ordering: .relaxed)
        let unknown = await gatewayError { _ = try await Self.login(fixture, email: "nobody@acme.test") }
        let afterUnknown = fixture.runner.calls.load(ordering: .relaxed)
        let wrong = await gatewayError { _ = try await Self.login(fixture, "Wrong-Password-1") }
        let afterWrong = fixture.runner.calls.load(ordering: .relaxed)
        #expect(unknown == .invalidCredentials)
        #expect(wrong == .invalidCredentials)
        // The dummy hash is made once (prepare() does it at startup); then one verification each.
        #expect(afterWrong - afterUnknown == 1)
        #expect(afterUnknown - before >= 1)
        let system = try #require(try await fixture.store.auditEntries(chain: AuditChain.system).last)
        #expect(system.action == "auth.login_failed" && system.actorID == "system" && system.actorType == "system")
        #expect(!system.summary.contains("nobody"))
        let tenant = try #require(try await fixture.store.auditEntries(chain: "acme").last)
        #expect(tenant.action == "auth.login_failed" && tenant.actorType == "user")
    }

    @Test("5 failures in 15 minutes lock the account for 15 minutes (423 with Retry-After), then it opens again")
    func lockout() async throws {
        let fixture = AccountsFixture()
        let user = try await fixture.makeUser(Self.email)
        for _ in 0..<4 {
            #expect(await gatewayError { _ = try await Self.login(fixture, "Wrong-Password-1") } == .invalidCredentials)
            fixture.advance(seconds: 60)
        }
        let locking = await gatewayError { _ = try await Self.login(fixture, "Wrong-Password-1") }
        #expect(locking?.code == "ACCOUNT_LOCKED" && locking?.status == 423)
        #expect(try await fixture.user(user).lockedUntil == fixture.now + 900)
        fixture.advance(seconds: 600)
        let locked = await gatewayError { _ = try await Self.login(fixture) }
        #expect(locked == .accountLocked(retryAfterSeconds: 300))
        #expect(locked?.headers.first?.0 == "retry-after" && locked?.headers.first?.1 == "300")
        fixture.advance(seconds: 300)
        let signIn = try await Self.login(fixture)
        #expect(signIn.user.failedLogins.isEmpty && signIn.user.lockedUntil == nil)
        let actions = try await fixture.store.auditEntries(chain: "acme").map(\.action)
        #expect(actions.filter { $0 == "auth.lockout" }.count == 1)
        #expect(actions.last == "auth.login")
    }

    @Test("failures older than the window do not count, and a success resets them")
    func lockoutWindow() async throws {
        let fixture = AccountsFixture()
        let user = try await fixture.makeUser(Self.email)
        for _ in 0..<4 { _ = await gatewayError { _ = try await Self.login(fixture, "Wrong-Password-1") } }
        fixture.advance(seconds: 901)
        #expect(await gatewayError { _ = try await Self.login(fixture, "Wrong-Password-1") } == .invalidCredentials)
        #expect(try await fixture.user(user).failedLogins.count == 1)
        for _ in 0..<3 { _ = await gatewayError { _ = try await Self.login(fixture, "Wrong-Password-1") } }
        _ = try await Self.login(fixture)
        #expect(try await fixture.user(user).failedLogins.isEmpty)
        for _ in 0..<4 { _ = await gatewayError { _ = try await Self.login(fixture, "Wrong-Password-1") } }
        #expect(try await fixture.user(user).lockedUntil == nil)
    }

    @Test("one address failing across many accounts is refused (429 with Retry-After) before any password is checked; others are not")
    func perAddressThrottle() async throws {
        var settings = AccountSettings()
        settings.maxFailedLoginsPerAddress = 6
        let fixture = AccountsFixture(settings: settings)
        try await fixture.makeUser(Self.email)
        // Password spraying: one wrong password over many accounts, none of which locks.
        for i in 0..<6 {
            #expect(await gatewayError { _ = try await Self.login(fixture, "Spring-2026-Pass!", email: "user\(i)@acme.test") } == .invalidCredentials)
            fixture.advance(seconds: 10)
        }
        let before = fixture.runner.calls.load(ordering: .relaxed)
        let refused = await gatewayError { _ = try await Self.login(fixture) }
        #expect(refused?.status == 429 && refused?.code == "TOO_MANY_SIGN_IN_ATTEMPTS")
        let retry = try #require(refused?.headers.first { $0.0 == "retry-after" }.flatMap { Int($0.1) })
        #expect(retry == Int(settings.failureWindow) - 60, "until the oldest failure leaves the window")
        #expect(fixture.runner.calls.load(ordering: .relaxed) == before, "no password was hashed")
        // Another address signs in; this one again once the window has passed.
        _ = try await fixture.accounts.login(email: Self.email, password: AccountsFixture.password, clientAddress: "198.51.100.9")
        fixture.advance(seconds: Int64(retry))
        _ = try await Self.login(fixture)
    }

    @Test("concurrent wrong passwords all count (no lost update)")
    func concurrentFailures() async throws {
        let fixture = AccountsFixture(settings: { var s = AccountSettings(); s.maxFailedLogins = 100; return s }())
        let user = try await fixture.makeUser(Self.email)
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<6 { group.addTask { _ = await gatewayError { _ = try await Self.login(fixture, "Wrong-Password-1") } } }
        }
        #expect(try await fixture.user(user).failedLogins.count == 6)
    }

    @Test("inactive or suspended users and users of a suspended tenant: 403 ACCOUNT_DISABLED, but only with the right password")
    func disabled() async throws {
        let fixture = AccountsFixture()
        var user = try await fixture.makeUser(Self.email)
        for status in [UserRecord.Status.inactive, .suspended] {
            user = try await fixture.user(user)
            user.status = status
            try await fixture.store.commit([.update(user, at: fixture.now)])
            #expect(await gatewayError { _ = try await Self.login(fixture) } == .accountDisabled)
            #expect(await gatewayError { _ = try await Self.login(fixture, "Wrong-Password-1") } == .invalidCredentials)
        }
        user = try await fixture.user(user)
        user.status = .active
        try await fixture.store.commit([.update(user, at: fixture.now)])
        let signIn = try await Self.login(fixture)
        var tenant = try #require(try await fixture.store.tenant(id: "acme"))
        tenant.status = .suspended
        try await fixture.store.commit([.update(tenant, at: fixture.now)])
        #expect(await gatewayError { _ = try await Self.login(fixture) } == .accountDisabled)
        #expect(await gatewayError { _ = try await fixture.accounts.refresh(signIn.refreshToken, clientAddress: nil) } == .accountDisabled)
    }

    @Test("refresh rotates; a used refresh token revokes the whole session, access tokens included")
    func refreshRotationAndReuse() async throws {
        let fixture = AccountsFixture()
        try await fixture.makeUser(Self.email)
        let first = try await Self.login(fixture)
        fixture.advance(seconds: 60)
        let second = try await fixture.accounts.refresh(first.refreshToken, clientAddress: nil)
        #expect(second.refreshToken != first.refreshToken)
        #expect(second.claims.sessionID == first.claims.sessionID)
        #expect(second.accessToken != first.accessToken)
        let third = try await fixture.accounts.refresh(second.refreshToken, clientAddress: nil)
        _ = try await fixture.tokens.verify(third.accessToken)

        // The first token again: reuse.
        #expect(await gatewayError { _ = try await fixture.accounts.refresh(first.refreshToken, clientAddress: "198.51.100.9") } == .invalidAccessToken)
        #expect(await gatewayError { _ = try await fixture.accounts.refresh(third.refreshToken, clientAddress: nil) } == .invalidAccessToken)
        #expect(await gatewayError { _ = try await fixture.tokens.verify(third.accessToken) } == .invalidAccessToken)
        let reuse = try #require(try await fixture.store.auditEntries(chain: "acme").last)
        #expect(reuse.action == "auth.refresh_reuse" && reuse.targetID == first.claims.sessionID)

        for garbage in ["", "ses_nope.secret", "nodot", "ses_x.", first.claims.sessionID + ".wrong"] {
            #expect(await gatewayError { _ = try await fixture.accounts.refresh(garbage, clientAddress: nil) } == .invalidAccessToken)
        }
    }

    @Test("a session ends after its idle lifetime without refresh")
    func refreshIdle() async throws {
        let fixture = AccountsFixture()
        try await fixture.makeUser(Self.email)
        let signIn = try await Self.login(fixture)
        fixture.advance(seconds: 7 * 86_400)
        #expect(await gatewayError { _ = try await fixture.accounts.refresh(signIn.refreshToken, clientAddress: nil) } == .invalidAccessToken)
    }

    @Test("of concurrent refreshes with one token, exactly one wins (in memory and SQLite)", arguments: ["memory", "sqlite"])
    func concurrentRefresh(backend: String) async throws {
        let fixture = backend == "sqlite" ? try AccountsFixture.sqlite() : AccountsFixture()
        try await fixture.makeUser(Self.email)
        let signIn = try await Self.login(fixture)
        let outcomes = await withTaskGroup(of: Bool.self) { group in
            for _ in 0..<8 {
                group.addTask { (try? await fixture.accounts.refresh(signIn.refreshToken, clientAddress: nil)) != nil }
            }
            return await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(outcomes.filter { $0 }.count == 1)
    }

    @Test("logout revokes the session: its access and refresh tokens stop working")
    func logout() async throws {
        let fixture = AccountsFixture()
        try await fixture.makeUser(Self.email)
        let signIn = try await Self.login(fixture)
        let other = try await Self.login(fixture)
        try await fixture.accounts.logout(try await fixture.tokens.verify(signIn.accessToken))
        #expect(await gatewayError { _ = try await fixture.tokens.verify(signIn.accessToken) } == .invalidAccessToken)
        #expect(await gatewayError { _ = try await fixture.accounts.refresh(signIn.refreshToken, clientAddress: nil) } == .invalidAccessToken)
        _ = try await fixture.tokens.verify(other.accessToken)
        #expect(try await fixture.store.auditEntries(chain: "acme").contains { $0.action == "auth.logout" })
    }

    @Test("password change: policy, current password required, other sessions revoked, this one kept")
    func changePassword() async throws {
        let fixture = AccountsFixture()
        try await fixture.makeUser(Self.email)
        let mine = try await Self.login(fixture)
        let elsewhere = try await Self.login(fixture)
        let claims = try await fixture.tokens.verify(mine.accessToken)
        let weak = await gatewayError { try await fixture.accounts.changePassword(claims, currentPassword: AccountsFixture.password, newPassword: "short") }
        #expect(weak?.code == "INVALID_FIELD" && weak?.param == "newPassword")
        let wrong = await gatewayError { try await fixture.accounts.changePassword(claims, currentPassword: "Wrong-Password-1", newPassword: "New-Password-42!") }
        #expect(wrong?.code == "INVALID_FIELD" && wrong?.param == "currentPassword")
        try await fixture.accounts.changePassword(claims, currentPassword: AccountsFixture.password, newPassword: "New-Password-42!")
        _ = try await fixture.tokens.verify(mine.accessToken)
        #expect(await gatewayError { _ = try await fixture.tokens.verify(elsewhere.accessToken) } == .invalidAccessToken)
        #expect(await gatewayError { _ = try await Self.login(fixture) } == .invalidCredentials)
        _ = try await Self.login(fixture, "New-Password-42!")
        let actions = try await fixture.store.auditEntries(chain: "acme").map(\.action)
        #expect(actions.contains("auth.password_change") && actions.contains("auth.password_change_failed"))
    }

    @Test("me: user, tenant, roles and permissions (custom roles resolved)")
    func me() async throws {
        let fixture = AccountsFixture()
        try await fixture.makeTenant("acme")
        try await fixture.store.commit([.insert(RoleRecord(id: "billing", tenantID: "acme", name: "Billing", permissions: ["usage:read", "bogus"],
                                                           createdAt: fixture.now), at: fixture.now)])
        try await fixture.makeUser(Self.email, roles: ["billing", "user"])
        let overview = try await fixture.accounts.me(try await fixture.tokens.verify(try await Self.login(fixture).accessToken))
        #expect(overview.tenant?.id == "acme")
        #expect(overview.roles == ["billing", "user"])
        #expect(overview.permissions == ["keys:read:own", "keys:write:own", "models:read", "routes:read", "usage:read", "usage:read:own"])

        try await fixture.makeUser("root@gatewyse.test", roles: ["super-admin"], tenantID: nil)
        let root = try await fixture.accounts.me(try await fixture.tokens.verify(try await Self.login(fixture, email: "root@gatewyse.test").accessToken))
        #expect(root.tenant == nil)
        #expect(root.permissions.count == Permission.allCases.count)
        // A super-admin's events go to the system chain.
        #expect(try await fixture.store.auditEntries(chain: AuditChain.system).last?.action == "auth.login")
    }

    @Test("user creation: tenant must exist, roles must exist, policy applies, e-mails are unique")
    func createUser() async throws {
        let fixture = AccountsFixture()
        let noTenant = await gatewayError {
            _ = try await fixture.accounts.createUser(AccountService.NewUser(email: "a@x.test", password: AccountsFixture.password,
                                                                             roles: ["user"], tenantID: "ghost"))
        }
        #expect(noTenant?.param == "tenant")
        try await fixture.makeTenant("acme")
        let badRole = await gatewayError { try await fixture.makeUser("a@x.test", roles: ["wizard"]) }
        #expect(badRole?.param == "roles")
        let weak = await gatewayError { try await fixture.makeUser("a@x.test", password: "weak") }
        #expect(weak?.param == "password")
        try await fixture.makeUser("a@x.test")
        #expect(await gatewayError { try await fixture.makeUser("A@x.test") }?.code == "CONFLICT")
        let root = try await fixture.makeUser("root@x.test", roles: ["super-admin"], tenantID: "acme")
        #expect(root.tenantID == SystemScope.tenantID)
    }

    @Test("first start: a super-admin from the environment or with a generated password, audited on the system chain, once")
    func bootstrap() async throws {
        let fixture = AccountsFixture()
        await #expect(throws: BootstrapError.self) {
            _ = try await AccountBootstrap.ensureSuperAdmin(accounts: fixture.accounts, environment: ["SUPER_ADMIN_PASSWORD": "password"])
        }
        let outcome = try #require(try await AccountBootstrap.ensureSuperAdmin(accounts: fixture.accounts, environment: [:]))
        #expect(outcome.email == "admin@gatewyse.local")
        let password = try #require(outcome.generatedPassword)
        #expect(PasswordPolicy.problems(with: password).isEmpty)
        _ = try await Self.login(fixture, password, email: "admin@gatewyse.local")
        #expect(try await AccountBootstrap.ensureSuperAdmin(accounts: fixture.accounts, environment: [:]) == nil)
        let created = try #require(try await fixture.store.auditEntries(chain: AuditChain.system).first)
        #expect(created.action == "user.create" && created.actorID == "system" && created.actorType == "system")

        let configured = AccountsFixture()
        let chosen = try await AccountBootstrap.ensureSuperAdmin(
            accounts: configured.accounts, environment: ["SUPER_ADMIN_EMAIL": "root@corp.test", "SUPER_ADMIN_PASSWORD": "Chosen-Password-7"])
        #expect(chosen == AccountBootstrap.Outcome(email: "root@corp.test", generatedPassword: nil))
        _ = try await Self.login(configured, "Chosen-Password-7", email: "root@corp.test")
    }

    @Test("no password, token, secret or hash ever appears in an audit summary")
    func auditHasNoSecrets() async throws {
        let fixture = AccountsFixture()
        let user = try await fixture.makeUser(Self.email)
        var secrets = [AccountsFixture.password, "Wrong-Password-1", "New-Password-42!", "Typed-Into-Email-1"]
        _ = await gatewayError { _ = try await Self.login(fixture, "Wrong-Password-1") }
        _ = await gatewayError { _ = try await Self.login(fixture, email: "Typed-Into-Email-1") }
        let first = try await Self.login(fixture)
        let second = try await fixture.accounts.refresh(first.refreshToken, clientAddress: nil)
        _ = await gatewayError { _ = try await fixture.accounts.refresh(first.refreshToken, clientAddress: nil) }
        let third = try await Self.login(fixture)
        let claims = try await fixture.tokens.verify(third.accessToken)
        try await fixture.accounts.changePassword(claims, currentPassword: AccountsFixture.password, newPassword: "New-Password-42!")
        _ = await gatewayError { try await fixture.accounts.changePassword(claims, currentPassword: "Wrong-Password-1", newPassword: "Other-Password-43!") }
        try await fixture.accounts.logout(claims)
        for _ in 0..<5 { _ = await gatewayError { _ = try await Self.login(fixture, "Wrong-Password-1") } }
        for signIn in [first, second, third] {
            secrets += [signIn.accessToken, signIn.refreshToken, String(signIn.refreshToken.split(separator: ".")[1])]
            secrets += signIn.accessToken.split(separator: ".").map(String.init)
        }
        let stored = try await fixture.user(user)
        secrets.append(try #require(stored.passwordHash))
        secrets += try await fixture.store.everything(SessionRecord.self, tenantID: "acme").map(\.refreshDigest)
        let entries = try await fixture.audit()
        #expect(Set(entries.map(\.action)).isSuperset(of: ["auth.login", "auth.login_failed", "auth.lockout", "auth.logout",
                                                           "auth.refresh_reuse", "auth.password_change", "user.create"]))
        for entry in entries {
            for secret in secrets {
                #expect(!entry.summary.contains(secret), "\(entry.action): \(entry.summary)")
                #expect(!entry.targetID.contains(secret) && !entry.actorID.contains(secret))
            }
        }
        #expect(try await fixture.store.verifyAudit(chain: "acme").valid)
    }
}
