import GatewyseCore
import GatewyseStorage

/// `tenants` (super-admin only): the customers of the deployment.
extension AdminAPI {
    static let tenantFields: Set<String> = ["id", "name", "status", "allowedModels", "enabledCapabilities"]

    func tenantRoutes() -> [AdminRoute] {
        [
            AdminRoute("GET", "/api/admin/tenants", .tenantsRead, scope: .system) { [self] request in
                let tenants = try await store.all(Tenant.self)
                return .ok(try AdminListing.page(tenants.map { ($0.id, render($0)) }, query: request.query,
                                                 filterable: ["status", "source", "name"]))
            },
            AdminRoute("POST", "/api/admin/tenants", .tenantsWrite, scope: .system) { [self] request in
                let body = try FieldReader(request.body, allowed: Self.tenantFields)
                let id = try body.requiredString("id")
                guard Slug.isValid(id) else { throw GatewayError.invalidField("id", "'id' must match [a-z0-9-]{2,63}.") }
                guard id != AuditChain.system else { throw GatewayError.invalidField("id", "'system' names the deployment's own audit chain.") }
                // A deleted tenant's audit chain stays: a new tenant with its id would read it.
                guard try await store.auditEntries(chain: id, filter: AuditFilter(), afterSequence: nil, limit: 1).isEmpty else {
                    throw GatewayError.conflict("The id '\(id)' belonged to a deleted tenant; choose another.", param: "id")
                }
                var tenant = Tenant(id: id, name: try body.string("name") ?? id, createdAt: now)
                try apply(body, to: &tenant)
                try await commit([.insert(tenant, at: now)], audit: [
                    request.principal.audit("tenant.create", targetType: "tenant", targetID: id, summary: "created tenant \(id)",
                                            time: nowMilliseconds, tenantID: SystemScope.tenantID),
                ])
                return .created(.object(render(tenant)))
            },
            AdminRoute("GET", "/api/admin/tenants/{id}", .tenantsRead, scope: .system) { [self] request in
                .ok(.object(render(try await existingTenant(request.parameter("id")))))
            },
            AdminRoute("PATCH", "/api/admin/tenants/{id}", .tenantsWrite, scope: .system) { [self] request in
                var (tenant, version) = try await versioned(Tenant.self, "tenant", tenantID: SystemScope.tenantID, id: request.parameter("id"))
                guard tenant.source != .config else { throw GatewayError.configManaged("tenant", tenant.id) }
                let body = try FieldReader(request.body, allowed: Self.tenantFields.subtracting(["id"]))
                let before = tenant
                if let name = try body.string("name") { tenant.name = name }
                try apply(body, to: &tenant)
                let action = before.status != tenant.status ? (tenant.status == .suspended ? "tenant.suspend" : "tenant.activate") : "tenant.update"
                try await commit([.update(tenant, at: now, expectedVersion: version)], audit: [
                    request.principal.audit(action, targetType: "tenant", targetID: tenant.id, summary: changeSummary(before: render(before), after: render(tenant)),
                                            time: nowMilliseconds, tenantID: SystemScope.tenantID),
                ])
                return .ok(.object(render(tenant)))
            },
            AdminRoute("DELETE", "/api/admin/tenants/{id}", .tenantsWrite, scope: .system) { [self] request in
                let tenant = try await existingTenant(request.parameter("id"))
                guard tenant.source != .config else { throw GatewayError.configManaged("tenant", tenant.id) }
                for kind in [ResourceKind.user, .apiKey, .organization, .department, .route, .provider] {
                    guard try await store.list(kind, tenantID: tenant.id, after: nil, limit: 1).isEmpty else {
                        throw GatewayError.conflict("Tenant '\(tenant.id)' still has resources (\(kind.rawValue)); delete them or suspend the tenant.")
                    }
                }
                // What a tenant holds beyond the resources above goes with it.
                let roles = try await store.everything(RoleRecord.self, tenantID: tenant.id)
                let settings = try await store.fetch(.settings, tenantID: tenant.id, id: TenantSettings.documentID)
                let extras: [ResourceChange] = roles.map { .delete($0) }
                    + (settings.map { [.delete(kind: .settings, tenantID: tenant.id, id: $0.id)] } ?? [])
                try await commit([.delete(tenant)] + extras, audit: [
                    request.principal.audit("tenant.delete", targetType: "tenant", targetID: tenant.id, summary: "deleted tenant \(tenant.id)",
                                            time: nowMilliseconds, tenantID: SystemScope.tenantID),
                ])
                return .noContent
            },
        ]
    }

    func existingTenant(_ id: String) async throws -> Tenant {
        guard let tenant = try await store.tenant(id: id) else { throw GatewayError.resourceNotFound("tenant", id) }
        return tenant
    }

    private func apply(_ body: FieldReader, to tenant: inout Tenant) throws(GatewayError) {
        if let status = try body.choice("status", ["active", "suspended"]) { tenant.status = Tenant.Status(rawValue: status)! }
        if let models = try body.strings("allowedModels") { tenant.allowedModels = models }
        if let capabilities = try body.strings("enabledCapabilities") {
            for (i, name) in capabilities.enumerated() where Capability(rawValue: name) == nil {
                throw GatewayError.invalidField("enabledCapabilities[\(i)]", "Unknown capability '\(name)'.")
            }
            tenant.enabledCapabilities = capabilities
        }
    }

    func render(_ tenant: Tenant) -> JSONObject {
        JSONObject([
            ("id", .string(tenant.id)), ("name", .string(tenant.name)), ("status", .string(tenant.status.rawValue)),
            ("allowedModels", .strings(tenant.allowedModels)), ("enabledCapabilities", .strings(tenant.enabledCapabilities)),
            ("source", .string(tenant.source.rawValue)), ("createdAt", .time(tenant.createdAt)),
        ])
    }

    /// "name: a → b; status: active → suspended" over the fields that changed (never secrets:
    /// rendered objects hold none).
    func changeSummary(before: JSONObject, after: JSONObject) -> String {
        var changes: [String] = []
        for (key, value) in after.entries where before[key] != value {
            let old = before[key].map { JSONWriter.string($0) } ?? "null"
            changes.append("\(key): \(old) → \(JSONWriter.string(value))")
        }
        let text = changes.isEmpty ? "no change" : changes.joined(separator: "; ")
        return text.count > 500 ? String(text.prefix(497)) + "..." : text
    }
}
