import GatewyseCore
import GatewyseStorage

/// `keys`: the tenant's API keys. The plaintext is answered once, at creation; the store keeps
/// its SHA-256 digest. A caller with only `keys:*:own` sees and manages the keys bound to itself.
extension AdminAPI {
    /// The capabilities a key may be scoped to (admin-api.md §4).
    public static let keyCapabilities = ["chat", "completions", "embeddings", "images", "audio", "tts", "rerank", "video-generation",
                                         "responses", "files", "batch", "vector-stores", "moderation", "usage:read", "budget:read", "admin"]
    static let keyFields: Set<String> = ["name", "scopes", "rateLimits", "expiresAt", "allowedCidrs", "organizationId", "departmentId",
                                         "userId", "metadata"]

    func keyRoutes() -> [AdminRoute] {
        [
            AdminRoute("GET", "/api/admin/keys", .keysRead) { [self] request in
                let keys = try await visibleKeys(request)
                let uses = try await store.keyUses(tenantID: request.principal.tenantID)
                return .ok(try AdminListing.page(keys.map { ($0.id, render($0, lastUsed: uses[$0.id])) }, query: request.query,
                                                 filterable: ["name", "status", "source", "userId", "organizationId", "departmentId", "prefix"]))
            },
            AdminRoute("POST", "/api/admin/keys", .keysWrite) { [self] request in
                let principal = request.principal
                let body = try FieldReader(request.body, allowed: Self.keyFields)
                let plaintext = APIKeyMaterial.generate()
                var key = APIKeyRecord(id: "key_" + IDGenerator.hex(bytes: 12), tenantID: principal.tenantID,
                                       name: try nonEmpty(try body.requiredString("name"), "name"),
                                       prefix: APIKeyMaterial.displayPrefix(plaintext), digest: APIKeyMaterial.digest(plaintext),
                                       createdAt: now, source: .created, scopes: APIKeyRecord.Scopes())
                try await apply(body, to: &key, request: request)
                if request.ownOnly {
                    guard let userID = principal.userID,
                          let user = try await store.get(UserRecord.self, tenantID: principal.tenantID, id: userID) else {
                        throw GatewayError.permissionDenied(Permission.keysWrite.rawValue)
                    }
                    guard key.userID == nil || key.userID == userID else {
                        throw GatewayError.invalidField("userId", "You may only create keys bound to yourself.")
                    }
                    // Costs and budgets follow the key's unit: one's own keys belong to one's own.
                    key.userID = userID
                    key.organizationID = user.organizationID
                    key.departmentID = user.departmentID
                }
                try await checkAdminCapability(key, by: principal)
                try await commit([.insert(key, at: now)], audit: [
                    principal.audit("key.create", targetType: "api_key", targetID: key.id,
                                    summary: "created key \(key.name) (\(key.prefix)…) with \(key.scopes.capabilities.joined(separator: ", "))",
                                    time: nowMilliseconds),
                ])
                var answer = render(key, lastUsed: nil)
                answer["key"] = .string(plaintext)
                return .created(.object(answer))
            },
            AdminRoute("GET", "/api/admin/keys/{id}", .keysRead) { [self] request in
                let (key, _) = try await visibleKey(request)
                return .ok(.object(render(key, lastUsed: try await store.keyUses(tenantID: key.tenantID)[key.id])))
            },
            AdminRoute("PATCH", "/api/admin/keys/{id}", .keysWrite) { [self] request in
                var (key, version) = try await visibleKey(request)
                guard key.source != .config else { throw GatewayError.configManaged("key", key.id) }
                try await checkAdminCapability(key, by: request.principal)
                // The limits an admin set on someone's key are not theirs to lift: a caller with
                // only `keys:write:own` renames its keys and edits their metadata, nothing else.
                let body = try FieldReader(request.body, allowed: request.ownOnly ? ["name", "metadata"] : Self.keyFields)
                let before = render(key, lastUsed: nil)
                if let name = try body.string("name") { key.name = try nonEmpty(name, "name") }
                try await apply(body, to: &key, request: request)
                if request.ownOnly, key.userID != request.principal.userID {
                    throw GatewayError.invalidField("userId", "You may only bind your keys to yourself.")
                }
                try await checkAdminCapability(key, by: request.principal)
                try await commit([.update(key, at: now, expectedVersion: version)], audit: [
                    request.principal.audit("key.update", targetType: "api_key", targetID: key.id,
                                            summary: changeSummary(before: before, after: render(key, lastUsed: nil)), time: nowMilliseconds),
                ])
                return .ok(.object(render(key, lastUsed: try await store.keyUses(tenantID: key.tenantID)[key.id])))
            },
            AdminRoute("POST", "/api/admin/keys/{id}/revoke", .keysWrite) { [self] request in
                var (key, version) = try await visibleKey(request)
                guard key.source != .config else { throw GatewayError.configManaged("key", key.id) }
                try await checkAdminCapability(key, by: request.principal)
                if key.revokedAt == nil {
                    key.revokedAt = now
                    try await commit([.update(key, at: now, expectedVersion: version)], audit: [
                        request.principal.audit("key.revoke", targetType: "api_key", targetID: key.id,
                                                summary: "revoked key \(key.name) (\(key.prefix)…)", time: nowMilliseconds),
                    ])
                }
                return .ok(.object(render(key, lastUsed: try await store.keyUses(tenantID: key.tenantID)[key.id])))
            },
        ]
    }

