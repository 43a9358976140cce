import GatewyseCore
import GatewyseStorage

/// `organizations` and `departments`: the tenant's hierarchy (tenant → organization →
/// department → user). Ids are slugs the caller may choose, or generated.
extension AdminAPI {
    func organizationRoutes() -> [AdminRoute] {
        [
            AdminRoute("GET", "/api/admin/organizations", .organizationsRead) { [self] request in
                let items = try await store.everything(Organization.self, tenantID: request.principal.tenantID)
                return .ok(try AdminListing.page(items.map { ($0.id, render($0)) }, query: request.query, filterable: ["name"]))
            },
            AdminRoute("POST", "/api/admin/organizations", .organizationsWrite) { [self] request in
                let body = try FieldReader(request.body, allowed: ["id", "name"])
                let id = try chosenID(body, prefix: "org")
                let organization = Organization(id: id, tenantID: request.principal.tenantID, name: try body.requiredString("name"), createdAt: now)
                try await commit([.insert(organization, at: now)], audit: [
                    request.principal.audit("organization.create", targetType: "organization", targetID: id,
                                            summary: "created organization \(organization.name)", time: nowMilliseconds),
                ])
                return .created(.object(render(organization)))
            },
            AdminRoute("GET", "/api/admin/organizations/{id}", .organizationsRead) { [self] request in
                .ok(.object(render(try await existing(Organization.self, "organization", request))))
            },
            AdminRoute("PATCH", "/api/admin/organizations/{id}", .organizationsWrite) { [self] request in
                var (organization, version) = try await existingVersioned(Organization.self, "organization", request)
                let body = try FieldReader(request.body, allowed: ["name"])
                let before = render(organization)
                if let name = try body.string("name") { organization.name = try nonEmpty(name, "name") }
                try await commit([.update(organization, at: now, expectedVersion: version)], audit: [
                    request.principal.audit("organization.update", targetType: "organization", targetID: organization.id,
                                            summary: changeSummary(before: before, after: render(organization)), time: nowMilliseconds),
                ])
                return .ok(.object(render(organization)))
            },
            AdminRoute("DELETE", "/api/admin/organizations/{id}", .organizationsWrite) { [self] request in
                let organization = try await existing(Organization.self, "organization", request)
                let tenantID = request.principal.tenantID
                let departments = try await store.everything(Department.self, tenantID: tenantID)
                let users = try await store.everything(UserRecord.self, tenantID: tenantID)
                let keys = try await store.everything(APIKeyRecord.self, tenantID: tenantID).filter { $0.revokedAt == nil }
                if departments.contains(where: { $0.organizationID == organization.id }) || users.contains(where: { $0.organizationID == organization.id })
                    || keys.contains(where: { $0.organizationID == organization.id }) {
                    throw GatewayError.conflict("Organization '\(organization.id)' still has departments, users or active keys; move or delete them first.")
                }
                try await commit([.delete(organization)], audit: [
                    request.principal.audit("organization.delete", targetType: "organization", targetID: organization.id,
                                            summary: "deleted organization \(organization.name)", time: nowMilliseconds),
                ])
                return .noContent
            },
        ]
    }

