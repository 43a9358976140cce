import GatewyseCore

/// The control plane's storage (ARCHITECTURE rule 7): tenants, organizations, departments,
/// users, roles, API keys, providers, routes, models, settings, budgets and sessions as
/// documents (decisions/0007), plus the hash-chained audit log. Every backend (in memory,
/// SQLite, PostgreSQL) implements these primitives and passes one contract suite; the typed
/// API (`ControlPlaneStore+Domain.swift`) is written once on top of them.
///
/// Reads are for the admin API and for building the runtime snapshot; the inference request
/// path never reads a store.
public protocol ControlPlaneStore: Sendable {
    /// One resource, or nil when it does not exist *in this tenant*.
    func fetch(_ kind: ResourceKind, tenantID: String, id: String) async throws -> StoredResource?
    /// One resource by its system-wide unique key (sign-in by e-mail, key lookup by digest).
    func fetch(_ kind: ResourceKind, uniqueKey: String) async throws -> StoredResource?
    /// A tenant's resources of one kind ordered by id, those after `cursor` (exclusive), at most `limit`.
    func list(_ kind: ResourceKind, tenantID: String, after cursor: String?, limit: Int) async throws -> [StoredResource]
    /// Every resource of one kind in every tenant, for the runtime snapshot.
    func listAll(_ kind: ResourceKind) async throws -> [StoredResource]

    /// Applies the changes and appends the audit entries in one transaction: all or nothing,
    /// so nothing changes unaudited. Returns the entries as chained and written. Bumps the
    /// revision when it changes a resource of a kind that can change the runtime snapshot
    /// (`ResourceKind.changesSnapshot`).
    @discardableResult
    func commit(_ changes: [ResourceChange], audit: [AuditDraft]) async throws -> [AuditEntry]

    /// A chain's entries in sequence order matching the filter, those after `afterSequence`.
    func auditEntries(chain: String, filter: AuditFilter, afterSequence: Int64?, limit: Int) async throws -> [AuditEntry]

    /// A counter that grows with every committed resource change, in any process writing to
    /// this database: replicas compare it to know when to reload.
    func revision() async throws -> Int64

    /// Records when keys were last used, in a batch (never per request); not audited, and not a
    /// resource change (it must not make every replica reload).
    func recordKeyUse(_ uses: [KeyUse]) async throws
    /// Last-use times of a tenant's keys, by key id.
    func keyUses(tenantID: String) async throws -> [String: Int64]
}

/// When a key was last used.
public struct KeyUse: Sendable, Equatable {
    public var tenantID: String
    public var keyID: String
    public var time: Int64

    public init(tenantID: String, keyID: String, time: Int64) {
        self.tenantID = tenantID
        self.keyID = keyID
        self.time = time
    }
}

/// The audit queries of admin-api.md §5 (`from`, `to`, `action`, `actorId`, `targetType`).
public struct AuditFilter: Sendable, Equatable {
    public var from: String?
    public var to: String?
    public var action: String?
    public var actorID: String?
    public var targetType: String?

    public init(from: String? = nil, to: String? = nil, action: String? = nil, actorID: String? = nil, targetType: String? = nil) {
        self.from = from
        self.to = to
        self.action = action
        self.actorID = actorID
        self.targetType = targetType
    }

    public func matches(_ entry: AuditEntry) -> Bool {
        if let from, entry.time < from { return false }
        if let to, entry.time >= to { return false }
        if let action, entry.action != action { return false }
        if let actorID, entry.actorID != actorID { return false }
        if let targetType, entry.targetType != targetType { return false }
        return true
    }
}
