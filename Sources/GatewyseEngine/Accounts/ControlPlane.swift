import GatewyseCore
import GatewyseStorage

/// The control plane's services, built once per runtime from the master key: admin sign-in and
/// sessions (`accounts`), access-token verification (`tokens`, the `AccessTokenVerifying` of the
/// admin API), password hashing and credential encryption. None of them is on the `/v1` path.
public final class ControlPlane: Sendable {
    public let passwords: PasswordHasher
    public let tokens: AccessTokenService
    public let accounts: AccountService
    /// Provider credentials at rest: AES-256-GCM under a key derived from the master key.
    public let credentials: CredentialCipher

    /// `blockingWork`: where Argon2id runs (the server's thread pool); `passwordParameters`:
    /// OWASP's by default, cheaper ones in tests only.
    public init(masterKey: MasterKey, store: any ControlPlaneStore, blockingWork: any BlockingWorkRunner,
                settings: AccountSettings = AccountSettings(), passwordParameters: PasswordHasher.Parameters = .owasp,
                clock: @escaping @Sendable () -> Int64 = UnixClock.milliseconds) {
        passwords = PasswordHasher(parameters: passwordParameters, runner: blockingWork)
        tokens = AccessTokenService(masterKey: masterKey, store: store, lifetime: settings.accessTokenLifetime, clock: clock)
        accounts = AccountService(store: store, hasher: passwords, tokens: tokens, settings: settings, clock: clock)
        credentials = CredentialCipher(masterKey: masterKey)
    }

    /// The verifier the admin API authenticates access tokens with.
    public var accessTokens: any AccessTokenVerifying { tokens }
}
