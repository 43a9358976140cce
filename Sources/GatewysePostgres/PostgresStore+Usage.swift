import GatewyseStorage
import PostgresNIO

/// Usage records in PostgreSQL (migration 0002). A batch is one transaction of multi-row
/// inserts; `ON CONFLICT (id) DO NOTHING` makes a replayed batch a no-op, also when two
/// replicas replay the same segment at once. The records an insert newly took (`RETURNING id`)
/// are added to the hourly rollup (`UsageRollup`) in the same transaction, in key order so
/// that concurrent batches lock shared rollup rows in the same order.
extension PostgresStore {
    /// Rows per INSERT: 26 parameters each, well under the protocol's 65,535.
    static let usageRowsPerInsert = 1000

    public func appendUsage(_ records: [UsageRecord]) async throws {
        guard !records.isEmpty else { return }
        try await transaction { connection in
            var inserted: Set<String> = []
            var start = 0
            while start < records.count {
                let chunk = records[start..<min(start + Self.usageRowsPerInsert, records.count)]
                var binds = PostgresBindings(capacity: chunk.count * UsageRecord.columnCount)
                var rows: [String] = []
                rows.reserveCapacity(chunk.count)
                for r in chunk {
                    let first = binds.count + 1
                    binds.append(r.id)
                    binds.append(r.requestID)
                    binds.append(r.time)
                    binds.append(r.tenantID)
                    binds.append(r.organizationID)
                    binds.append(r.departmentID)
                    binds.append(r.userID)
                    binds.append(r.keyID)
                    binds.append(r.capability)
                    binds.append(r.requestedModel)
                    binds.append(r.providerID)
                    binds.append(r.upstreamModel)
                    binds.append(Int64(r.inputTokens))
                    binds.append(Int64(r.outputTokens))
                    binds.append(Int64(r.cachedTokens))
                    binds.append(Int64(r.cacheWriteTokens))
                    binds.append(Int64(r.reasoningTokens))
                    binds.append(r.costNanos)
                    binds.append(Int64(r.latencyMs))
                    binds.append(r.ttftMs.map(Int64.init))
                    binds.append(Int32(clamping: r.status))
                    binds.append(r.errorCode)
                    binds.append(Int32(clamping: r.attempts))
                    binds.append(r.cacheHit)
                    binds.append(r.usageEstimated)
                    binds.append(r.outcome.rawValue)
                    rows.append("(" + (first..<(first + UsageRecord.columnCount)).map { "$\($0)" }.joined(separator: ",") + ")")
                }
                let sql = """
                    INSERT INTO usage_records (\(UsageRecord.columns)) VALUES \(rows.joined(separator: ",")) ON CONFLICT (id) DO NOTHING RETURNING id
                    """
                let taken = try await connection.query(PostgresQuery(unsafeSQL: sql, binds: binds), logger: self.logger)
                for try await id in taken.decode(String.self) { inserted.insert(id) }
                start += chunk.count
            }
            try await self.addToRollup(UsageRollup.buckets(records.lazy.filter { inserted.contains($0.id) }), connection: connection)
        }
    }

    /// Rollup rows per statement: 19 parameters each.
    static let rollupRowsPerInsert = 2000

    private func addToRollup(_ buckets: [UsageRollup.Bucket], connection: PostgresConnection) async throws {
        let width = UsageRollup.columns.count
        let sums = UsageRollup.countColumns.map { "\($0) = usage_hourly.\($0) + excluded.\($0)" }.joined(separator: ", ")
        var start = 0
        while start < buckets.count {
            let chunk = buckets[start..<min(start + Self.rollupRowsPerInsert, buckets.count)]
            var binds = PostgresBindings(capacity: chunk.count * width)
            var rows: [String] = []
            for bucket in chunk {
                let first = binds.count + 1
                binds.append(bucket.tenantID)
                binds.append(bucket.time)
                for value in bucket.key { binds.append(value) }
                for value in bucket.counts { binds.append(value) }
                rows.append("(" + (first..<(first + width)).map { "$\($0)" }.joined(separator: ",") + ")")
            }
            let sql = """
                INSERT INTO usage_hourly (\(UsageRollup.columns.joined(separator: ", "))) VALUES \(rows.joined(separator: ","))
                ON CONFLICT (tenant_id, time, \(UsageRollup.keyColumns.joined(separator: ", "))) DO UPDATE SET \(sums)
                """
            try await connection.query(PostgresQuery(unsafeSQL: sql, binds: binds), logger: logger)
            start += chunk.count
        }
    }

