import Foundation
import GatewyseCore
@testable import GatewyseEngine
import GatewyseProviders
import GatewyseStorage
import JWTKit
import Testing

/// The pieces of single sign-on that need no identity provider (decisions/0022); the whole
/// flow against a mock provider is tests/python/test_sso.py.
@Suite("Single sign-on")
struct SSOTests {
    @Test("the sealed state opens only here, unchanged and before it expires")
    func sealedState() throws {
        let key = MasterKey.random()
        let sealer = SSOStateSealer(masterKey: key)
        let state = SSOState.fresh(tenantID: "acme", redirectURI: "http://127.0.0.1:8080/api/auth/sso/callback", now: 1_000)
        let blob = try sealer.seal(state)
        #expect(sealer.open(blob, now: 1_000) == state)
        #expect(sealer.open(blob, now: 1_000 + SSOState.lifetime) == nil, "expired")
        #expect(SSOStateSealer(masterKey: .random()).open(blob, now: 1_000) == nil, "another master key")
        var bytes = Array(blob.utf8)
        bytes[bytes.count / 2] = bytes[bytes.count / 2] == UInt8(ascii: "A") ? UInt8(ascii: "B") : UInt8(ascii: "A")
        #expect(sealer.open(String(decoding: bytes, as: UTF8.self), now: 1_000) == nil, "changed")
        #expect(sealer.open("", now: 1_000) == nil)
        #expect(sealer.open(String(repeating: "A", count: 5000), now: 1_000) == nil)
        // Two starts never share a state, nonce or verifier.
        let other = SSOState.fresh(tenantID: "acme", redirectURI: state.redirectURI, now: 1_000)
        #expect(other.state != state.state && other.nonce != state.nonce && other.verifier != state.verifier)
    }

    @Test("the PKCE challenge is RFC 7636's S256 of the verifier")
    func pkceChallenge() {
        // RFC 7636 Appendix B.
        var state = SSOState.fresh(tenantID: "t", redirectURI: "r", now: 0)
        state.verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
        #expect(state.challenge == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM")
    }

    @Test("form encoding keeps only unreserved characters as they are")
    func formEncoding() {
        #expect(FormEncoding.encode("a-b_c.d~e") == "a-b_c.d~e")
        #expect(FormEncoding.encode("s3cret+with/odd=chars&more") == "s3cret%2Bwith%2Fodd%3Dchars%26more")
        #expect(FormEncoding.encode("é ") == "%C3%A9%20")
    }

    @Test("without a callback base only a loopback Host may name the redirect URI")
    func redirectURIPolicy() throws {
        let service = Self.service(base: nil)
        #expect(try service.redirectURI(requestHost: "127.0.0.1:8080") == "http://127.0.0.1:8080/api/auth/sso/callback")
        #expect(try service.redirectURI(requestHost: "localhost") == "http://localhost/api/auth/sso/callback")
        #expect(try service.redirectURI(requestHost: "[::1]:9") == "http://[::1]:9/api/auth/sso/callback")
        for host in ["evil.example", "10.0.0.1", "127.0.0.1.evil.example", "127.0.0.1/x", "", "127.0.0.1:80@evil"] {
            #expect(throws: GatewayError.self, "\(host)") { try service.redirectURI(requestHost: host) }
        }
        #expect(throws: GatewayError.self) { try service.redirectURI(requestHost: nil) }
        let configured = Self.service(base: "https://gateway.example.com")
        #expect(try configured.redirectURI(requestHost: "evil.example") == "https://gateway.example.com/api/auth/sso/callback")
    }

    @Test("a callback base is an origin")
    func callbackBase() {
        #expect(AccountSettings.callbackBaseProblem("https://gw.example.com") == nil)
        #expect(AccountSettings.callbackBaseProblem("https://gw.example.com/") == nil)
        #expect(AccountSettings.callbackBaseProblem("http://127.0.0.1:8080") == nil)
        #expect(AccountSettings.callbackBaseProblem("https://gw.example.com/admin") != nil)
        #expect(AccountSettings.callbackBaseProblem("https://gw.example.com?x=1") != nil)
        #expect(AccountSettings.callbackBaseProblem("ftp://gw.example.com") != nil)
        #expect(AccountSettings.callbackBaseProblem("gw.example.com") != nil)
        #expect(AccountSettings.normalizedCallbackBase("https://gw.example.com/") == "https://gw.example.com")
    }

