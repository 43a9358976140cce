import GRDB
import GRDBSQLite
import GatewyseStorage

/// Usage records in SQLite (migrations 0004, 0006, 0008, 0009). New records are stored as
/// usage batches (`SQLiteUsageBatches`, decisions/0035); `usage_records` holds the rows earlier
/// versions wrote, one per record, and every read takes both. A batch is one write transaction:
/// the records not stored before, and the hourly rollup (`UsageRollup`) of exactly those.
extension SQLiteStore {
    public func appendUsage(_ records: [UsageRecord]) async throws {
        try await appendUsage(records, journalLines: nil)
    }

    public func appendUsage(_ records: [UsageRecord], journalLines: [UInt8]?) async throws {
        guard !records.isEmpty else { return }
        let legacyEnd = legacyUsageEnd
        try await database.write { db in
            let taken = try SQLiteUsageBatches.append(records, journalLines: journalLines, legacyEnd: legacyEnd, db: db)
            guard let connection = db.sqliteConnection, taken?.isEmpty != true else { return }
            let rollup = try db.cachedStatement(sql: Self.rollupSQL)
            // Only the records newly taken count (a replayed journal holds some stored before).
            let buckets = taken.map { positions in UsageRollup.buckets(positions.map { records[$0] }) } ?? UsageRollup.buckets(records)
            for bucket in buckets {
                try SQLiteUsageBinder.upsert(bucket, with: rollup.sqliteStatement, connection: connection)
            }
        }
    }

    private static let rollupSQL = """
        INSERT INTO usage_hourly (\(UsageRollup.columns.joined(separator: ", "))) \
        VALUES (\(Array(repeating: "?", count: UsageRollup.columns.count).joined(separator: ", "))) \
        ON CONFLICT (tenant_id, time, \(UsageRollup.keyColumns.joined(separator: ", "))) \
        DO UPDATE SET \(UsageRollup.countColumns.map { "\($0) = \($0) + excluded.\($0)" }.joined(separator: ", "))
        """

    /// The latest time of the rows in `usage_records` (those earlier versions wrote), nil when
    /// there are none: records after it need no comparison with those rows. Read once at open;
    /// nothing writes that table since migration 0009. Each tenant's latest is one seek in the
    /// table's `(tenant_id, time, id)` key.
    static func legacyUsageEnd(_ db: Database) throws -> Int64? {
        guard try db.tableExists("usage_records") else { return nil }
        var end: Int64?
        for tenant in try String.fetchAll(db, sql: usageTenantsSQL) {
            if let time = try Int64.fetchOne(db, sql: "SELECT MAX(time) FROM usage_records WHERE tenant_id = ?", arguments: [tenant]) {
                end = max(end ?? time, time)
            }
        }
        return end
    }

    /// The batches a read over `tenants` and `from..<to` takes.
    private static func selection(_ tenants: UsageTenants, from: Int64?, to: Int64?) -> SQLiteUsageBatches.Selection {
        if case .one(let tenant) = tenants { return .init(tenantID: tenant, from: from, to: to) }
        return .init(tenantID: nil, from: from, to: to)
    }

    public func usageReport(_ query: UsageReportQuery) async throws -> [UsageReportRow] {
        let (whole, edges) = UsageRollup.split(from: query.from, to: query.to)
        let legacyEnd = legacyUsageEnd
        return try await database.read { db in
            var rows: [UsageReportRow] = []
            if let whole { rows += try Self.report(query, whole, table: "usage_hourly", db: db) }
            for edge in edges {
                if let legacyEnd, edge.lowerBound <= legacyEnd { rows += try Self.report(query, edge, table: "usage_records", db: db) }
                var edgeQuery = query
                (edgeQuery.from, edgeQuery.to) = (edge.lowerBound, edge.upperBound)
                try SQLiteUsageBatches.forEachBatch(Self.selection(query.tenants, from: edge.lowerBound, to: edge.upperBound),
                                                    newestFirst: false, db: db) { records, _ in
                    rows += edgeQuery.rows(of: records)
                    return true
                }
            }
            return UsageRollup.merge(rows)
        }
    }