    func departmentRoutes() -> [AdminRoute] {
        [
            AdminRoute("GET", "/api/admin/departments", .departmentsRead) { [self] request in
                let items = try await store.everything(Department.self, tenantID: request.principal.tenantID)
                return .ok(try AdminListing.page(items.map { ($0.id, render($0)) }, query: request.query, filterable: ["name", "organizationId"]))
            },
            AdminRoute("POST", "/api/admin/departments", .departmentsWrite) { [self] request in
                let body = try FieldReader(request.body, allowed: ["id", "name", "organizationId"])
                let id = try chosenID(body, prefix: "dept")
                let organizationID = try body.requiredString("organizationId")
                try await requireMember(Organization.self, organizationID, tenantID: request.principal.tenantID, field: "organizationId")
                let department = Department(id: id, tenantID: request.principal.tenantID, name: try body.requiredString("name"),
                                            organizationID: organizationID, createdAt: now)
                try await commit([.insert(department, at: now)], audit: [
                    request.principal.audit("department.create", targetType: "department", targetID: id,
                                            summary: "created department \(department.name) in organization \(organizationID)", time: nowMilliseconds),
                ])
                return .created(.object(render(department)))
            },
            AdminRoute("GET", "/api/admin/departments/{id}", .departmentsRead) { [self] request in
                .ok(.object(render(try await existing(Department.self, "department", request))))
            },
            AdminRoute("PATCH", "/api/admin/departments/{id}", .departmentsWrite) { [self] request in
                var (department, version) = try await existingVersioned(Department.self, "department", request)
                let body = try FieldReader(request.body, allowed: ["name", "organizationId"])
                let before = render(department)
                if let name = try body.string("name") { department.name = try nonEmpty(name, "name") }
                var moved: [ResourceChange] = []
                if let organizationID = try body.string("organizationId"), organizationID != department.organizationID {
                    try await requireMember(Organization.self, organizationID, tenantID: request.principal.tenantID, field: "organizationId")
                    department.organizationID = organizationID
                    // Its users and keys move with it: a department belongs to one organization.
                    for var user in try await store.everything(UserRecord.self, tenantID: department.tenantID) where user.departmentID == department.id {
                        user.organizationID = organizationID
                        moved.append(try .update(user, at: now))
                    }
                    for var key in try await store.everything(APIKeyRecord.self, tenantID: department.tenantID) where key.departmentID == department.id {
                        key.organizationID = organizationID
                        moved.append(try .update(key, at: now))
                    }
                }
                try await commit([.update(department, at: now, expectedVersion: version)] + moved, audit: [
                    request.principal.audit("department.update", targetType: "department", targetID: department.id,
                                            summary: changeSummary(before: before, after: render(department)), time: nowMilliseconds),
                ])
                return .ok(.object(render(department)))
            },
            AdminRoute("DELETE", "/api/admin/departments/{id}", .departmentsWrite) { [self] request in
                let department = try await existing(Department.self, "department", request)
                let tenantID = request.principal.tenantID
                let users = try await store.everything(UserRecord.self, tenantID: tenantID)
                let keys = try await store.everything(APIKeyRecord.self, tenantID: tenantID).filter { $0.revokedAt == nil }
                if users.contains(where: { $0.departmentID == department.id }) || keys.contains(where: { $0.departmentID == department.id }) {
                    throw GatewayError.conflict("Department '\(department.id)' still has users or active keys; move or delete them first.")
                }
                try await commit([.delete(department)], audit: [
                    request.principal.audit("department.delete", targetType: "department", targetID: department.id,
                                            summary: "deleted department \(department.name)", time: nowMilliseconds),
                ])
                return .noContent
            },
        ]
    }

    func render(_ organization: Organization) -> JSONObject {
        JSONObject([("id", .string(organization.id)), ("name", .string(organization.name)), ("createdAt", .time(organization.createdAt))])
    }

    func render(_ department: Department) -> JSONObject {
        JSONObject([("id", .string(department.id)), ("name", .string(department.name)),
                    ("organizationId", .string(department.organizationID)), ("createdAt", .time(department.createdAt))])
    }
}

// MARK: - Shared by the tenant-scoped resources

extension AdminAPI {
    /// The resource named by the path's `{id}` in the caller's tenant; another tenant's answers
    /// exactly as a missing one (404), since the lookup never leaves the caller's tenant.
    func existing<R: DomainResource>(_ type: R.Type, _ kind: String, _ request: AdminRequest) async throws -> R {
        try await existingVersioned(type, kind, request).resource
    }

    /// `existing` with the version read: a read-modify-write commits with it as the expected
    /// version, so two concurrent changes cannot silently undo each other (409 `CONFLICT`).
    func existingVersioned<R: DomainResource>(_ type: R.Type, _ kind: String, _ request: AdminRequest) async throws -> (resource: R, version: Int64) {
        try await versioned(type, kind, tenantID: request.principal.tenantID, id: request.parameter("id"))
    }

    func versioned<R: DomainResource>(_ type: R.Type, _ kind: String, tenantID: String, id: String) async throws -> (resource: R, version: Int64) {
        guard let stored = try await store.fetch(R.kind, tenantID: tenantID, id: id) else { throw GatewayError.resourceNotFound(kind, id) }
        return (try R(stored: stored), stored.version)
    }

    /// A reference from a body (`organizationId`) that must name a resource of the same tenant.
    func requireMember<R: DomainResource>(_ type: R.Type, _ id: String, tenantID: String, field: String) async throws {
        guard try await store.get(type, tenantID: tenantID, id: id) != nil else {
            throw GatewayError.invalidField(field, "No \(R.kind.rawValue) '\(id)' in this tenant.")
        }
    }

    /// The body's `id` (a slug) or a generated one.
    func chosenID(_ body: FieldReader, prefix: String) throws(GatewayError) -> String {
        guard let id = try body.string("id") else { return prefix + "_" + IDGenerator.hex(bytes: 8) }
        guard Slug.isValid(id) else { throw GatewayError.invalidField("id", "'id' must match [a-z0-9-]{2,63}.") }
        return id
    }

    func nonEmpty(_ text: String, _ field: String) throws(GatewayError) -> String {
        let trimmed = text.trimmingWhitespace
        guard !trimmed.isEmpty else { throw GatewayError.invalidField(field, "'\(field)' must not be empty.") }
        return trimmed
    }
}
