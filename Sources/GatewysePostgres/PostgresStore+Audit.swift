import GatewyseCore
import GatewyseStorage
import Logging
import PostgresNIO

extension PostgresStore {
    static let auditColumns = "chain, sequence, time, tenant_id, actor_id, actor_type, action, target_type, target_id, summary, previous_hash, hash"

    /// Chains and inserts the drafts inside the caller's transaction. Each chain's head is read
    /// under a transaction-scoped advisory lock on that chain, held until COMMIT, so a writer in
    /// another process appending to the same chain waits and then sees this one's entries. The
    /// locks are taken in chain-name order, so two commits touching the same chains cannot
    /// deadlock on them.
    func append(_ drafts: [AuditDraft], connection: PostgresConnection) async throws -> [AuditEntry] {
        guard !drafts.isEmpty else { return [] }
        for chain in Set(drafts.map(\.chain)).sorted() {
            try await connection.query("SELECT pg_advisory_xact_lock(hashtext('gatewyse-audit:' || \(chain)))", logger: logger)
        }
        var heads: [String: (sequence: Int64, hash: String)] = [:]
        var written: [AuditEntry] = []
        for draft in drafts {
            let chain = draft.chain
            if heads[chain] == nil {
                let rows = try await connection.query("""
                    SELECT sequence, hash FROM audit_log WHERE chain = \(chain) ORDER BY sequence DESC LIMIT 1
                    """, logger: logger)
                for try await (sequence, hash) in rows.decode((Int64, String).self) { heads[chain] = (sequence, hash) }
            }
            let entry = AuditEntry(draft: draft, after: heads[chain])
            try await connection.query("""
                INSERT INTO audit_log (chain, sequence, time, tenant_id, actor_id, actor_type, action, target_type, target_id, summary,
                                       previous_hash, hash)
                VALUES (\(entry.chain), \(entry.sequence), \(entry.time), \(entry.tenantID), \(entry.actorID), \(entry.actorType),
                        \(entry.action), \(entry.targetType), \(entry.targetID), \(entry.summary), \(entry.previousHash), \(entry.hash))
                """, logger: logger)
            heads[chain] = (entry.sequence, entry.hash)
            written.append(entry)
        }
        return written
    }

    public func auditEntries(chain: String, filter: AuditFilter, afterSequence: Int64?, limit: Int) async throws -> [AuditEntry] {
        var binds = PostgresBindings()
        binds.append(chain)
        binds.append(afterSequence ?? 0)
        var sql = "SELECT \(Self.auditColumns) FROM audit_log WHERE chain = $1 AND sequence > $2"
        func add(_ condition: String, _ value: String?) {
            guard let value else { return }
            binds.append(value)
            sql += " AND \(condition) $\(binds.count)"
        }
        add("time >=", filter.from)
        add("time <", filter.to)
        add("action =", filter.action)
        add("actor_id =", filter.actorID)
        add("target_type =", filter.targetType)
        binds.append(Int64(max(0, limit)))
        sql += " ORDER BY sequence LIMIT $\(binds.count)"
        var entries: [AuditEntry] = []
        let rows = try await client.query(PostgresQuery(unsafeSQL: sql, binds: binds), logger: logger)
        for try await row in rows {
            let (chain, sequence, time, tenantID, actorID, actorType, action, targetType, targetID, summary, previousHash, hash) =
                try row.decode((String, Int64, String, String, String, String, String, String, String, String, String, String).self)
            entries.append(AuditEntry(chain: chain, sequence: sequence, time: time, tenantID: tenantID, actorID: actorID, actorType: actorType,
                                      action: action, targetType: targetType, targetID: targetID, summary: summary,
                                      previousHash: previousHash, hash: hash))
        }
        return entries
    }
}

extension PostgresStore {
    static let changesChannel = "gatewyse_changes"

    /// LISTEN on `gatewyse_changes` on a pooled connection held for the watch. Once listening,
    /// reads the current revision and reports it (closing the gap between the caller's last read
    /// and the watch), then every notified revision larger than the last reported one. A lost
    /// connection is re-established after a second; the revision is read again then, so changes
    /// made while disconnected are reported too.
    public func watchRevisions(_ onChange: @escaping @Sendable (Int64) async -> Void) async throws {
        var last: Int64 = .min
        while !Task.isCancelled {
            let start = last
            do {
                last = try await client.withConnection { connection in
                    try await connection.listen(on: Self.changesChannel) { notifications in
                        var last = start
                        var current: Int64 = 0
                        for try await value in try await connection.query("SELECT revision FROM control_revision WHERE id = 1",
                                                                          logger: self.logger).decode(Int64.self) {
                            current = value
                        }
                        if current > last {
                            last = current
                            await onChange(current)
                        }
                        for try await notification in notifications {
                            guard let revision = Int64(notification.payload), revision > last else { continue }
                            last = revision
                            await onChange(revision)
                        }
                        return last
                    }
                }
            } catch {
                if Task.isCancelled { return }
                logger.warning("revision watch lost its connection; retrying in 1 s", metadata: ["error": "\(String(reflecting: type(of: error)))"])
            }
            if Task.isCancelled { return }
            try? await Task.sleep(for: .seconds(1))
        }
    }
}