    public func usageReport(_ query: UsageReportQuery) async throws -> [UsageReportRow] {
        let (whole, edges) = UsageRollup.split(from: query.from, to: query.to)
        var rows: [UsageReportRow] = []
        if let whole { rows += try await report(query, whole, rollup: true) }
        for edge in edges { rows += try await report(query, edge, rollup: false) }
        return UsageRollup.merge(rows)
    }

    /// The report over `range`, from the rollup (whole hours) or the records (the edges).
    private func report(_ query: UsageReportQuery, _ range: Range<Int64>, rollup: Bool) async throws -> [UsageReportRow] {
        var binds = PostgresBindings()
        var conditions: [String] = []
        func add(_ condition: String, _ value: some PostgresDynamicTypeEncodable) {
            binds.append(value)
            conditions.append("\(condition) $\(binds.count)")
        }
        if case .one(let tenant) = query.tenants { add("tenant_id =", tenant) }
        add("time >=", range.lowerBound)
        add("time <", range.upperBound)
        if let keyID = query.keyID { add("key_id =", keyID) }
        if let userID = query.userID { add("user_id =", userID) }
        let group = rollup ? UsageRollup.groupExpression(query.groupBy) : query.groupBy?.column ?? "NULL"
        let sums: [String] = rollup
            ? ["SUM(requests)", "SUM(errors)", "SUM(input_tokens)", "SUM(output_tokens)", "SUM(cached_tokens)", "SUM(reasoning_tokens)",
               "SUM(cost_nanos)", "SUM(cache_hits)"]
            : ["COUNT(*)", "COUNT(*) FILTER (WHERE error_code IS NOT NULL)", "SUM(input_tokens)", "SUM(output_tokens)", "SUM(cached_tokens)",
               "SUM(reasoning_tokens)", "COALESCE(SUM(cost_nanos), 0)", "COUNT(*) FILTER (WHERE cache_hit)"]
        // SUM over BIGINT is NUMERIC: each is cast back.
        let casted = sums.map { "(\($0))::BIGINT" }.joined(separator: ", ")
        let sql = """
            SELECT \(query.interval.bucketSQL) AS period, (\(group))::text AS grp, \(casted)
            FROM \(rollup ? "usage_hourly" : "usage_records") WHERE \(conditions.joined(separator: " AND ")) GROUP BY period, grp
            """
        var result: [UsageReportRow] = []
        let rows = try await client.query(PostgresQuery(unsafeSQL: sql, binds: binds), logger: logger)
        for try await row in rows {
            let (period, group, requests, errors, input, output, cached, reasoning, cost, hits) =
                try row.decode((Int64, String?, Int64, Int64, Int64, Int64, Int64, Int64, Int64, Int64).self)
            result.append(UsageReportRow(period: period, group: group, requests: requests, errors: errors, inputTokens: input, outputTokens: output,
                                         cachedTokens: cached, reasoningTokens: reasoning, costNanos: cost, cacheHits: hits))
        }
        return result
    }