    /// The report over `range`, from the rollup (whole hours) or the records (the edges).
    private static func report(_ query: UsageReportQuery, _ range: Range<Int64>, table: String, db: Database) throws -> [UsageReportRow] {
        let rollup = table == "usage_hourly"
        var conditions = ["time >= ?", "time < ?"]
        var arguments: [any DatabaseValueConvertible] = [range.lowerBound, range.upperBound]
        switch query.tenants {
        case .one(let tenant):
            conditions.insert("tenant_id = ?", at: 0)
            arguments.insert(tenant, at: 0)
        case .all where !rollup:
            // No index leads with `time` (migration 0007): each tenant's range of the
            // `(tenant_id, time, id)` key is read instead.
            conditions.insert("tenant_id IN (\(usageTenantsSQL))", at: 0)
        case .all:
            break
        }
        if let keyID = query.keyID { conditions.append("key_id = ?"); arguments.append(keyID) }
        if let userID = query.userID { conditions.append("user_id = ?"); arguments.append(userID) }
        let group = rollup ? UsageRollup.groupExpression(query.groupBy) : query.groupBy?.column ?? "NULL"
        let sums = rollup
            ? "SUM(requests), SUM(errors), SUM(input_tokens), SUM(output_tokens), SUM(cached_tokens), SUM(reasoning_tokens), SUM(cost_nanos), SUM(cache_hits)"
            : """
              COUNT(*), SUM(error_code IS NOT NULL), SUM(input_tokens), SUM(output_tokens), SUM(cached_tokens), SUM(reasoning_tokens), \
              COALESCE(SUM(cost_nanos), 0), SUM(cache_hit)
              """
        let sql = """
            SELECT \(query.interval.bucketSQL) AS period, \(group) AS grp, \(sums)
            FROM \(table) WHERE \(conditions.joined(separator: " AND ")) GROUP BY period, grp
            """
        return try Row.fetchAll(db, sql: sql, arguments: StatementArguments(arguments)).map { row in
            UsageReportRow(period: row[0], group: row[1], requests: row[2], errors: row[3], inputTokens: row[4], outputTokens: row[5],
                           cachedTokens: row[6], reasoningTokens: row[7], costNanos: row[8], cacheHits: row[9])
        }
    }

    public func recentRequests(_ query: RecentRequestsQuery) async throws -> [UsageRecord] {
        let limit = max(0, query.limit)
        let legacy = legacyUsageEnd.map { end in query.from.map { $0 <= end } ?? true } ?? false
        return try await database.read { db in
            var newest = try Self.recentBatchRecords(query, limit: limit, db: db)
            guard legacy else { return newest }
            switch query.tenants {
            case .one(let tenant):
                newest += try Self.recentRequests(query, tenantID: tenant, db: db)
            case .all:
                // No index leads with `time` (migration 0007): each tenant's newest rows come
                // in order from the `(tenant_id, time, id)` key, and the newest of all are merged here.
                for tenant in try String.fetchAll(db, sql: Self.usageTenantsSQL) { newest += try Self.recentRequests(query, tenantID: tenant, db: db) }
            }
            newest.sort(by: Self.newerFirst)
            return Array(newest.prefix(limit))
        }
    }

    private static func newerFirst(_ a: UsageRecord, _ b: UsageRecord) -> Bool { (a.time, a.id) > (b.time, b.id) }

    /// The newest `limit` records of the batches matching `query`, newest first. Batches are read
    /// from the latest `last_time` down, and reading stops once `limit` records are kept and the
    /// next batch ends before the oldest of them.
    private static func recentBatchRecords(_ query: RecentRequestsQuery, limit: Int, db: Database) throws -> [UsageRecord] {
        guard limit > 0 else { return [] }
        var kept: [UsageRecord] = []
        var upper = query.to
        if let before = query.before { upper = min(upper ?? .max, before.time + 1) }
        try SQLiteUsageBatches.forEachBatch(selection(query.tenants, from: query.from, to: upper), newestFirst: true, db: db) { records, lastTime in
            if kept.count >= limit, let oldest = kept.last, lastTime < oldest.time { return false }
            kept += records.lazy.filter(query.matches)
            if kept.count >= limit {
                kept.sort(by: newerFirst)
                kept.removeLast(kept.count - limit)
            }
            return true
        }
        kept.sort(by: newerFirst)
        return kept
    }

