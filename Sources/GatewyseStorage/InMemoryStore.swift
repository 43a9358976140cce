import GatewyseCore
import Synchronization

/// A complete store in memory, for tests and `--database memory:`. Holds the same rules as the
/// SQL backends (tenant-scoped addresses, unique keys, versions, all-or-nothing commits,
/// append-only chains) so the contract suite runs against it too.
public final class InMemoryStore: GatewayStore {
    private struct Address: Hashable {
        var kind: ResourceKind
        var tenantID: String
        var id: String
    }

    private struct UniqueAddress: Hashable {
        var kind: ResourceKind
        var key: String
    }

    private struct State {
        var resources: [Address: StoredResource] = [:]
        var unique: [UniqueAddress: Address] = [:]
        var audit: [String: [AuditEntry]] = [:]
        var revision: Int64 = 0
        var keyUses: [String: [String: Int64]] = [:]
    }

    private let state = Mutex(State())
    /// Usage records, apart from the control plane's state (`InMemoryStore+Usage.swift`).
    let usage = Mutex(InMemoryUsage())

    public init() {}

    public func fetch(_ kind: ResourceKind, tenantID: String, id: String) async throws -> StoredResource? {
        state.withLock { $0.resources[Address(kind: kind, tenantID: tenantID, id: id)] }
    }

    public func fetch(_ kind: ResourceKind, uniqueKey: String) async throws -> StoredResource? {
        state.withLock { state in state.unique[UniqueAddress(kind: kind, key: uniqueKey)].flatMap { state.resources[$0] } }
    }

    public func list(_ kind: ResourceKind, tenantID: String, after cursor: String?, limit: Int) async throws -> [StoredResource] {
        state.withLock { state in
            let matching = state.resources.values.filter { r in r.kind == kind && r.tenantID == tenantID && (cursor.map { r.id > $0 } ?? true) }
            return Array(matching.sorted { $0.id < $1.id }.prefix(max(0, limit)))
        }
    }

    public func listAll(_ kind: ResourceKind) async throws -> [StoredResource] {
        state.withLock { $0.resources.values.filter { $0.kind == kind }.sorted { ($0.tenantID, $0.id) < ($1.tenantID, $1.id) } }
    }

    public func commit(_ changes: [ResourceChange], audit: [AuditDraft]) async throws -> [AuditEntry] {
        try state.withLock { state in
            // Work on a copy: a failing change leaves the store as it was.
            var next = state
            for change in changes { try Self.apply(change, to: &next) }
            if changes.contains(where: \.kind.changesSnapshot) { next.revision += 1 }
            var written: [AuditEntry] = []
            for draft in audit {
                let chain = draft.chain
                let previous = next.audit[chain]?.last.map { ($0.sequence, $0.hash) }
                let entry = AuditEntry(draft: draft, after: previous)
                next.audit[chain, default: []].append(entry)
                written.append(entry)
            }
            state = next
            return written
        }
    }

    private static func apply(_ change: ResourceChange, to state: inout State) throws {
        switch change {
        case .insert(let resource):
            let address = Address(kind: resource.kind, tenantID: resource.tenantID, id: resource.id)
            guard state.resources[address] == nil else { throw StoreError.duplicate("\(resource.kind.rawValue) '\(resource.id)'") }
            if let key = resource.uniqueKey {
                guard state.unique[UniqueAddress(kind: resource.kind, key: key)] == nil else {
                    throw StoreError.duplicate("\(resource.kind.rawValue) '\(key)'")
                }
                state.unique[UniqueAddress(kind: resource.kind, key: key)] = address
            }
            var stored = resource
            stored.version = 1
            state.resources[address] = stored
        case .update(let resource, let expectedVersion):
            let address = Address(kind: resource.kind, tenantID: resource.tenantID, id: resource.id)
            guard let existing = state.resources[address] else { throw StoreError.notFound("\(resource.kind.rawValue) '\(resource.id)'") }
            if let expectedVersion, existing.version != expectedVersion { throw StoreError.conflict("\(resource.kind.rawValue) '\(resource.id)'") }
            if existing.uniqueKey != resource.uniqueKey {
                if let key = resource.uniqueKey {
                    guard state.unique[UniqueAddress(kind: resource.kind, key: key)] == nil else {
                        throw StoreError.duplicate("\(resource.kind.rawValue) '\(key)'")
                    }
                    state.unique[UniqueAddress(kind: resource.kind, key: key)] = address
                }
                if let old = existing.uniqueKey { state.unique[UniqueAddress(kind: resource.kind, key: old)] = nil }
            }
            var stored = resource
            stored.createdAt = existing.createdAt
            stored.version = existing.version + 1
            state.resources[address] = stored
        case .delete(let kind, let tenantID, let id):
            let address = Address(kind: kind, tenantID: tenantID, id: id)
            guard let existing = state.resources.removeValue(forKey: address) else { throw StoreError.notFound("\(kind.rawValue) '\(id)'") }
            if let key = existing.uniqueKey { state.unique[UniqueAddress(kind: kind, key: key)] = nil }
        }
    }

    public func auditEntries(chain: String, filter: AuditFilter, afterSequence: Int64?, limit: Int) async throws -> [AuditEntry] {
        state.withLock { state in
            let entries = state.audit[chain] ?? []
            return Array(entries.lazy.filter { ($0.sequence > (afterSequence ?? 0)) && filter.matches($0) }.prefix(max(0, limit)))
        }
    }

    public func revision() async throws -> Int64 { state.withLock { $0.revision } }

    public func recordKeyUse(_ uses: [KeyUse]) async throws {
        state.withLock { state in
            for use in uses where (state.keyUses[use.tenantID]?[use.keyID] ?? .min) < use.time {
                state.keyUses[use.tenantID, default: [:]][use.keyID] = use.time
            }
        }
    }

    public func keyUses(tenantID: String) async throws -> [String: Int64] { state.withLock { $0.keyUses[tenantID] ?? [:] } }

    /// Test hook: what a tamperer with write access to the storage would do to an audit row.
    public func tamperWithAudit(chain: String, sequence: Int64, summary: String) {
        state.withLock { state in
            guard let i = state.audit[chain]?.firstIndex(where: { $0.sequence == sequence }) else { return }
            state.audit[chain]![i].summary = summary
        }
    }
}
