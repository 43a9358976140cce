import Foundation

/// Lifetimes and lockout rules of admin sign-ins (admin-api.md §3), in seconds.
public struct AccountSettings: Sendable, Equatable {
    /// How long an access token lives (`exp - iat`, the `expiresIn` of a sign-in).
    public var accessTokenLifetime: Int64 = 15 * 60
    /// A session not refreshed for this long ends (each refresh extends it).
    public var refreshIdleLifetime: Int64 = 7 * 86_400
    /// No session outlives this, however often it is refreshed: then sign in again.
    public var sessionMaxLifetime: Int64 = 30 * 86_400
    /// Failed sign-ins within `failureWindow` that lock the account.
    public var maxFailedLogins = 5
    public var failureWindow: Int64 = 15 * 60
    public var lockoutDuration: Int64 = 15 * 60
    /// Failed sign-ins from one client address within `failureWindow`, whatever the accounts,
    /// before that address is refused (429) until the oldest leaves the window.
    public var maxFailedLoginsPerAddress = 20
    /// `scheme://host[:port]` identity providers send browsers back to (`SSO_CALLBACK_BASE_URL`,
    /// `auth.sso_callback_base_url`); nil: single sign-on works only for requests to this
    /// machine (loopback), never from a `Host` header a client chose.
    public var ssoCallbackBaseURL: String?
    /// Where a browser lands after single sign-on (`ADMIN_URL`, `auth.admin_url`); the tokens
    /// ride in the fragment, which no server sees.
    public var adminURL = "/admin/"

    /// Why a callback base is not acceptable (an absolute http(s) origin), or nil. A trailing
    /// slash is tolerated by `normalizedCallbackBase`.
    public static func callbackBaseProblem(_ url: String) -> String? {
        guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased(),
              scheme == "http" || scheme == "https", let host = components.host, !host.isEmpty
        else { return "'\(url)' is not an absolute http(s) URL" }
        guard components.path.isEmpty || components.path == "/", components.query == nil, components.fragment == nil,
              components.user == nil, components.password == nil
        else { return "'\(url)' must be an origin only (scheme://host[:port]), without path, query or credentials" }
        return nil
    }

    public static func normalizedCallbackBase(_ url: String) -> String {
        url.hasSuffix("/") ? String(url.dropLast()) : url
    }

    public init() {}
}
