import Crypto
import Foundation
import GatewyseCore
import GatewyseStorage
import JWTKit
import Synchronization

/// Issues and verifies admin access tokens (admin-api.md §2): HS256 JWTs signed with a key
/// derived from the master key (so every replica signs and verifies alike), with `sub` (user),
/// `tenant`, `jti`, `sid` (sign-in session), `iat` and `exp` (15 minutes by default).
///
/// Verification reads the session from the store on every call: a token whose session was
/// revoked (logout, refresh-token reuse, password change) stops working at once on every
/// replica. Only the admin API and `/api/auth` verify tokens; the `/v1` path never does.
public final class AccessTokenService: AccessTokenVerifying {
    public let lifetime: Int64
    private let store: any ControlPlaneStore
    private let keys = JWTKeyCollection()
    private let signingKey: SymmetricKey
    private let keyInstalled = Atomic<Bool>(false)
    private let clock: @Sendable () -> Int64

    /// - Parameters:
    ///   - lifetime: seconds an access token lives.
    ///   - clock: Unix milliseconds.
    public init(masterKey: MasterKey, store: any ControlPlaneStore, lifetime: Int64 = 900,
                clock: @escaping @Sendable () -> Int64 = UnixClock.milliseconds) {
        self.signingKey = masterKey.derive(.accessTokenSigning)
        self.store = store
        self.lifetime = lifetime
        self.clock = clock
    }

    /// A signed token for a session of a user.
    public func issue(userID: String, tenantID: String, sessionID: String) async throws -> (token: String, claims: AccessClaims) {
        let now = clock() / 1000
        let payload = AccessTokenPayload(sub: userID, tenant: tenantID, jti: "at_" + IDGenerator.hex(bytes: 12), sid: sessionID,
                                         iat: now, exp: now + lifetime)
        let token = try await collection().sign(payload)
        return (token, payload.claims)
    }

    /// Signature, claims, expiry, then the session: `invalidAccessToken` for a token that is
    /// malformed, badly signed, missing a claim or of a revoked/expired/unknown session;
    /// `accessTokenExpired` for a genuine token past its `exp`.
    public func verify(_ token: String) async throws -> AccessClaims {
        let claims = try await verifySignature(token)
        guard let session = try await store.get(SessionRecord.self, tenantID: claims.tenantID, id: claims.sessionID),
              session.userID == claims.userID, session.isActive(at: clock() / 1000)
        else { throw GatewayError.invalidAccessToken }
        return claims
    }

    /// Everything but the session lookup.
    func verifySignature(_ token: String) async throws(GatewayError) -> AccessClaims {
        guard token.utf8.count <= 4096, Self.headerAlgorithm(of: token) == "HS256" else { throw .invalidAccessToken }
        let payload: AccessTokenPayload
        do {
            payload = try await collection().verify(token, as: AccessTokenPayload.self)
        } catch {
            throw .invalidAccessToken
        }
        guard !payload.jti.isEmpty, !payload.sub.isEmpty, !payload.sid.isEmpty else { throw .invalidAccessToken }
        guard payload.exp > clock() / 1000 else { throw .accessTokenExpired }
        return payload.claims
    }

    /// The header's `alg`: jwt-kit verifies with the key it holds whatever the header says, so
    /// this refuses `none` and every other algorithm before anything else is read.
    static func headerAlgorithm(of token: String) -> String? {
        guard let header = token.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false).first,
              let bytes = Base64URL.decode(String(header)),
              let value = try? JSONParser.parse(bytes)
        else { return nil }
        return value["alg"]?.stringValue
    }

    private func collection() async -> JWTKeyCollection {
        if !keyInstalled.load(ordering: .acquiring) {
            // Racing first calls both add the same key as the default: harmless.
            await keys.add(hmac: HMACKey(key: signingKey), digestAlgorithm: .sha256)
            keyInstalled.store(true, ordering: .releasing)
        }
        return keys
    }
}

/// The JWT payload. `exp` is checked by `AccessTokenService` with its own clock (to tell an
/// expired token from an invalid one), not by jwt-kit.
struct AccessTokenPayload: JWTPayload, Equatable {
    var sub: String
    var tenant: String
    var jti: String
    var sid: String
    var iat: Int64
    var exp: Int64

    func verify(using algorithm: some JWTAlgorithm) async throws {}

    var claims: AccessClaims {
        AccessClaims(userID: sub, tenantID: tenant, sessionID: sid, tokenID: jti, expiresAt: exp)
    }
}

enum Base64URL {
    static func decode(_ text: String) -> [UInt8]? {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.utf8.count % 4 != 0 { base64 += "=" }
        return Data(base64Encoded: base64).map(Array.init)
    }

    static func encode(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}
