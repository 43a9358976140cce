/// What a verified admin access token says (admin-api.md §2: a JWT with `sub`, `tenant`, `jti`,
/// `exp`; `sid` names the sign-in session, so that logout stops it on every replica).
public struct AccessClaims: Sendable, Equatable {
    public var userID: String
    public var tenantID: String
    public var sessionID: String
    public var tokenID: String
    /// Unix seconds.
    public var expiresAt: Int64

    public init(userID: String, tenantID: String, sessionID: String, tokenID: String, expiresAt: Int64) {
        self.userID = userID
        self.tenantID = tenantID
        self.sessionID = sessionID
        self.tokenID = tokenID
        self.expiresAt = expiresAt
    }
}

/// Checks an access token: signature, expiry, and that its session is still active. Throws the
/// 401 to send (`GatewayError.invalidAccessToken`, `.accessTokenExpired`).
public protocol AccessTokenVerifying: Sendable {
    func verify(_ token: String) async throws -> AccessClaims
}
