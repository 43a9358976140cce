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

    public init() {}
}