    private func visibleKeys(_ request: AdminRequest) async throws -> [APIKeyRecord] {
        let keys = try await store.everything(APIKeyRecord.self, tenantID: request.principal.tenantID)
        guard request.ownOnly else { return keys }
        guard let userID = request.principal.userID else { return [] }
        return keys.filter { $0.userID == userID }
    }

    /// A key of the caller's tenant, and the caller's own when it only holds `:own`; any other
    /// answers 404 like a missing one.
    private func visibleKey(_ request: AdminRequest) async throws -> (key: APIKeyRecord, version: Int64) {
        let (key, version) = try await existingVersioned(APIKeyRecord.self, "key", request)
        if request.ownOnly, key.userID == nil || key.userID != request.principal.userID {
            throw GatewayError.resourceNotFound("key", key.id)
        }
        return (key, version)
    }

    private func apply(_ body: FieldReader, to key: inout APIKeyRecord, request: AdminRequest) async throws {
        let tenantID = request.principal.tenantID
        if let scopes = try body.nested("scopes", allowed: ["capabilities", "providerIds", "modelIds"]) {
            if let capabilities = try scopes.strings("capabilities") {
                for (i, name) in capabilities.enumerated() where !Self.keyCapabilities.contains(name) {
                    throw GatewayError.invalidField("scopes.capabilities[\(i)]", "Unknown capability '\(name)'.")
                }
                key.scopes.capabilities = uniqued(capabilities)
            }
            if let providers = try scopes.strings("providerIds") { key.scopes.providerIDs = uniqued(providers) }
            if let models = try scopes.strings("modelIds") { key.scopes.modelIDs = uniqued(models) }
        }
        if let limits = try body.nested("rateLimits", allowed: ["requestsPerMinute", "requestsPerDay", "tokensPerDay"]) {
            // Merged: a field left out keeps its value, `null` removes the limit.
            if limits.has("requestsPerMinute") { key.rateLimits.requestsPerMinute = try limits.count("requestsPerMinute") }
            if limits.has("requestsPerDay") { key.rateLimits.requestsPerDay = try limits.count("requestsPerDay") }
            if limits.has("tokensPerDay") { key.rateLimits.tokensPerDay = try limits.count("tokensPerDay") }
        }
        if body.has("expiresAt") {
            let expiresAt = try body.time("expiresAt")
            if let expiresAt, expiresAt <= now { throw GatewayError.invalidField("expiresAt", "'expiresAt' must be in the future.") }
            key.expiresAt = expiresAt
        }
        if let cidrs = try body.strings("allowedCidrs") {
            for (i, text) in cidrs.enumerated() where CIDRBlock(text) == nil {
                throw GatewayError.invalidField("allowedCidrs[\(i)]", "'\(text)' is not an address or CIDR block (203.0.113.0/24, 2001:db8::/32).")
            }
            key.allowedCIDRs = uniqued(cidrs)
        }
        if let metadata = try body.stringMap("metadata") { key.metadata = metadata }
        if body.has("organizationId") {
            let id = try body.string("organizationId")
            if let id { try await requireMember(Organization.self, id, tenantID: tenantID, field: "organizationId") }
            key.organizationID = id
        }
        if body.has("departmentId") {
            let id = try body.string("departmentId")
            if let id { try await requireMember(Department.self, id, tenantID: tenantID, field: "departmentId") }
            key.departmentID = id
        }
        if body.has("userId") {
            let id = try body.string("userId")
            if let id { try await requireMember(UserRecord.self, id, tenantID: tenantID, field: "userId") }
            key.userID = id
        }
    }

