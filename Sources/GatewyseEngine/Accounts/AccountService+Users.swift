import GatewyseCore
import GatewyseStorage

/// Creating password users: the first start's super-admin and `gatewyse admin create`.
extension AccountService {
    /// What a new user needs.
    public struct NewUser: Sendable {
        public var email: String
        public var name: String
        /// Nil: a strong one is generated and returned once.
        public var password: String?
        public var roles: [String]
        /// The tenant; ignored (system scope) when `roles` holds `super-admin`.
        public var tenantID: String?

        public init(email: String, name: String? = nil, password: String? = nil, roles: [String], tenantID: String? = nil) {
            self.email = email
            self.name = name ?? email
            self.password = password
            self.roles = roles
            self.tenantID = tenantID
        }
    }

    /// Creates the user, audited as the action of `actorID` (`system` for the bootstrap and
    /// the CLI). Returns the record and the generated password, if one was generated.
    /// Throws 400 `INVALID_FIELD` (e-mail, password policy, role, tenant) or 409 `CONFLICT`
    /// (e-mail taken).
    public func createUser(_ new: NewUser, actorID: String = "system", actorType: ActorType = .system) async throws
        -> (user: UserRecord, generatedPassword: String?) {
        let email = new.email.trimmingWhitespace
        guard Self.isPlausibleEmail(email) else { throw GatewayError.invalidField("email", "Not an e-mail address.") }
        guard !new.roles.isEmpty else { throw GatewayError.invalidField("roles", "Give the user at least one role.") }
        let superAdmin = new.roles.contains(BuiltInRole.superAdmin.rawValue)
        let tenantID: String
        if superAdmin {
            guard new.roles.allSatisfy({ BuiltInRole(rawValue: $0) != nil }) else {
                throw GatewayError.invalidField("roles", "A super-admin has built-in roles only.")
            }
            tenantID = SystemScope.tenantID
        } else {
            guard let id = new.tenantID, !id.isEmpty else {
                throw GatewayError.invalidField("tenant", "Name the tenant the user belongs to (only a super-admin belongs to none).")
            }
            guard try await store.tenant(id: id) != nil else { throw GatewayError.invalidField("tenant", "No tenant '\(id)'.") }
            let custom = try await store.everything(RoleRecord.self, tenantID: id).map(\.id)
            for role in new.roles where BuiltInRole(rawValue: role) == nil && !custom.contains(role) {
                throw GatewayError.invalidField("roles", "No role '\(role)': use a built-in role or one of the tenant's custom roles.")
            }
            tenantID = id
        }
        let generated = new.password == nil ? PasswordPolicy.generate() : nil
        let password = new.password ?? generated!
        try PasswordPolicy.check(password, field: "password")
        let now = seconds
        let user = UserRecord(id: "usr_" + IDGenerator.hex(bytes: 12), tenantID: tenantID, email: email, name: new.name,
                              passwordHash: try await hasher.hash(password), roles: new.roles, createdAt: now)
        do {
            try await store.commit([try .insert(user, at: now)], audit: [AuditDraft(
                tenantID: tenantID, time: clock(), actorID: actorID, actorType: actorType, action: "user.create",
                targetType: "user", targetID: user.id, summary: "Created user \(email) with roles \(new.roles.joined(separator: ", ")).")])
        } catch StoreError.duplicate {
            throw GatewayError.conflict("A user with this e-mail already exists.", param: "email")
        }
        return (user, generated)
    }

    static func isPlausibleEmail(_ email: String) -> Bool {
        guard email.utf8.count <= 254, let at = email.lastIndex(of: "@") else { return false }
        let local = email[..<at]
        let domain = email[email.index(after: at)...]
        return !local.isEmpty && !domain.isEmpty && !email.contains(where: { $0.isWhitespace || $0.isNewline })
    }
}

/// The first start on an empty database (admin-api.md §3): a `super-admin` from
/// `SUPER_ADMIN_EMAIL` (default `admin@gatewyse.local`) and `SUPER_ADMIN_PASSWORD`, or a generated
/// password that the caller prints once.
public enum AccountBootstrap {
    public static let defaultEmail = "admin@gatewyse.local"

    public struct Outcome: Sendable, Equatable {
        public var email: String
        /// Print once, never log.
        public var generatedPassword: String?
    }

    /// Creates the super-admin when the store holds no user at all; nil otherwise. Throws
    /// `BootstrapError` for a `SUPER_ADMIN_PASSWORD` that fails the policy or a bad e-mail.
    public static func ensureSuperAdmin(accounts: AccountService, environment: [String: String]) async throws -> Outcome? {
        guard try await accounts.store.listAll(.user).isEmpty else { return nil }
        let email = environment["SUPER_ADMIN_EMAIL"].flatMap { $0.isEmpty ? nil : $0 } ?? defaultEmail
        let password = environment["SUPER_ADMIN_PASSWORD"].flatMap { $0.isEmpty ? nil : $0 }
        if let password {
            let problems = PasswordPolicy.problems(with: password)
            guard problems.isEmpty else {
                throw BootstrapError("SUPER_ADMIN_PASSWORD does not meet the password policy: it needs \(problems.joined(separator: ", ")). "
                                     + "Set a stronger one, or unset it to have a password generated and printed once.")
            }
        }
        do {
            let (user, generated) = try await accounts.createUser(
                AccountService.NewUser(email: email, name: "Super admin", password: password, roles: [BuiltInRole.superAdmin.rawValue]))
            return Outcome(email: user.email, generatedPassword: generated)
        } catch let error as GatewayError where error.param == "email" && error.status == 400 {
            throw BootstrapError("SUPER_ADMIN_EMAIL '\(email)' is not an e-mail address.")
        } catch let error as GatewayError where error.status == 409 {
            // Another replica created it first.
            return nil
        }
    }
}

public struct BootstrapError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

extension String {
    var trimmingWhitespace: String {
        String(drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed())
    }
}
