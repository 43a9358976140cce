import GRDB
import GRDBSQLite
import GatewyseStorage

/// Usage records in SQLite (migrations 0004, 0006, 0008). A batch is one write transaction of
/// prepared inserts; `ON CONFLICT DO NOTHING` (the primary key `(tenant_id, time, id)`,
/// decisions/0030 and 0033) makes a replayed batch a no-op, and only the records it newly took
/// are added to the hourly rollup (`UsageRollup`), in the same transaction.
///
/// Rows go in `insertChunk` at a time, one statement each (decisions/0032), which tells how many
/// rows it took, not which. A batch of new records — every batch but a replayed journal's —
/// takes them all; when a chunk took fewer, the transaction is rolled back and the batch stored
/// again one row per statement, so that the rows skipped are known and left out of the rollup.
/// The rows after the last whole chunk go one per statement anyway, so a skip there is known.
extension SQLiteStore {
    /// Rows per insert statement: 832 parameters, under even the limit of SQLite before 3.32 (999).
    static let insertChunk = 32

    public func appendUsage(_ records: [UsageRecord]) async throws {
        guard !records.isEmpty else { return }
        do {
            try await database.write { db in try Self.append(records, chunked: true, db: db) }
        } catch is SomeRowsKnown {
            try await database.write { db in try Self.append(records, chunked: false, db: db) }
        }
    }

    /// A chunk took fewer rows than it held: rows of the batch were stored before (a replay).
    private struct SomeRowsKnown: Error {}

    private static func append(_ records: [UsageRecord], chunked: Bool, db: Database) throws {
        // Bound through the C API (SQLiteUsageBinder): one row per inference request. Only the
        // rows newly taken count in the rollup (a replayed journal holds some twice); positions,
        // not copies, are kept: almost always every row is new.
        guard let connection = db.sqliteConnection else { throw SQLiteUsageInsertError(code: SQLITE_MISUSE, message: "connection closed") }
        let single = try db.cachedStatement(sql: insertOneSQL)
        var skipped: [Int] = []
        try records.withUnsafeBufferPointer { rows in
            var position = 0
            if chunked, rows.count >= insertChunk {
                let chunk = try db.cachedStatement(sql: insertChunkSQL)
                while position + insertChunk <= rows.count {
                    let taken = try SQLiteUsageBinder.insert(UnsafeBufferPointer(rebasing: rows[position..<(position + insertChunk)]),
                                                             with: chunk.sqliteStatement, connection: connection)
                    guard taken == insertChunk else { throw SomeRowsKnown() }
                    position += insertChunk
                }
            }
            // Each as a one-row buffer: an element passed by value (`rows[row]`) was copied.
            for row in position..<rows.count
            where try SQLiteUsageBinder.insert(UnsafeBufferPointer(rebasing: rows[row..<(row + 1)]), with: single.sqliteStatement,
                                               connection: connection) == 0 {
                skipped.append(row)
            }
        }
        let rollup = try db.cachedStatement(sql: rollupSQL)
        let buckets = skipped.isEmpty
            ? UsageRollup.buckets(records)
            : UsageRollup.buckets(Self.dropping(Set(skipped), from: records))
        for bucket in buckets {
            try SQLiteUsageBinder.upsert(bucket, with: rollup.sqliteStatement, connection: connection)
        }
    }

    // The statements' texts, made once (each batch looks its statements up by them).
    private static let insertOneSQL = insertSQL(rows: 1)
    private static let insertChunkSQL = insertSQL(rows: insertChunk)
    private static let rollupSQL = """
        INSERT INTO usage_hourly (\(UsageRollup.columns.joined(separator: ", "))) \
        VALUES (\(Array(repeating: "?", count: UsageRollup.columns.count).joined(separator: ", "))) \
        ON CONFLICT (tenant_id, time, \(UsageRollup.keyColumns.joined(separator: ", "))) \
        DO UPDATE SET \(UsageRollup.countColumns.map { "\($0) = \($0) + excluded.\($0)" }.joined(separator: ", "))
        """

    /// The usage insert of `rows` value tuples.
    private static func insertSQL(rows: Int) -> String {
        let tuple = "(" + Array(repeating: "?", count: UsageRecord.columnCount).joined(separator: ", ") + ")"
        return "INSERT INTO usage_records (\(UsageRecord.columns)) VALUES \(Array(repeating: tuple, count: rows).joined(separator: ", ")) ON CONFLICT DO NOTHING"
    }

    private static func dropping(_ positions: Set<Int>, from records: [UsageRecord]) -> some Sequence<UsageRecord> {
        records.indices.lazy.filter { !positions.contains($0) }.map { records[$0] }
    }

    public func usageReport(_ query: UsageReportQuery) async throws -> [UsageReportRow] {
        let (whole, edges) = UsageRollup.split(from: query.from, to: query.to)
        return try await database.read { db in
            var rows: [UsageReportRow] = []
            if let whole { rows += try Self.report(query, whole, table: "usage_hourly", db: db) }
            for edge in edges { rows += try Self.report(query, edge, table: "usage_records", db: db) }
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
        try await database.read { db in
            switch query.tenants {
            case .one(let tenant):
                return try Self.recentRequests(query, tenantID: tenant, db: db)
            case .all:
                // No index leads with `time` (migration 0007): each tenant's newest rows come
                // in order from the `(tenant_id, time, id)` key, and the newest of all are merged here.
                let tenants = try String.fetchAll(db, sql: Self.usageTenantsSQL)
                var newest: [UsageRecord] = []
                for tenant in tenants { newest += try Self.recentRequests(query, tenantID: tenant, db: db) }
                newest.sort { ($0.time, $0.id) > ($1.time, $1.id) }
                return Array(newest.prefix(max(0, query.limit)))
            }
        }
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
        return try await database.read { db in
            // The partial hour after `since` from the records, every whole hour after from the rollup.
            let edge = try Row.fetchOne(db, sql: """
                SELECT COUNT(*), COALESCE(SUM(input_tokens + output_tokens), 0), COALESCE(SUM(cost_nanos), 0) FROM usage_records
                WHERE tenant_id = ? AND \(scope.column) = ? AND time >= ? AND time < ? AND (attempts > 0 OR cache_hit = 1)
                """, arguments: [tenantID, scopeID, since, wholeFrom])
            let whole = try Row.fetchOne(db, sql: """
                SELECT COALESCE(SUM(served_requests), 0), COALESCE(SUM(served_tokens), 0), COALESCE(SUM(served_cost_nanos), 0) FROM usage_hourly
                WHERE tenant_id = ? AND \(scope.column) = ? AND time >= ?
                """, arguments: [tenantID, scopeID, wholeFrom])
            var totals = UsageTotals()
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