    /// The tenants that have usage rows, each found by one seek in the table's key (a
    /// `SELECT DISTINCT` would read the whole index).
    static let usageTenantsSQL =
        """
        WITH RECURSIVE usage_tenant(id) AS (
            SELECT MIN(tenant_id) FROM usage_records
            UNION ALL
            SELECT (SELECT MIN(tenant_id) FROM usage_records WHERE tenant_id > usage_tenant.id) FROM usage_tenant WHERE usage_tenant.id IS NOT NULL
        ) SELECT id FROM usage_tenant WHERE id IS NOT NULL
        """

    /// One tenant's newest requests matching `query`, newest first.
    private static func recentRequests(_ query: RecentRequestsQuery, tenantID: String, db: Database) throws -> [UsageRecord] {
        var conditions = ["tenant_id = ?"]
        var arguments: [any DatabaseValueConvertible] = [tenantID]
        for condition in query.conditions {
            conditions.append("\(condition.column) \(condition.comparison) ?")
            switch condition.value {
            case .text(let text): arguments.append(text)
            case .integer(let number): arguments.append(number)
            case .integer32(let number): arguments.append(number)
            }
        }
        if let before = query.before {
            conditions.append("(time < ? OR (time = ? AND id < ?))")
            arguments += [before.time, before.time, before.id]
        }
        arguments.append(max(0, query.limit))
        let filter = "WHERE " + conditions.joined(separator: " AND ")
        return try Row.fetchAll(db, sql: "SELECT \(UsageRecord.columns) FROM usage_records \(filter) ORDER BY time DESC, id DESC LIMIT ?",
                                arguments: StatementArguments(arguments)).map(Self.usageRecord)
    }

    public func usageTotals(tenantID: String, scope: UsageScope, scopeID: String, since: Int64) async throws -> UsageTotals {
        let wholeFrom = UsageRollup.ceilHour(since)
        let legacy = legacyUsageEnd.map { since <= $0 } ?? false
        return try await database.read { db in
            var totals = UsageTotals()
            // The partial hour after `since` from the records, every whole hour after from the rollup.
            try SQLiteUsageBatches.forEachBatch(.init(tenantID: tenantID, from: since, to: wholeFrom), newestFirst: false, db: db) { records, _ in
                for record in records where record.time < wholeFrom {
                    totals.add(record, tenantID: tenantID, scope: scope, scopeID: scopeID, since: since)
                }
                return true
            }
            let edge = legacy ? try Row.fetchOne(db, sql: """
                SELECT COUNT(*), COALESCE(SUM(input_tokens + output_tokens), 0), COALESCE(SUM(cost_nanos), 0) FROM usage_records
                WHERE tenant_id = ? AND \(scope.column) = ? AND time >= ? AND time < ? AND (attempts > 0 OR cache_hit = 1)
                """, arguments: [tenantID, scopeID, since, wholeFrom]) : nil
            let whole = try Row.fetchOne(db, sql: """
                SELECT COALESCE(SUM(served_requests), 0), COALESCE(SUM(served_tokens), 0), COALESCE(SUM(served_cost_nanos), 0) FROM usage_hourly
                WHERE tenant_id = ? AND \(scope.column) = ? AND time >= ?
                """, arguments: [tenantID, scopeID, wholeFrom])
            for row in [edge, whole].compactMap({ $0 }) {
                totals.requests += row[0] as Int64
                totals.tokens += row[1] as Int64
                totals.costNanos += row[2] as Int64
            }
            return totals
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
