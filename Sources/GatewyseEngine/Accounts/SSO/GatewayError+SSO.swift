import GatewyseCore

/// Single sign-on refusals (decisions/0022). None names the identity provider's answer beyond
/// its error code, and none carries a token, a code or the client secret.
extension GatewayError {
    /// The same answer for an unknown tenant and a tenant without (enabled) single sign-on: it
    /// does not tell which tenants exist.
    static let ssoNotConfigured = GatewayError(status: 404, code: "SSO_NOT_CONFIGURED", type: "invalid_request_error",
                                               message: "Single sign-on is not enabled for this tenant.")

    static let ssoCallbackBaseMissing = GatewayError(
        status: 503, code: "SSO_NOT_CONFIGURED", type: "api_error",
        message: "Set SSO_CALLBACK_BASE_URL (auth.sso_callback_base_url): the redirect address is not taken from the Host header of a non-local request.")

    static let ssoStateInvalid = GatewayError(status: 400, code: "SSO_STATE_INVALID", type: "invalid_request_error",
                                              message: "The sign-in expired or was started in another browser; start it again.")

    static func ssoProviderError(_ code: String) -> GatewayError {
        let safe = String(code.prefix(64).filter { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" })
        return GatewayError(status: 401, code: "SSO_DENIED", type: "authentication_error",
                            message: "The identity provider refused the sign-in (\(safe.isEmpty ? "no reason given" : safe)).")
    }

    static func ssoUnreachable(_ what: String) -> GatewayError {
        GatewayError(status: 502, code: "SSO_PROVIDER_UNAVAILABLE", type: "api_error",
                     message: "The identity provider could not be used: \(what).")
    }

    static func ssoTokenInvalid(_ what: String) -> GatewayError {
        GatewayError(status: 401, code: "SSO_TOKEN_INVALID", type: "authentication_error",
                     message: "The identity provider's ID token was refused: \(what).")
    }

    static let ssoIdentityRefused = GatewayError(status: 403, code: "SSO_IDENTITY_NOT_ALLOWED", type: "permission_error",
                                                 message: "This identity cannot sign in to this tenant.")
}