    /// A key with the `admin` capability acts with the roles of its user, or as `tenant-admin`
    /// when bound to none (admin-api.md §2): minting one must not give the caller more than it holds.
    /// Checked when such a key is created or changed, and before one is changed or revoked (a
    /// dept-admin does not manage a tenant-admin's automation key). Bound to a user, it may only
    /// be the caller's own: the key acts with that user's *current* roles, and a key bound to a
    /// colleague would gain whatever the colleague is granted later.
    private func checkAdminCapability(_ key: APIKeyRecord, by principal: AdminPrincipal) async throws {
        guard key.scopes.capabilities.contains("admin") else { return }
        if let userID = key.userID, userID != principal.userID {
            throw GatewayError.invalidField("userId", "A key with the admin capability can only be bound to yourself, or to no user.")
        }
        let granted: Set<Permission>
        if let userID = key.userID, let user = try await store.get(UserRecord.self, tenantID: key.tenantID, id: userID) {
            granted = RoleResolver.permissions(of: user.roles, customRoles: try await store.everything(RoleRecord.self, tenantID: key.tenantID))
        } else {
            granted = BuiltInRole.tenantAdmin.permissions
        }
        if let missing = principal.firstMissing(of: granted) {
            throw GatewayError.permissionDenied(missing.rawValue)
        }
    }

    func render(_ key: APIKeyRecord, lastUsed: Int64?) -> JSONObject {
        JSONObject([
            ("id", .string(key.id)), ("name", .string(key.name)), ("prefix", .string(key.prefix)),
            ("status", .string(key.status(at: now))), ("source", .string(key.source == .config ? "config" : "api")),
            ("scopes", .object(JSONObject([("capabilities", .strings(key.scopes.capabilities)), ("providerIds", .strings(key.scopes.providerIDs)),
                                           ("modelIds", .strings(key.scopes.modelIDs))]))),
            ("rateLimits", .object(JSONObject([("requestsPerMinute", .count(key.rateLimits.requestsPerMinute)),
                                               ("requestsPerDay", .count(key.rateLimits.requestsPerDay)),
                                               ("tokensPerDay", .count(key.rateLimits.tokensPerDay))]))),
            ("expiresAt", .time(key.expiresAt)), ("allowedCidrs", .strings(key.allowedCIDRs)),
            ("organizationId", .optional(key.organizationID)), ("departmentId", .optional(key.departmentID)), ("userId", .optional(key.userID)),
            ("metadata", .object(JSONObject(key.metadata.sorted { $0.key < $1.key }.map { ($0.key, JSONValue.string($0.value)) }))),
            ("createdAt", .time(key.createdAt)), ("revokedAt", .time(key.revokedAt)), ("lastUsedAt", .time(lastUsed)),
        ])
    }
}

extension JSONValue {
    static func count(_ value: Int?) -> JSONValue { value.map { .number(String($0)) } ?? .null }
}
