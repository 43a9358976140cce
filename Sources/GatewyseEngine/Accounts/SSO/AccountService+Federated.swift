import GatewyseCore
import GatewyseStorage

/// Sign-in vouched for by a tenant's identity provider (decisions/0022).
extension AccountService {
    /// Signs in the tenant's user with this e-mail, creating it with `role` on its first
    /// sign-in (just-in-time provisioning). The e-mail is unique across the gateway: one that
    /// belongs to another tenant's user (or a super-admin) is refused — a tenant's identity
    /// provider vouches for that tenant's people only. A disabled or locked user stays out.
    func signInFederated(tenantID: String, email: String, name: String, issuer: String, role: String,
                         clientAddress: String?) async throws -> SignIn {
        let via = " through single sign-on (\(Self.hostOf(issuer)))\(Self.describe(clientAddress))"
        for _ in 0..<2 {
            if let stored = try await store.fetch(.user, uniqueKey: UserRecord.uniqueKey(email: email)) {
                let user = try UserRecord(stored: stored)
                guard user.tenantID == tenantID else {
                    try await store.append(audit: AuditDraft(tenantID: tenantID, time: clock(), actorID: "system", actorType: .system,
                                                             action: "auth.sso_refused", targetType: "user", targetID: "",
                                                             summary: "Single sign-on refused: the e-mail belongs to an account outside this tenant\(via)."))
                    throw GatewayError.ssoIdentityRefused
                }
                if let retry = lockRemaining(user, now: seconds) { throw GatewayError.accountLocked(retryAfterSeconds: Int(retry)) }
                guard try await isEnabled(user) else {
                    try await store.append(audit: draft(user, "auth.login_failed", targetType: "user", targetID: user.id,
                                                        summary: "Failed sign-in: account or tenant disabled\(via)."))
                    throw GatewayError.accountDisabled
                }
                return try await openSession(user, action: "auth.sso_login", summary: "Signed in\(via).")
            }
            let now = seconds
            let user = UserRecord(id: "usr_" + IDGenerator.hex(bytes: 12), tenantID: tenantID, email: email, name: String(name.prefix(200)),
                                  passwordHash: nil, roles: [role], createdAt: now)
            do {
                // The actor is the user itself: the identity provider authenticated it.
                try await store.commit([try .insert(user, at: now)], audit: [
                    draft(user, "user.provision", targetType: "user", targetID: user.id,
                          summary: "User \(email) created with role \(role) on first sign-in\(via)."),
                ])
            } catch StoreError.duplicate {
                // Signed in twice at once: the other sign-in created it; read it again.
                continue
            }
            return try await openSession(user, action: "auth.sso_login", summary: "Signed in\(via).")
        }
        throw GatewayError.internalError("The account is being created concurrently; try again.")
    }

    /// The issuer's host, for audit summaries (never a path or query).
    static func hostOf(_ url: String) -> String {
        let rest = url.split(separator: "://", maxSplits: 1).last.map(String.init) ?? url
        return String(rest.split(separator: "/", maxSplits: 1).first ?? "").prefix(128).filter { $0.isASCII && !$0.isWhitespace }
    }
}