    @Test("identity provider addresses: https in public, private only when allowed, never metadata")
    func endpointPolicy() {
        #expect(UpstreamURLPolicy.problem(withEndpoint: "https://login.example.com/oauth2/authorize?p=b2c_1", allowPrivate: false) == nil)
        #expect(UpstreamURLPolicy.problem(withEndpoint: "http://login.example.com", allowPrivate: false) != nil)
        #expect(UpstreamURLPolicy.problem(withEndpoint: "http://127.0.0.1:5556", allowPrivate: false) != nil)
        #expect(UpstreamURLPolicy.problem(withEndpoint: "http://127.0.0.1:5556", allowPrivate: true) == nil)
        #expect(UpstreamURLPolicy.problem(withEndpoint: "http://169.254.169.254/latest", allowPrivate: true) != nil)
        #expect(UpstreamURLPolicy.problem(withEndpoint: "https://user:pw@login.example.com", allowPrivate: false) != nil)
    }

    @Test("the e-mail: verified, of an allowed domain; Entra's preferred_username for microsoft")
    func emailClaim() throws {
        func claims(_ json: String) throws -> IDTokenClaims { try JSONDecoder().decode(IDTokenClaims.self, from: Data(json.utf8)) }
        let base = #""iss":"https://idp","sub":"s","aud":"c","exp":2000000000"#
        let sso = TenantSSO(issuerURL: "https://idp", clientID: "c")
        #expect(try SSOService.email(of: claims("{\(base),\"email\":\"a@acme.test\"}"), sso: sso) == "a@acme.test")
        #expect(throws: GatewayError.self) { try SSOService.email(of: claims("{\(base),\"email\":\"a@acme.test\",\"email_verified\":false}"), sso: sso) }
        // Cognito's string boolean.
        #expect(throws: GatewayError.self) { try SSOService.email(of: claims("{\(base),\"email\":\"a@acme.test\",\"email_verified\":\"false\"}"), sso: sso) }
        #expect(throws: GatewayError.self) { try SSOService.email(of: claims("{\(base),\"preferred_username\":\"a@acme.test\"}"), sso: sso) }
        var entra = sso
        entra.provider = .microsoft
        #expect(try SSOService.email(of: claims("{\(base),\"preferred_username\":\"a@acme.test\"}"), sso: entra) == "a@acme.test")
        var domains = sso
        domains.allowedDomains = ["acme.test"]
        #expect(try SSOService.email(of: claims("{\(base),\"email\":\"a@ACME.test\"}"), sso: domains) == "a@ACME.test")
        #expect(throws: GatewayError.self) { try SSOService.email(of: claims("{\(base),\"email\":\"a@evil.test\"}"), sso: domains) }
        // An array audience decodes too.
        #expect(try claims(#"{"iss":"i","sub":"s","aud":["c","d"],"exp":1.5}"#).aud.value == ["c", "d"])
    }

    static func service(base: String?) -> SSOService {
        var settings = AccountSettings()
        settings.ssoCallbackBaseURL = base
        let store = InMemoryStore()
        let tokens = AccessTokenService(masterKey: .random(), store: store)
        let accounts = AccountService(store: store, hasher: PasswordHasher(parameters: .owasp, runner: DispatchWorkRunner()), tokens: tokens)
        return SSOService(accounts: accounts, store: store, credentials: CredentialCipher(masterKey: .random()), masterKey: .random(),
                          transport: RefusingTransport(), settings: settings, clock: UnixClock.milliseconds)
    }

    /// These tests never reach an identity provider.
    struct RefusingTransport: UpstreamTransport {
        func send(_ request: UpstreamRequest, timeouts: UpstreamSettings) async throws -> UpstreamResponse {
            throw UpstreamTransportError.connectFailed("no network in this test")
        }
    }
}
