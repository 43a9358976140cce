import GatewyseCore
import GatewyseStorage

/// `users` of a tenant. Nobody grants what they do not hold: the roles given to a user must
/// carry no permission the caller lacks, and `super-admin` is never granted through a tenant.
extension AdminAPI {
    static let userFields: Set<String> = ["email", "name", "password", "roles", "organizationId", "departmentId", "status"]

    func userRoutes() -> [AdminRoute] {
        [
            AdminRoute("GET", "/api/admin/users", .usersRead) { [self] request in
                let users = try await store.everything(UserRecord.self, tenantID: request.principal.tenantID)
                return .ok(try AdminListing.page(users.map { ($0.id, render($0)) }, query: request.query,
                                                 filterable: ["email", "status", "roles", "organizationId", "departmentId"]))
            },
            AdminRoute("POST", "/api/admin/users", .usersWrite) { [self] request in
                let tenantID = request.principal.tenantID
                let body = try FieldReader(request.body, allowed: Self.userFields)
                let email = try body.requiredString("email").trimmingWhitespace
                guard AccountService.isPlausibleEmail(email) else { throw GatewayError.invalidField("email", "Not an e-mail address.") }
                let roles = try await grantableRoles(try body.strings("roles") ?? [BuiltInRole.user.rawValue], by: request.principal)
                let generated = try body.string("password") == nil ? PasswordPolicy.generate() : nil
                let password = try body.string("password") ?? generated!
                try PasswordPolicy.check(password, field: "password")
                var user = UserRecord(id: "usr_" + IDGenerator.hex(bytes: 12), tenantID: tenantID, email: email,
                                      name: try body.string("name") ?? email, passwordHash: nil, roles: roles, createdAt: now)
                try await applyPlacement(body, to: &user)
                if let status = try body.choice("status", ["active", "inactive", "suspended"]) { user.status = UserRecord.Status(rawValue: status)! }
                user.passwordHash = try await passwords.hash(password)
                do {
                    try await commit([.insert(user, at: now)], audit: [
                        request.principal.audit("user.create", targetType: "user", targetID: user.id,
                                                summary: "created user \(email) with roles \(roles.joined(separator: ", "))", time: nowMilliseconds),
                    ])
                } catch StoreError.duplicate {
                    throw GatewayError.conflict("A user with this e-mail already exists.", param: "email")
                }
                var answer = render(user)
                // A generated password is shown in this answer only; nothing stores it in clear.
                if let generated { answer["password"] = .string(generated) }
                return .created(.object(answer))
            },
            AdminRoute("GET", "/api/admin/users/{id}", .usersRead) { [self] request in
                .ok(.object(render(try await existing(UserRecord.self, "user", request))))
            },
            AdminRoute("PATCH", "/api/admin/users/{id}", .usersWrite) { [self] request in
                var (user, version) = try await existingVersioned(UserRecord.self, "user", request)
                let body = try FieldReader(request.body, allowed: Self.userFields.subtracting(["email"]))
                let before = user
                // Changing someone who holds more than the caller would be an escalation too.
                _ = try await grantableRoles(user.roles, by: request.principal, field: "id")
                if let name = try body.string("name") { user.name = try nonEmpty(name, "name") }
                if let roles = try body.strings("roles") { user.roles = try await grantableRoles(roles, by: request.principal) }
                try await applyPlacement(body, to: &user)
                if let status = try body.choice("status", ["active", "inactive", "suspended"]) {
                    user.status = UserRecord.Status(rawValue: status)!
                    if user.status == .active { user.failedLogins = []; user.lockedUntil = nil }
                }
                var actions: [(String, String)] = []
                if let password = try body.string("password") {
                    try PasswordPolicy.check(password, field: "password")
                    user.passwordHash = try await passwords.hash(password)
                    actions.append(("user.password_reset", "reset the password of \(user.email)"))
                }
                if before.roles != user.roles {
                    actions.append(("user.role_change", "roles of \(user.email): \(before.roles.joined(separator: ", ")) → \(user.roles.joined(separator: ", "))"))
                }
                let summary = changeSummary(before: render(before), after: render(user))
                if actions.isEmpty || summary != "no change" { actions.append(("user.update", summary)) }
                // A password reset or a user no longer active ends every session of the user.
                let endSessions = before.passwordHash != user.passwordHash || user.status != .active
                let sessions = endSessions ? try await activeSessions(of: user) : []
                try await commit([.update(user, at: now, expectedVersion: version)] + (try sessions.map { try .update($0, at: now) }), audit: actions.map { action, summary in
                    request.principal.audit(action, targetType: "user", targetID: user.id, summary: summary, time: nowMilliseconds)
                })
                return .ok(.object(render(user)))
            },
            AdminRoute("DELETE", "/api/admin/users/{id}", .usersWrite) { [self] request in
                let user = try await existing(UserRecord.self, "user", request)
                _ = try await grantableRoles(user.roles, by: request.principal, field: "id")
                guard user.id != request.principal.userID else { throw GatewayError.conflict("You cannot delete your own account.") }
                // Its sessions end and the keys bound to it are revoked with it, in the same commit.
                let sessions = try await activeSessions(of: user)
                let keys = try await store.everything(APIKeyRecord.self, tenantID: user.tenantID)
                    .filter { $0.userID == user.id && $0.revokedAt == nil }
                    .map { key in var key = key; key.revokedAt = now; return key }
                let changes = [ResourceChange.delete(user)] + (try sessions.map { try .update($0, at: now) }) + (try keys.map { try .update($0, at: now) })
                try await commit(changes, audit: [
                    request.principal.audit("user.delete", targetType: "user", targetID: user.id,
                                            summary: "deleted user \(user.email); revoked \(keys.count) bound key(s)", time: nowMilliseconds),
                ])
                return .noContent
            },
        ]
    }

