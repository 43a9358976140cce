import GRDB
import GatewyseStorage

/// Usage records in SQLite (migration 0004). A batch is one write transaction of prepared
/// inserts; `ON CONFLICT(id) DO NOTHING` makes a replayed batch a no-op.
extension SQLiteStore {
    public func appendUsage(_ records: [UsageRecord]) async throws {
        guard !records.isEmpty else { return }
        try await database.write { db in
            let placeholders = Array(repeating: "?", count: UsageRecord.columnCount).joined(separator: ", ")
            let statement = try db.cachedStatement(sql: """
                INSERT INTO usage_records (\(UsageRecord.columns)) VALUES (\(placeholders)) ON CONFLICT(id) DO NOTHING
                """)
            for r in records {
                let values: [(any DatabaseValueConvertible)?] = [
                    r.id, r.requestID, r.time, r.tenantID, r.organizationID, r.departmentID, r.userID, r.keyID, r.capability, r.requestedModel,
                    r.providerID, r.upstreamModel, r.inputTokens, r.outputTokens, r.cachedTokens, r.cacheWriteTokens, r.reasoningTokens,
                    r.costNanos, r.latencyMs, r.ttftMs, r.status, r.errorCode, r.attempts, r.cacheHit, r.usageEstimated, r.outcome.rawValue,
                ]
                try statement.execute(arguments: StatementArguments(values))
            }
        }
    }

    public func usageReport(_ query: UsageReportQuery) async throws -> [UsageReportRow] {
        try await database.read { db in
            let group = query.groupBy?.column ?? "NULL"
            var conditions = ["time >= ?", "time < ?"]
            var arguments: [any DatabaseValueConvertible] = [query.from, query.to]
            if case .one(let tenant) = query.tenants { conditions.insert("tenant_id = ?", at: 0); arguments.insert(tenant, at: 0) }
            if let keyID = query.keyID { conditions.append("key_id = ?"); arguments.append(keyID) }
            if let userID = query.userID { conditions.append("user_id = ?"); arguments.append(userID) }
            let sql = """
                SELECT \(query.interval.bucketSQL) AS period, \(group) AS grp, COUNT(*), SUM(error_code IS NOT NULL), SUM(input_tokens),
                       SUM(output_tokens), SUM(cached_tokens), SUM(reasoning_tokens), COALESCE(SUM(cost_nanos), 0), SUM(cache_hit)
                FROM usage_records WHERE \(conditions.joined(separator: " AND "))
                GROUP BY period, grp ORDER BY period, grp
                """
            return try Row.fetchAll(db, sql: sql, arguments: StatementArguments(arguments)).map { row in
                UsageReportRow(period: row[0], group: row[1], requests: row[2], errors: row[3], inputTokens: row[4], outputTokens: row[5],
                               cachedTokens: row[6], reasoningTokens: row[7], costNanos: row[8], cacheHits: row[9])
            }
        }
    }

    public func recentRequests(_ query: RecentRequestsQuery) async throws -> [UsageRecord] {
        try await database.read { db in
            var conditions: [String] = []
            var arguments: [any DatabaseValueConvertible] = []
            func add(_ condition: String, _ value: (any DatabaseValueConvertible)?) {
                guard let value else { return }
                conditions.append(condition)
                arguments.append(value)
            }
            if case .one(let tenant) = query.tenants { add("tenant_id = ?", tenant) }
            add("time >= ?", query.from)
            add("time < ?", query.to)
            add("key_id = ?", query.keyID)
            add("user_id = ?", query.userID)
            add("requested_model = ?", query.model)
            add("provider_id = ?", query.providerID)
            add("status = ?", query.status)
            if let before = query.before {
                conditions.append("(time < ? OR (time = ? AND id < ?))")
                arguments += [before.time, before.time, before.id]
            }
            arguments.append(max(0, query.limit))
            let filter = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
            return try Row.fetchAll(db, sql: "SELECT \(UsageRecord.columns) FROM usage_records \(filter) ORDER BY time DESC, id DESC LIMIT ?",
                                    arguments: StatementArguments(arguments)).map(Self.usageRecord)
        }
    }

    public func usageTotals(tenantID: String, scope: UsageScope, scopeID: String, since: Int64) async throws -> UsageTotals {
        try await database.read { db in
            let row = try Row.fetchOne(db, sql: """
                SELECT COUNT(*), COALESCE(SUM(input_tokens + output_tokens), 0), COALESCE(SUM(cost_nanos), 0) FROM usage_records
                WHERE tenant_id = ? AND \(scope.column) = ? AND time >= ? AND (attempts > 0 OR cache_hit = 1)
                """, arguments: [tenantID, scopeID, since])
            guard let row else { return UsageTotals() }
            return UsageTotals(requests: row[0], tokens: row[1], costNanos: row[2])
        }
    }

    static func usageRecord(_ row: Row) -> UsageRecord {
        UsageRecord(id: row[0], requestID: row[1], time: row[2], tenantID: row[3], organizationID: row[4], departmentID: row[5], userID: row[6],
                    keyID: row[7], capability: row[8], requestedModel: row[9], providerID: row[10], upstreamModel: row[11],
                    inputTokens: row[12], outputTokens: row[13], cachedTokens: row[14], cacheWriteTokens: row[15], reasoningTokens: row[16],
                    costNanos: row[17], latencyMs: row[18], ttftMs: row[19], status: row[20], errorCode: row[21], attempts: row[22],
                    cacheHit: row[23], usageEstimated: row[24], outcome: UsageRecord.Outcome(rawValue: row[25]) ?? .failed)
    }
}
