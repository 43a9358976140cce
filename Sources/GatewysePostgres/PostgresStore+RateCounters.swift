import GatewyseStorage
import PostgresNIO

/// Rate-limit counts shared by replicas (decisions/0018, migration 0003): each replica's own
/// rows, written whole, and the other replicas' sums read back — one round trip each, per sync.
extension PostgresStore: RateCounterStore {
    /// Rows per statement: 8 parameters each.
    static let rateCounterRowsPerStatement = 1000

    public func syncRateCounters(_ mine: [RateCounterKey: RateCounterValue], replica: String, now: Int64) async throws -> [RateCounterKey: RateCounterValue] {
        guard !mine.isEmpty else { return [:] }
        let keys = mine.keys.sorted()
        return try await client.withConnection { connection in
            var others: [RateCounterKey: RateCounterValue] = [:]
            var start = 0
            while start < keys.count {
                let chunk = keys[start..<min(start + Self.rateCounterRowsPerStatement, keys.count)]
                var binds = PostgresBindings(capacity: chunk.count * 8)
                var rows: [String] = []
                for key in chunk {
                    let first = binds.count + 1
                    let value = mine[key] ?? RateCounterValue()
                    binds.append(key.tenantID)
                    binds.append(key.subjectKind)
                    binds.append(key.subjectID)
                    binds.append(key.window.rawValue)
                    binds.append(key.windowStart)
                    binds.append(replica)
                    binds.append(value.requests)
                    binds.append(value.tokens)
                    rows.append("(" + (first..<(first + 8)).map { "$\($0)" }.joined(separator: ",") + ")")
                }
                try await connection.query(PostgresQuery(unsafeSQL: """
                    INSERT INTO rate_counters (tenant_id, subject_kind, subject_id, time_window, window_start, replica_id, requests, tokens)
                    VALUES \(rows.joined(separator: ","))
                    ON CONFLICT (tenant_id, subject_kind, subject_id, time_window, window_start, replica_id)
                    DO UPDATE SET requests = excluded.requests, tokens = excluded.tokens
                    """, binds: binds), logger: self.logger)
                // The same windows, every other replica's rows summed.
                var read = PostgresBindings(capacity: chunk.count * 5 + 1)
                read.append(replica)
                var wanted: [String] = []
                for key in chunk {
                    let first = read.count + 1
                    read.append(key.tenantID)
                    read.append(key.subjectKind)
                    read.append(key.subjectID)
                    read.append(key.window.rawValue)
                    read.append(key.windowStart)
                    wanted.append("(" + (first..<(first + 5)).map { "$\($0)" }.joined(separator: ",") + ")")
                }
                let sums = try await connection.query(PostgresQuery(unsafeSQL: """
                    SELECT tenant_id, subject_kind, subject_id, time_window, window_start, SUM(requests)::BIGINT, SUM(tokens)::BIGINT
                    FROM rate_counters
                    WHERE replica_id <> $1 AND (tenant_id, subject_kind, subject_id, time_window, window_start) IN (\(wanted.joined(separator: ",")))
                    GROUP BY tenant_id, subject_kind, subject_id, time_window, window_start
                    """, binds: read), logger: self.logger)
                for try await (tenant, kind, subject, window, windowStart, requests, tokens)
                    in sums.decode((String, String, String, String, Int64, Int64, Int64).self) {
                    guard let window = RateCounterKey.Window(rawValue: window) else { continue }
                    others[RateCounterKey(tenantID: tenant, subjectKind: kind, subjectID: subject, window: window, windowStart: windowStart)] =
                        RateCounterValue(requests: requests, tokens: tokens)
                }
                start += chunk.count
            }
            try await connection.query("""
                DELETE FROM rate_counters
                WHERE (time_window = 'minute' AND window_start < \(RateCounterKey.expiry(.minute, now: now)))
                   OR (time_window = 'day' AND window_start < \(RateCounterKey.expiry(.day, now: now)))
                """, logger: self.logger)
            return others
        }
    }
}