    /// `organizationId` / `departmentId`: each must exist in the tenant, and a department
    /// implies its organization.
    private func applyPlacement(_ body: FieldReader, to user: inout UserRecord) async throws {
        if body.has("organizationId") {
            let id = try body.string("organizationId")
            if let id { try await requireMember(Organization.self, id, tenantID: user.tenantID, field: "organizationId") }
            user.organizationID = id
        }
        if body.has("departmentId") {
            let id = try body.string("departmentId")
            if let id {
                guard let department = try await store.get(Department.self, tenantID: user.tenantID, id: id) else {
                    throw GatewayError.invalidField("departmentId", "No department '\(id)' in this tenant.")
                }
                if let organization = user.organizationID, organization != department.organizationID {
                    throw GatewayError.invalidField("departmentId", "Department '\(id)' belongs to organization '\(department.organizationID)', not '\(organization)'.")
                }
                user.organizationID = department.organizationID
            }
            user.departmentID = id
        }
    }

    /// The roles, validated: known in the tenant, never `super-admin`, and carrying no
    /// permission the caller lacks (403 naming the first such permission).
    func grantableRoles(_ roles: [String], by principal: AdminPrincipal, field: String = "roles") async throws -> [String] {
        guard !roles.isEmpty else { throw GatewayError.invalidField(field, "Give the user at least one role.") }
        let custom = try await store.everything(RoleRecord.self, tenantID: principal.tenantID)
        for (i, slug) in roles.enumerated() {
            if slug == BuiltInRole.superAdmin.rawValue {
                throw GatewayError.invalidField("\(field)[\(i)]", "super-admin is not a tenant role (create super-admins with `gatewyse admin create`).")
            }
            guard BuiltInRole(rawValue: slug) != nil || custom.contains(where: { $0.id == slug }) else {
                throw GatewayError.invalidField("\(field)[\(i)]", "No role '\(slug)': use a built-in role or one of the tenant's custom roles.")
            }
        }
        let granted = RoleResolver.permissions(of: roles, customRoles: custom)
        if let missing = principal.firstMissing(of: granted) {
            throw GatewayError.permissionDenied(missing.rawValue)
        }
        return Array(uniqued(roles))
    }

    /// The user's sessions still open, marked revoked as of now.
    func activeSessions(of user: UserRecord) async throws -> [SessionRecord] {
        try await store.everything(SessionRecord.self, tenantID: user.tenantID)
            .filter { $0.userID == user.id && $0.isActive(at: now) }
            .map { session in var session = session; session.revokedAt = now; return session }
    }

    func render(_ user: UserRecord) -> JSONObject {
        let locked = user.status == .locked || (user.lockedUntil.map { $0 > now } ?? false)
        return JSONObject([
            ("id", .string(user.id)), ("email", .string(user.email)), ("name", .string(user.name)), ("roles", .strings(user.roles)),
            ("organizationId", .optional(user.organizationID)), ("departmentId", .optional(user.departmentID)),
            ("status", .string(locked ? UserRecord.Status.locked.rawValue : user.status.rawValue)),
            ("lastLoginAt", .time(user.lastLoginAt)), ("createdAt", .time(user.createdAt)),
        ])
    }
}

/// The items in their first order, each once.
func uniqued(_ items: [String]) -> [String] {
    var seen = Set<String>()
    return items.filter { seen.insert($0).inserted }
}
