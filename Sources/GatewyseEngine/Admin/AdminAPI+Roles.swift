import GatewyseCore
import GatewyseStorage

/// `roles`: the six built-ins (immutable, listed with `builtIn: true`) and the tenant's custom
/// roles over the permission catalogue. A custom role holds no tenant-management permission and
/// nothing its creator lacks.
extension AdminAPI {
    func roleRoutes() -> [AdminRoute] {
        [
            AdminRoute("GET", "/api/admin/roles", .rolesRead) { [self] request in
                let custom = try await store.everything(RoleRecord.self, tenantID: request.principal.tenantID)
                let items = BuiltInRole.allCases.map { ($0.rawValue, render($0)) } + custom.map { ($0.id, render($0)) }
                return .ok(try AdminListing.page(items, query: request.query, filterable: ["builtIn", "permissions"]))
            },
            AdminRoute("POST", "/api/admin/roles", .rolesWrite) { [self] request in
                let body = try FieldReader(request.body, allowed: ["slug", "name", "permissions"])
                let slug = try body.requiredString("slug")
                guard Slug.isValid(slug) else { throw GatewayError.invalidField("slug", "'slug' must match [a-z0-9-]{2,63}.") }
                guard BuiltInRole(rawValue: slug) == nil else { throw GatewayError.conflict("'\(slug)' is a built-in role.", param: "slug") }
                let role = RoleRecord(id: slug, tenantID: request.principal.tenantID, name: try body.string("name") ?? slug,
                                      permissions: try permissions(body, by: request.principal) ?? [], createdAt: now)
                try await commit([.insert(role, at: now)], audit: [
                    request.principal.audit("role.create", targetType: "role", targetID: slug,
                                            summary: "created role \(slug) with \(role.permissions.joined(separator: ", "))", time: nowMilliseconds),
                ])
                return .created(.object(render(role)))
            },
            AdminRoute("GET", "/api/admin/roles/{id}", .rolesRead) { [self] request in
                if let builtIn = BuiltInRole(rawValue: request.parameter("id")) { return .ok(.object(render(builtIn))) }
                return .ok(.object(render(try await existing(RoleRecord.self, "role", request))))
            },
            AdminRoute("PATCH", "/api/admin/roles/{id}", .rolesWrite) { [self] request in
                try refuseBuiltIn(request)
                var (role, version) = try await existingVersioned(RoleRecord.self, "role", request)
                // Changing a role changes everyone who holds it: the caller must hold what it grants now.
                try requireHolds(role.permissions, request.principal)
                let body = try FieldReader(request.body, allowed: ["name", "permissions"])
                let before = render(role)
                if let name = try body.string("name") { role.name = try nonEmpty(name, "name") }
                if let permissions = try permissions(body, by: request.principal) { role.permissions = permissions }
                try await commit([.update(role, at: now, expectedVersion: version)], audit: [
                    request.principal.audit("role.update", targetType: "role", targetID: role.id,
                                            summary: changeSummary(before: before, after: render(role)), time: nowMilliseconds),
                ])
                return .ok(.object(render(role)))
            },
            AdminRoute("DELETE", "/api/admin/roles/{id}", .rolesWrite) { [self] request in
                try refuseBuiltIn(request)
                let role = try await existing(RoleRecord.self, "role", request)
                try requireHolds(role.permissions, request.principal)
                let holders = try await store.everything(UserRecord.self, tenantID: role.tenantID).filter { $0.roles.contains(role.id) }
                guard holders.isEmpty else {
                    throw GatewayError.conflict("Role '\(role.id)' is held by \(holders.count) user(s); take it from them first.")
                }
                try await commit([.delete(role)], audit: [
                    request.principal.audit("role.delete", targetType: "role", targetID: role.id, summary: "deleted role \(role.id)", time: nowMilliseconds),
                ])
                return .noContent
            },
            AdminRoute("GET", "/api/admin/permissions", nil, scope: .either) { _ in .ok(Self.permissionCatalogue) },
        ]
    }

    private func requireHolds(_ names: [String], _ principal: AdminPrincipal) throws(GatewayError) {
        if let missing = principal.firstMissing(of: Set(names.compactMap(Permission.init(rawValue:)))) {
            throw GatewayError.permissionDenied(missing.rawValue)
        }
    }

    private func refuseBuiltIn(_ request: AdminRequest) throws(GatewayError) {
        if BuiltInRole(rawValue: request.parameter("id")) != nil {
            throw GatewayError.conflict("Built-in roles cannot be changed; create a custom role instead.")
        }
    }

    /// `permissions`: catalogue names, no tenant management, none the caller lacks.
    private func permissions(_ body: FieldReader, by principal: AdminPrincipal) throws(GatewayError) -> [String]? {
        guard let names = try body.strings("permissions") else { return nil }
        var result: [String] = []
        for (i, name) in names.enumerated() {
            guard let permission = Permission(rawValue: name) else {
                throw GatewayError.invalidField("permissions[\(i)]", "Unknown permission '\(name)' (GET /api/admin/permissions lists them).")
            }
            guard permission != .tenantsRead, permission != .tenantsWrite else {
                throw GatewayError.invalidField("permissions[\(i)]", "'\(name)' belongs to super-admins only.")
            }
            guard principal.holds(permission) else { throw GatewayError.permissionDenied(name) }
            if !result.contains(name) { result.append(name) }
        }
        return result
    }

    func render(_ role: BuiltInRole) -> JSONObject {
        JSONObject([("slug", .string(role.rawValue)), ("name", .string(role.name)),
                    ("permissions", .strings(role.permissions.map(\.rawValue).sorted())), ("builtIn", .bool(true))])
    }

    func render(_ role: RoleRecord) -> JSONObject {
        JSONObject([("slug", .string(role.id)), ("name", .string(role.name)), ("permissions", .strings(role.permissions)),
                    ("builtIn", .bool(false)), ("createdAt", .time(role.createdAt))])
    }
}
