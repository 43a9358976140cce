import Crypto
import Foundation
import GatewyseCore

/// What a browser carries from the start of a sign-in to the identity provider's callback, in
/// a cookie sealed with AES-256-GCM under a key derived from the master key: no replica stores
/// it, so the callback may reach any replica. The `state` parameter is compared with it (a
/// callback the browser did not start is refused: login CSRF), the nonce with the ID token's
/// (a token replayed from another sign-in is refused), and the PKCE verifier goes to the token
/// exchange (a stolen code is useless without it).
struct SSOState: Sendable, Equatable {
    var tenantID: String
    var state: String
    var nonce: String
    var verifier: String
    /// The redirect URI sent at the start (the token exchange must send the same).
    var redirectURI: String
    /// Unix seconds.
    var expiresAt: Int64

    /// A sign-in has ten minutes at the identity provider.
    static let lifetime: Int64 = 600
    static let cookieName = "gatewyse_sso"

    static func fresh(tenantID: String, redirectURI: String, now: Int64) -> SSOState {
        SSOState(tenantID: tenantID, state: Base64URL.encode(MasterKey.randomBytes(24)), nonce: Base64URL.encode(MasterKey.randomBytes(24)),
                 verifier: Base64URL.encode(MasterKey.randomBytes(32)), redirectURI: redirectURI, expiresAt: now + lifetime)
    }

    /// PKCE `S256`: base64url(SHA-256(verifier)).
    var challenge: String { Base64URL.encode(Array(SHA256.hash(data: Array(verifier.utf8)))) }
}

/// Seals and opens `SSOState` cookies.
struct SSOStateSealer: Sendable {
    private let key: SymmetricKey
    /// Binds the blob to its use: no other sealed value of the gateway opens as a state.
    private static let associatedData = Array("gatewyse-sso-state-v1".utf8)

    init(masterKey: MasterKey) {
        key = masterKey.derive(.ssoState)
    }

    func seal(_ state: SSOState) throws -> String {
        let fields = JSONObject([
            ("t", .string(state.tenantID)), ("s", .string(state.state)), ("n", .string(state.nonce)), ("v", .string(state.verifier)),
            ("r", .string(state.redirectURI)), ("e", .int(Int(state.expiresAt))),
        ])
        let sealed = try AES.GCM.seal(JSONWriter.bytes(.object(fields)), using: key, nonce: AES.GCM.Nonce(),
                                      authenticating: Self.associatedData)
        guard let combined = sealed.combined else { throw GatewayError.ssoStateInvalid }
        return Base64URL.encode(Array(combined))
    }

    /// The state, if `blob` was sealed here and has not expired; nil otherwise.
    func open(_ blob: String, now: Int64) -> SSOState? {
        guard blob.utf8.count <= 4096, let bytes = Base64URL.decode(blob), bytes.count > 28,
              let box = try? AES.GCM.SealedBox(combined: bytes),
              let plain = try? AES.GCM.open(box, using: key, authenticating: Self.associatedData),
              let value = try? JSONParser.parse(Array(plain)),
              let tenantID = value["t"]?.stringValue, let state = value["s"]?.stringValue, let nonce = value["n"]?.stringValue,
              let verifier = value["v"]?.stringValue, let redirectURI = value["r"]?.stringValue,
              let expiresAt = value["e"]?.intValue
        else { return nil }
        guard Int64(expiresAt) > now else { return nil }
        return SSOState(tenantID: tenantID, state: state, nonce: nonce, verifier: verifier, redirectURI: redirectURI, expiresAt: Int64(expiresAt))
    }
}
