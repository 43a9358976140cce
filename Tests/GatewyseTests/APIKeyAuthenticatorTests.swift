import GatewyseCore
import GatewyseEngine
import GatewyseStorage
import Testing

@Suite("API key authentication")
struct AuthenticatorTests {
    @Test("accepts active keys, refuses unknown, malformed, revoked and expired ones")
    func authenticate() throws {
        let good = APIKeyMaterial.generate()
        let revoked = APIKeyMaterial.generate()
        let expired = APIKeyMaterial.generate()
        var revokedRecord = StoreContractTests.key("acme", "r", key: revoked)
        revokedRecord.revokedAt = 10
        var expiredRecord = StoreContractTests.key("acme", "e", key: expired)
        expiredRecord.expiresAt = 999
        let authenticator = APIKeyAuthenticator(keys: [StoreContractTests.key("acme", "good", key: good), revokedRecord, expiredRecord])

        #expect(try authenticator.authenticate(authorization: "Bearer \(good)", now: 1000).tenantID == "acme")
        #expect(try authenticator.authenticate(authorization: "bearer \(good)", now: 1000).keyName == "good")
        #expect(throws: GatewayError.authRequired) { try authenticator.authenticate(authorization: nil as String?, now: 1000) }
        #expect(throws: GatewayError.authRequired) { try authenticator.authenticate(authorization: "Bearer ", now: 1000) }
        #expect(throws: GatewayError.invalidAPIKey) { try authenticator.authenticate(authorization: "Bearer sk-openai", now: 1000) }
        // Same prefix, different secret part.
        #expect(throws: GatewayError.invalidAPIKey) { try authenticator.authenticate(authorization: "Bearer " + good.prefix(20) + String(repeating: "0", count: 36), now: 1000) }
        #expect(throws: GatewayError.invalidAPIKey) { try authenticator.authenticate(authorization: "Bearer \(revoked)", now: 1000) }
        #expect(throws: GatewayError.invalidAPIKey) { try authenticator.authenticate(authorization: "Bearer \(expired)", now: 1000) }
    }

    @Test("generated keys have the documented shape")
    func keyShape() {
        let key = APIKeyMaterial.generate()
        #expect(key.hasPrefix("aigw_sk_") && key.count == 56)
        #expect(APIKeyMaterial.displayPrefix(key).count == 16)
        #expect(APIKeyMaterial.generate() != key)
    }
}
