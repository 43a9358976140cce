/// The errors of the admin, account and governance paths (admin-api.md §2, §3, §6). Codes are
/// the contract's; messages never carry a secret and never reveal whether another tenant's
/// resource exists.
extension GatewayError {
    public static let invalidAccessToken = GatewayError(
        status: 401, code: "AUTH_INVALID_TOKEN", type: "authentication_error", message: "The access token is invalid or has been revoked.")

    public static let accessTokenExpired = GatewayError(
        status: 401, code: "AUTH_TOKEN_EXPIRED", type: "authentication_error", message: "The access token has expired; refresh it or sign in again.")

    public static let invalidCredentials = GatewayError(
        status: 401, code: "AUTH_INVALID_CREDENTIALS", type: "authentication_error", message: "Invalid e-mail or password.")

    /// Too many failed sign-ins from one client address (password spraying), whatever the accounts.
    public static func tooManySignIns(retryAfterSeconds: Int) -> GatewayError {
        GatewayError(status: 429, code: "TOO_MANY_SIGN_IN_ATTEMPTS", type: "rate_limit_error",
                     message: "Too many failed sign-ins from this address: try again later.",
                     headers: [("retry-after", String(max(1, retryAfterSeconds)))])
    }

    public static func accountLocked(retryAfterSeconds: Int) -> GatewayError {
        GatewayError(status: 423, code: "ACCOUNT_LOCKED", type: "authentication_error",
                     message: "Too many failed sign-ins: the account is locked for a while.",
                     headers: [("retry-after", String(max(1, retryAfterSeconds)))])
    }

    public static let accountDisabled = GatewayError(
        status: 403, code: "ACCOUNT_DISABLED", type: "permission_error", message: "This account or its tenant is disabled.")

    public static let tenantRequired = GatewayError(
        status: 400, code: "TENANT_REQUIRED", type: "invalid_request_error",
        message: "Name the tenant to act on with the X-Tenant-ID header.", param: "X-Tenant-ID")

    public static func permissionDenied(_ permission: String) -> GatewayError {
        GatewayError(status: 403, code: "PERMISSION_DENIED", type: "permission_error",
                     message: "This action needs the permission '\(permission)'.")
    }

    /// A missing resource, or one of another tenant: the same answer for both.
    public static func resourceNotFound(_ kind: String, _ id: String) -> GatewayError {
        GatewayError(status: 404, code: "NOT_FOUND", type: "invalid_request_error", message: "No \(kind) '\(id)'.")
    }

    public static func conflict(_ message: String, param: String? = nil) -> GatewayError {
        GatewayError(status: 409, code: "CONFLICT", type: "invalid_request_error", message: message, param: param)
    }

    public static func configManaged(_ kind: String, _ id: String) -> GatewayError {
        GatewayError(status: 409, code: "CONFIG_MANAGED", type: "invalid_request_error",
                     message: "The \(kind) '\(id)' comes from the configuration file; change it there.")
    }

    /// A body field that is unknown, missing or invalid; `param` names it (`limits.dailyUsd`).
    public static func invalidField(_ param: String, _ message: String) -> GatewayError {
        GatewayError(status: 400, code: "INVALID_FIELD", type: "invalid_request_error", message: message, param: param)
    }

    public static func capabilityNotAllowed(_ capability: String) -> GatewayError {
        GatewayError(status: 403, code: "CAPABILITY_NOT_ALLOWED", type: "permission_error",
                     message: "This API key may not use the '\(capability)' capability.")
    }

    public static func modelNotAllowed(_ model: String) -> GatewayError {
        GatewayError(status: 403, code: "MODEL_NOT_ALLOWED", type: "permission_error",
                     message: "This API key may not use the model '\(model)'.", param: "model")
    }

    public static let ipNotAllowed = GatewayError(
        status: 403, code: "IP_NOT_ALLOWED", type: "permission_error", message: "This API key may not be used from this address.")

    public static let tenantSuspended = GatewayError(
        status: 403, code: "TENANT_SUSPENDED", type: "permission_error", message: "This tenant is suspended.")
}
