import Foundation
import GatewyseCore
import GatewyseProviders
import GatewyseStorage

/// Single sign-on through a tenant's OpenID Connect identity provider (admin-api.md §3,
/// product-spec §7.4, decisions/0022): the authorization code flow with PKCE, a nonce and a
/// state sealed in a cookie, the ID token verified against the provider's published keys, and
/// users created in the tenant on their first sign-in. The HTTP routes only carry its answers.
public final class SSOService: Sendable {
    let accounts: AccountService
    let store: any ControlPlaneStore
    let credentials: CredentialCipher
    let sealer: SSOStateSealer
    let oidc: OIDCClient
    let settings: AccountSettings
    /// Unix milliseconds.
    let clock: @Sendable () -> Int64

    /// Asymmetric signatures only: a symmetric one would be keyed with the client secret, and
    /// `none` with nothing.
    static let algorithms: Set<String> = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512"]
    /// Tolerated clock difference with the identity provider, in seconds.
    static let skew: Double = 60
    static let callbackPath = "/api/auth/sso/callback"
    /// The cookie that carries the sealed `SSOState` between the two legs.
    public static let stateCookieName = SSOState.cookieName

    /// `application/x-www-form-urlencoded` encoding of one value (for redirect URLs).
    public static func formEncode(_ text: String) -> String { FormEncoding.encode(text) }

    init(accounts: AccountService, store: any ControlPlaneStore, credentials: CredentialCipher, masterKey: MasterKey,
         transport: any UpstreamTransport, settings: AccountSettings, clock: @escaping @Sendable () -> Int64) {
        self.accounts = accounts
        self.store = store
        self.credentials = credentials
        self.sealer = SSOStateSealer(masterKey: masterKey)
        self.oidc = OIDCClient(transport: transport, clock: clock)
        self.settings = settings
        self.clock = clock
    }

    /// Where the browser goes first, and the sealed state it must carry back.
    public struct Start: Sendable {
        /// The identity provider's authorization URL.
        public var location: String
        /// The `SSOState` cookie's value.
        public var cookie: String
        /// Whether the cookie may travel over https only.
        public var secureCookie: Bool
    }

    /// Starts a sign-in to `tenantID`. `requestHost`: the request's `Host`, used for the
    /// redirect URI only when no callback base is configured and it names this machine.
    public func start(tenantID: String, requestHost: String?) async throws -> Start {
        let sso = try await configuration(of: tenantID)
        let redirectURI = try redirectURI(requestHost: requestHost)
        let metadata = try await oidc.metadata(issuer: sso.issuerURL, allowPrivate: sso.allowPrivateNetwork)
        let state = SSOState.fresh(tenantID: tenantID, redirectURI: redirectURI, now: clock() / 1000)
        let query = [("response_type", "code"), ("client_id", sso.clientID), ("redirect_uri", redirectURI),
                     ("scope", sso.scopes.joined(separator: " ")), ("state", state.state), ("nonce", state.nonce),
                     ("code_challenge", state.challenge), ("code_challenge_method", "S256")]
            .map { FormEncoding.encode($0.0) + "=" + FormEncoding.encode($0.1) }.joined(separator: "&")
        let separator = metadata.authorizationEndpoint.contains("?") ? "&" : "?"
        return Start(location: metadata.authorizationEndpoint + separator + query, cookie: try sealer.seal(state),
                     secureCookie: redirectURI.hasPrefix("https://"))
    }

    /// What the identity provider sent back to the callback.
    public struct Callback: Sendable {
        public var code: String?
        public var state: String?
        /// `error` (RFC 6749 §4.1.2.1): the user or the provider refused.
        public var error: String?
        /// The `SSOState` cookie the browser carried.
        public var cookie: String?

        public init(code: String?, state: String?, error: String?, cookie: String?) {
            self.code = code
            self.state = state
            self.error = error
            self.cookie = cookie
        }
    }

    /// Finishes a sign-in: the state checked, the code exchanged, the ID token verified, the
    /// user found or created, a session opened.
    public func finish(_ callback: Callback, clientAddress: String?) async throws -> SignIn {
        guard let cookie = callback.cookie, let state = sealer.open(cookie, now: clock() / 1000),
              let returned = callback.state, ConstantTime.equals(Array(returned.utf8), Array(state.state.utf8))
        else { throw GatewayError.ssoStateInvalid }
        if let error = callback.error { throw GatewayError.ssoProviderError(error) }
        guard let code = callback.code, !code.isEmpty, code.utf8.count <= 4096 else {
            throw GatewayError.invalidField("code", "The callback carries no authorization code.")
        }
        let sso = try await configuration(of: state.tenantID)
        let secret: String?
        do {
            secret = try sso.clientSecret.map { try credentials.decrypt($0, tenantID: state.tenantID) }
        } catch {
            throw GatewayError.ssoUnreachable("the stored client secret does not decrypt (was the master key changed?)")
        }
        let metadata = try await oidc.metadata(issuer: sso.issuerURL, allowPrivate: sso.allowPrivateNetwork)
        let idToken = try await oidc.exchange(code: code, state: state, metadata: metadata, clientID: sso.clientID, clientSecret: secret,
                                              allowPrivate: sso.allowPrivateNetwork)
        let claims = try await verify(idToken, sso: sso, metadata: metadata, nonce: state.nonce)
        let email = try Self.email(of: claims, sso: sso)
        return try await accounts.signInFederated(tenantID: state.tenantID, email: email, name: claims.name ?? email,
                                                  issuer: metadata.issuer, role: sso.defaultRole, clientAddress: clientAddress)
    }