    public func recentRequests(_ query: RecentRequestsQuery) async throws -> [UsageRecord] {
        var binds = PostgresBindings()
        var conditions: [String] = []
        if case .one(let tenant) = query.tenants {
            binds.append(tenant)
            conditions.append("tenant_id = $\(binds.count)")
        }
        for condition in query.conditions {
            switch condition.value {
            case .text(let text): binds.append(text)
            case .integer(let number): binds.append(number)
            case .integer32(let number): binds.append(number)
            }
            conditions.append("\(condition.column) \(condition.comparison) $\(binds.count)")
        }
        if let before = query.before {
            binds.append(before.time)
            binds.append(before.id)
            conditions.append("(time, id) < ($\(binds.count - 1), $\(binds.count))")
        }
        binds.append(Int64(max(0, query.limit)))
        let filter = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        let sql = "SELECT \(UsageRecord.columns) FROM usage_records \(filter) ORDER BY time DESC, id DESC LIMIT $\(binds.count)"
        var records: [UsageRecord] = []
        let rows = try await client.query(PostgresQuery(unsafeSQL: sql, binds: binds), logger: logger)
        for try await row in rows { records.append(try Self.usageRecord(row)) }
        return records
    }

    public func usageTotals(tenantID: String, scope: UsageScope, scopeID: String, since: Int64) async throws -> UsageTotals {
        // The partial hour after `since` from the records, every whole hour after from the rollup.
        let sql = """
            SELECT COUNT(*), COALESCE(SUM(input_tokens + output_tokens), 0)::BIGINT, COALESCE(SUM(cost_nanos), 0)::BIGINT FROM usage_records
            WHERE tenant_id = $1 AND \(scope.column) = $2 AND time >= $3 AND time < $4 AND (attempts > 0 OR cache_hit)
            UNION ALL
            SELECT COALESCE(SUM(served_requests), 0)::BIGINT, COALESCE(SUM(served_tokens), 0)::BIGINT, COALESCE(SUM(served_cost_nanos), 0)::BIGINT
            FROM usage_hourly WHERE tenant_id = $1 AND \(scope.column) = $2 AND time >= $4
            """
        var binds = PostgresBindings()
        binds.append(tenantID)
        binds.append(scopeID)
        binds.append(since)
        binds.append(UsageRollup.ceilHour(since))
        var totals = UsageTotals()
        for try await (requests, tokens, cost) in try await client.query(PostgresQuery(unsafeSQL: sql, binds: binds), logger: logger)
            .decode((Int64, Int64, Int64).self) {
            totals.requests += requests
            totals.tokens += tokens
            totals.costNanos += cost
        }
        return totals
    }

    static func usageRecord(_ row: PostgresRow) throws -> UsageRecord {
        let c = row.makeRandomAccess()
        let outcome = try c[25].decode(String.self)
        return UsageRecord(
            id: try c[0].decode(String.self), requestID: try c[1].decode(String.self), time: try c[2].decode(Int64.self),
            tenantID: try c[3].decode(String.self), organizationID: try c[4].decode(String?.self), departmentID: try c[5].decode(String?.self),
            userID: try c[6].decode(String?.self), keyID: try c[7].decode(String.self), capability: try c[8].decode(String.self),
            requestedModel: try c[9].decode(String?.self), providerID: try c[10].decode(String?.self), upstreamModel: try c[11].decode(String?.self),
            inputTokens: Int(try c[12].decode(Int64.self)), outputTokens: Int(try c[13].decode(Int64.self)),
            cachedTokens: Int(try c[14].decode(Int64.self)), cacheWriteTokens: Int(try c[15].decode(Int64.self)),
            reasoningTokens: Int(try c[16].decode(Int64.self)), costNanos: try c[17].decode(Int64?.self), latencyMs: Int(try c[18].decode(Int64.self)),
            ttftMs: try c[19].decode(Int64?.self).map(Int.init), status: Int(try c[20].decode(Int32.self)), errorCode: try c[21].decode(String?.self),
            attempts: Int(try c[22].decode(Int32.self)), cacheHit: try c[23].decode(Bool.self), usageEstimated: try c[24].decode(Bool.self),
            outcome: UsageRecord.Outcome(rawValue: outcome) ?? .failed)
    }
}
