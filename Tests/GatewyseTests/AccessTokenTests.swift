import Foundation
@testable import GatewyseEngine
import GatewyseCore
import GatewyseStorage
import JWTKit
import Testing

@Suite("Access tokens")
struct AccessTokenTests {
    /// A sign-in, to have a real session behind the token.
    static func signedIn(_ fixture: AccountsFixture) async throws -> SignIn {
        try await fixture.makeUser("ops@acme.test")
        return try await fixture.accounts.login(email: "ops@acme.test", password: AccountsFixture.password, clientAddress: "10.0.0.1")
    }

    @Test("a token verifies with its claims; sub, tenant, jti, sid, iat and exp are in the payload")
    func verifies() async throws {
        let fixture = AccountsFixture()
        let signIn = try await Self.signedIn(fixture)
        let claims = try await fixture.tokens.verify(signIn.accessToken)
        #expect(claims == signIn.claims)
        #expect(claims.tenantID == "acme")
        #expect(claims.userID == signIn.user.id)
        #expect(claims.expiresAt == fixture.now + 900)
        #expect(claims.tokenID.hasPrefix("at_"))
        let payload = try JSONParser.parse(Base64URL.decode(String(signIn.accessToken.split(separator: ".")[1]))!)
        #expect(payload.objectValue?.keys.sorted() == ["exp", "iat", "jti", "sid", "sub", "tenant"])
        #expect(AccessTokenService.headerAlgorithm(of: signIn.accessToken) == "HS256")
        // Another replica with the same master key agrees.
        let replica = AccountsFixture(store: fixture.store, masterKey: fixture.masterKey)
        #expect(try await replica.tokens.verify(signIn.accessToken) == claims)
    }

    @Test("bad signature, another master key, tampered payload, alg none, missing jti, garbage: AUTH_INVALID_TOKEN")
    func invalid() async throws {
        let fixture = AccountsFixture()
        let signIn = try await Self.signedIn(fixture)
        let parts = signIn.accessToken.split(separator: ".").map(String.init)
        var forged = parts
        forged[2] = String(forged[2].reversed())
        let otherKey = AccountsFixture(store: fixture.store)
        var tamperedPayload = try JSONParser.parse(Base64URL.decode(parts[1])!).objectValue!
        tamperedPayload["sub"] = "usr_someone_else"
        let tampered = [parts[0], Base64URL.encode(JSONWriter.bytes(.object(tamperedPayload))), parts[2]].joined(separator: ".")
        let none = [Base64URL.encode(Array(#"{"alg":"none","typ":"JWT"}"#.utf8)), parts[1], ""].joined(separator: ".")
        let hs512 = [Base64URL.encode(Array(#"{"alg":"HS512","typ":"JWT"}"#.utf8)), parts[1], parts[2]].joined(separator: ".")

        struct NoJTI: JWTPayload {
            var sub: String, tenant: String, sid: String, iat: Int64, exp: Int64
            func verify(using algorithm: some JWTAlgorithm) async throws {}
        }
        let keys = JWTKeyCollection()
        await keys.add(hmac: HMACKey(key: fixture.masterKey.derive(.accessTokenSigning)), digestAlgorithm: .sha256)
        let noJTI = try await keys.sign(NoJTI(sub: signIn.user.id, tenant: "acme", sid: signIn.claims.sessionID, iat: fixture.now,
                                              exp: fixture.now + 900))
        // The same payload signed with the right key verifies: only the missing jti is wrong.
        let withJTI = try await keys.sign(AccessTokenPayload(sub: signIn.user.id, tenant: "acme", jti: "at_x", sid: signIn.claims.sessionID,
                                                             iat: fixture.now, exp: fixture.now + 900))
        #expect(try await fixture.tokens.verify(withJTI).tokenID == "at_x")

        for token in [forged.joined(separator: "."), try await otherKey.tokens.issue(userID: signIn.user.id, tenantID: "acme",
                                                                                       sessionID: signIn.claims.sessionID).token,
                      tampered, none, hs512, noJTI, "", "a.b.c", "not a token", signIn.refreshToken] {
            let error = await gatewayError { _ = try await fixture.tokens.verify(token) }
            #expect(error == .invalidAccessToken, "\(token)")
        }
    }

    @Test("an expired token answers AUTH_TOKEN_EXPIRED; a forged expired one stays AUTH_INVALID_TOKEN")
    func expired() async throws {
        let fixture = AccountsFixture()
        let signIn = try await Self.signedIn(fixture)
        fixture.advance(seconds: 899)
        _ = try await fixture.tokens.verify(signIn.accessToken)
        fixture.advance(seconds: 1)
        #expect(await gatewayError { _ = try await fixture.tokens.verify(signIn.accessToken) } == .accessTokenExpired)
        let parts = signIn.accessToken.split(separator: ".").map(String.init)
        let forged = [parts[0], parts[1], String(parts[2].reversed())].joined(separator: ".")
        #expect(await gatewayError { _ = try await fixture.tokens.verify(forged) } == .invalidAccessToken)
    }

    @Test("a token of a revoked, expired or unknown session is refused")
    func revokedSession() async throws {
        let fixture = AccountsFixture()
        let signIn = try await Self.signedIn(fixture)
        var session = try #require(try await fixture.store.get(SessionRecord.self, tenantID: "acme", id: signIn.claims.sessionID))
        session.revokedAt = fixture.now
        try await fixture.store.commit([.update(session, at: fixture.now)])
        #expect(await gatewayError { _ = try await fixture.tokens.verify(signIn.accessToken) } == .invalidAccessToken)

        let second = try await fixture.accounts.login(email: "ops@acme.test", password: AccountsFixture.password, clientAddress: nil)
        var other = try #require(try await fixture.store.get(SessionRecord.self, tenantID: "acme", id: second.claims.sessionID))
        other.expiresAt = fixture.now
        try await fixture.store.commit([.update(other, at: fixture.now)])
        #expect(await gatewayError { _ = try await fixture.tokens.verify(second.accessToken) } == .invalidAccessToken)

        let ghost = try await fixture.tokens.issue(userID: signIn.user.id, tenantID: "acme", sessionID: "ses_missing").token
        #expect(await gatewayError { _ = try await fixture.tokens.verify(ghost) } == .invalidAccessToken)
        // A session of the same id in another tenant is not this one.
        let crossTenant = try await fixture.tokens.issue(userID: signIn.user.id, tenantID: "globex", sessionID: signIn.claims.sessionID).token
        #expect(await gatewayError { _ = try await fixture.tokens.verify(crossTenant) } == .invalidAccessToken)
    }
}
