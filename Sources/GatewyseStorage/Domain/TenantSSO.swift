/// A tenant's single sign-on through an OpenID Connect identity provider (product-spec §7.4,
/// decisions/0022): users who authenticate there are signed in to this tenant, and created in it
/// on their first sign-in. Part of the tenant's settings document.
public struct TenantSSO: Sendable, Equatable, Codable {
    /// The kind of identity provider. All are OpenID Connect on one code path; the kind only
    /// fills defaults and, for `microsoft`, reads the e-mail from `preferred_username` when Entra
    /// ID sends no `email` claim.
    public enum Provider: String, Sendable, Codable, CaseIterable {
        case oidc, google, microsoft, okta
    }

    public var provider: Provider
    /// The issuer (`iss`); its discovery document is `<issuer>/.well-known/openid-configuration`.
    public var issuerURL: String
    public var clientID: String
    /// The client secret, encrypted (`CredentialCipher`, bound to the tenant); nil for a public
    /// client (PKCE only).
    public var clientSecret: String?
    public var scopes: [String]
    public var enabled: Bool
    /// The role given to users created on their first sign-in.
    public var defaultRole: String
    /// E-mail domains allowed to sign in; empty: any the identity provider vouches for.
    public var allowedDomains: [String]
    /// The identity provider may sit on a private or loopback address (an in-house Keycloak…).
    public var allowPrivateNetwork: Bool

    public static let defaultScopes = ["openid", "email", "profile"]

    public init(provider: Provider = .oidc, issuerURL: String, clientID: String, clientSecret: String? = nil,
                scopes: [String] = TenantSSO.defaultScopes, enabled: Bool = true, defaultRole: String = "user",
                allowedDomains: [String] = [], allowPrivateNetwork: Bool = false) {
        self.provider = provider
        self.issuerURL = issuerURL
        self.clientID = clientID
        self.clientSecret = clientSecret
        self.scopes = scopes
        self.enabled = enabled
        self.defaultRole = defaultRole
        self.allowedDomains = allowedDomains
        self.allowPrivateNetwork = allowPrivateNetwork
    }
}
