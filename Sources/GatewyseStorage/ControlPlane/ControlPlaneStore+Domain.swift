import GatewyseCore

/// The typed API over a store's primitives, written once for every backend.
extension ControlPlaneStore {
    public func get<R: DomainResource>(_ type: R.Type, tenantID: String, id: String) async throws -> R? {
        try await fetch(R.kind, tenantID: tenantID, id: id).map(R.init(stored:))
    }

    public func find<R: DomainResource>(_ type: R.Type, uniqueKey: String) async throws -> R? {
        try await fetch(R.kind, uniqueKey: uniqueKey).map(R.init(stored:))
    }

    public func page<R: DomainResource>(_ type: R.Type, tenantID: String, after cursor: String? = nil, limit: Int = 500) async throws -> [R] {
        try await list(R.kind, tenantID: tenantID, after: cursor, limit: limit).map(R.init(stored:))
    }

    /// Every resource of a tenant, page by page.
    public func everything<R: DomainResource>(_ type: R.Type, tenantID: String) async throws -> [R] {
        var result: [R] = []
        var cursor: String?
        while true {
            let page = try await list(R.kind, tenantID: tenantID, after: cursor, limit: 500)
            result += try page.map(R.init(stored:))
            guard page.count == 500, let last = page.last else { return result }
            cursor = last.id
        }
    }

    public func all<R: DomainResource>(_ type: R.Type) async throws -> [R] {
        try await listAll(R.kind).map(R.init(stored:))
    }

    @discardableResult
    public func commit(_ changes: [ResourceChange]) async throws -> [AuditEntry] {
        try await commit(changes, audit: [])
    }

    @discardableResult
    public func append(audit draft: AuditDraft) async throws -> AuditEntry? {
        try await commit([], audit: [draft]).first
    }

    public func auditEntries(chain: String) async throws -> [AuditEntry] {
        var result: [AuditEntry] = []
        var after: Int64?
        while true {
            let page = try await auditEntries(chain: chain, filter: AuditFilter(), afterSequence: after, limit: 1000)
            result += page
            guard page.count == 1000, let last = page.last else { return result }
            after = last.sequence
        }
    }

    /// Recomputes one chain (`gatewyse audit verify`, `GET /api/admin/audit/verify`).
    public func verifyAudit(chain: String) async throws -> AuditChain.Verification {
        AuditChain.verify(chain: chain, entries: try await auditEntries(chain: chain))
    }
}

extension ResourceChange {
    public static func insert<R: DomainResource>(_ resource: R, at now: Int64) throws -> ResourceChange {
        .insert(try resource.stored(createdAt: now, updatedAt: now))
    }

    public static func update<R: DomainResource>(_ resource: R, at now: Int64, expectedVersion: Int64? = nil) throws -> ResourceChange {
        .update(try resource.stored(createdAt: now, updatedAt: now), expectedVersion: expectedVersion)
    }

    public static func delete<R: DomainResource>(_ resource: R) -> ResourceChange {
        .delete(kind: R.kind, tenantID: resource.tenantID, id: resource.id)
    }
}

// MARK: - Tenants, keys and routes as the runtime and the CLI use them

extension ControlPlaneStore {
    /// Creates the tenant, or renames it if it exists (configuration import).
    public func upsertTenant(_ tenant: Tenant) async throws {
        let now = UnixClock.now()
        if var existing = try await get(Tenant.self, tenantID: SystemScope.tenantID, id: tenant.id) {
            guard existing.name != tenant.name else { return }
            existing.name = tenant.name
            try await commit([.update(existing, at: now)])
        } else {
            try await commit([.insert(try tenant.stored(createdAt: tenant.createdAt, updatedAt: now))])
        }
    }

    public func tenant(id: String) async throws -> Tenant? {
        try await get(Tenant.self, tenantID: SystemScope.tenantID, id: id)
    }

    public func allTenants() async throws -> [Tenant] {
        try await all(Tenant.self).sorted { $0.id < $1.id }
    }

    /// Inserts a key; its tenant must exist.
    public func insertKey(_ key: APIKeyRecord, audit: [AuditDraft] = []) async throws {
        guard try await tenant(id: key.tenantID) != nil else { throw StoreError.unknownTenant(key.tenantID) }
        do {
            try await commit([.insert(try key.stored(createdAt: key.createdAt, updatedAt: key.createdAt))], audit: audit)
        } catch StoreError.duplicate {
            throw StoreError.duplicate("API key")
        }
    }

    /// Inserts, or replaces the digest of, the config-imported key with this tenant and name.
    public func upsertConfigKey(_ key: APIKeyRecord) async throws {
        guard try await tenant(id: key.tenantID) != nil else { throw StoreError.unknownTenant(key.tenantID) }
        let now = UnixClock.now()
        if var existing = try await everything(APIKeyRecord.self, tenantID: key.tenantID)
            .first(where: { $0.source == .config && $0.name == key.name }) {
            guard existing.digest != key.digest || existing.revokedAt != nil else { return }
            existing.digest = key.digest
            existing.prefix = key.prefix
            existing.revokedAt = nil
            try await commit([.update(existing, at: now)])
        } else {
            try await commit([.insert(try key.stored(createdAt: key.createdAt, updatedAt: now))])
        }
    }

    public func keys(tenantID: String) async throws -> [APIKeyRecord] {
        try await everything(APIKeyRecord.self, tenantID: tenantID).sorted { ($0.createdAt, $0.id) < ($1.createdAt, $1.id) }
    }

    public func allKeys() async throws -> [APIKeyRecord] {
        try await all(APIKeyRecord.self).sorted { ($0.createdAt, $0.id) < ($1.createdAt, $1.id) }
    }

    /// Revokes a tenant's key; false when the tenant has no such key or it is already revoked.
    public func revokeKey(id: String, tenantID: String, at time: Int64, audit: [AuditDraft] = []) async throws -> Bool {
        guard var key = try await get(APIKeyRecord.self, tenantID: tenantID, id: id), key.revokedAt == nil else { return false }
        key.revokedAt = time
        try await commit([.update(key, at: time)], audit: audit)
        return true
    }

    /// Creates the route, or replaces the one with the same tenant, capability and alias.
    public func upsertRoute(_ route: RouteRecord) async throws {
        if let tenant = route.tenant, try await self.tenant(id: tenant) == nil { throw StoreError.unknownTenant(tenant) }
        let key = RouteRecord.uniqueKey(tenantID: route.tenant, capability: route.capability, alias: route.alias)
        if var existing = try await find(RouteRecord.self, uniqueKey: key) {
            let id = existing.id
            existing = route
            existing.id = id
            try await commit([.update(existing, at: route.updatedAt)])
        } else {
            try await commit([.insert(route, at: route.updatedAt)])
        }
    }

    public func routes(tenantID: String?) async throws -> [RouteRecord] {
        try await everything(RouteRecord.self, tenantID: tenantID ?? SystemScope.tenantID)
            .sorted { ($0.capability.rawValue, $0.alias) < ($1.capability.rawValue, $1.alias) }
    }

    public func allRoutes() async throws -> [RouteRecord] {
        try await all(RouteRecord.self)
    }

    public func deleteRoute(tenantID: String?, capability: Capability, alias: String) async throws -> Bool {
        guard let route = try await find(RouteRecord.self, uniqueKey: RouteRecord.uniqueKey(tenantID: tenantID, capability: capability, alias: alias))
        else { return false }
        try await commit([.delete(route)])
        return true
    }
}