    /// The tenant's enabled configuration; the same 404 for an unknown tenant, one without
    /// single sign-on and a suspended one.
    func configuration(of tenantID: String) async throws -> TenantSSO {
        guard tenantID != SystemScope.tenantID, tenantID.utf8.count <= 128,
              let tenant = try await store.tenant(id: tenantID), tenant.status == .active,
              let settings = try await store.get(TenantSettings.self, tenantID: tenantID, id: TenantSettings.documentID),
              let sso = settings.sso, sso.enabled
        else { throw GatewayError.ssoNotConfigured }
        return sso
    }

    /// `<callback base>/api/auth/sso/callback`. Without a configured base only a request to
    /// this machine (loopback) may name it: any other `Host` could be an attacker's, and the
    /// identity provider would send the code there.
    func redirectURI(requestHost: String?) throws -> String {
        if let base = settings.ssoCallbackBaseURL { return base + Self.callbackPath }
        guard let requestHost, let host = Self.hostName(requestHost), UpstreamURLPolicy.classify(host: host) == .loopback else {
            throw GatewayError.ssoCallbackBaseMissing
        }
        return "http://" + requestHost + Self.callbackPath
    }

    /// The host of a `Host` header value (`[::1]:8080` → `[::1]`), if it is well formed.
    static func hostName(_ value: String) -> String? {
        guard !value.isEmpty, value.utf8.count <= 255,
              value.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || ".-:[]".contains($0)) })
        else { return nil }
        if value.hasPrefix("[") { return value.firstIndex(of: "]").map { String(value[...$0]) } }
        return String(value.split(separator: ":", maxSplits: 1).first ?? "")
    }

    /// Signature by one of the provider's keys, then issuer, audience, expiry and nonce.
    func verify(_ idToken: String, sso: TenantSSO, metadata: OIDCProviderMetadata, nonce: String) async throws -> IDTokenClaims {
        guard idToken.utf8.count <= 16_384, let algorithm = AccessTokenService.headerAlgorithm(of: idToken), Self.algorithms.contains(algorithm) else {
            throw GatewayError.ssoTokenInvalid("it is not signed with an accepted asymmetric algorithm")
        }
        var claims: IDTokenClaims?
        for refresh in [false, true] where claims == nil {
            let keys = try await oidc.keys(issuer: sso.issuerURL, metadata: metadata, allowPrivate: sso.allowPrivateNetwork, refresh: refresh)
            claims = try? await keys.verify(idToken, as: IDTokenClaims.self)
        }
        guard let claims else { throw GatewayError.ssoTokenInvalid("its signature does not verify with the provider's published keys") }
        let now = Double(clock()) / 1000
        guard claims.iss == metadata.issuer else { throw GatewayError.ssoTokenInvalid("it was issued by another issuer") }
        guard claims.aud.value.contains(sso.clientID), claims.azp.map({ $0 == sso.clientID }) ?? true else {
            throw GatewayError.ssoTokenInvalid("it was issued to another client")
        }
        guard claims.exp + Self.skew > now else { throw GatewayError.ssoTokenInvalid("it has expired") }
        if let iat = claims.iat, iat - Self.skew > now { throw GatewayError.ssoTokenInvalid("it was issued in the future") }
        guard let tokenNonce = claims.nonce, ConstantTime.equals(Array(tokenNonce.utf8), Array(nonce.utf8)) else {
            throw GatewayError.ssoTokenInvalid("its nonce is not this sign-in's")
        }
        return claims
    }

    /// The verified e-mail the user is known by in the gateway.
    static func email(of claims: IDTokenClaims, sso: TenantSSO) throws -> String {
        // Entra ID sends no `email` for many accounts; its `preferred_username` is the sign-in address.
        let candidate = claims.email ?? (sso.provider == .microsoft ? claims.preferredUsername : nil)
        guard let email = candidate?.trimmingWhitespace, AccountService.isPlausibleEmail(email) else {
            throw GatewayError.ssoTokenInvalid("it carries no e-mail address (is `email` among the scopes?)")
        }
        if claims.emailVerified == false { throw GatewayError.ssoIdentityRefused }
        if !sso.allowedDomains.isEmpty {
            let domain = email.split(separator: "@").last.map { $0.lowercased() } ?? ""
            guard sso.allowedDomains.contains(where: { $0.lowercased() == domain }) else { throw GatewayError.ssoIdentityRefused }
        }
        return email
    }
}
