/// The hourly rollup the SQL backends keep beside the records (`usage_hourly`): one row per
/// tenant, UTC hour and combination of key, units, provider and model, with the sums the report
/// and the budget totals read. A report or total over a month then reads thousands of rollup
/// rows instead of a million records; only the partial hours at the edges of a range that does
/// not start or end on the hour are read from the records. Absent units are stored as `''`
/// (a primary key cannot hold NULLs) and read back as nil.
public enum UsageRollup {
    public static let hour: Int64 = 3_600_000

    public static func floorHour(_ time: Int64) -> Int64 { UsageInterval.hour.periodStart(time) }

    public static func ceilHour(_ time: Int64) -> Int64 {
        let floor = floorHour(time)
        return floor == time ? time : floor + hour
    }

    /// `[from, to)` as the whole hours inside it (read from the rollup) and the partial hours at
    /// its edges (read from the records).
    public static func split(from: Int64, to: Int64) -> (whole: Range<Int64>?, edges: [Range<Int64>]) {
        let start = ceilHour(from), end = floorHour(to)
        guard start < end else { return (nil, from < to ? [from..<to] : []) }
        var edges: [Range<Int64>] = []
        if from < start { edges.append(from..<start) }
        if end < to { edges.append(end..<to) }
        return (start..<end, edges)
    }

    /// Rows of the same period and group added together, ordered as the report is: by period,
    /// then group with no group first.
    public static func merge(_ rows: [UsageReportRow]) -> [UsageReportRow] {
        struct Key: Hashable {
            var period: Int64
            var group: String?
        }
        var merged: [Key: UsageReportRow] = [:]
        for row in rows {
            let key = Key(period: row.period, group: row.group)
            guard var existing = merged[key] else {
                merged[key] = row
                continue
            }
            existing.requests += row.requests
            existing.errors += row.errors
            existing.inputTokens += row.inputTokens
            existing.outputTokens += row.outputTokens
            existing.cachedTokens += row.cachedTokens
            existing.reasoningTokens += row.reasoningTokens
            existing.costNanos += row.costNanos
            existing.cacheHits += row.cacheHits
            merged[key] = existing
        }
        return merged.values.sorted(by: UsageReportRow.reportOrder)
    }

    /// The rollup's key columns, in primary-key order after `tenant_id, time`.
    public static let keyColumns = ["key_id", "organization_id", "department_id", "user_id", "provider_id", "requested_model"]
}

extension UsageReportRow {
    /// By period, then group with no group first (SQLite's order, PostgreSQL's with NULLS FIRST).
    public static func reportOrder(_ a: UsageReportRow, _ b: UsageReportRow) -> Bool {
        if a.period != b.period { return a.period < b.period }
        switch (a.group, b.group) {
        case (nil, nil), (_?, nil): return false
        case (nil, _?): return true
        case let (x?, y?): return x < y
        }
    }
}

extension UsageRollup {
    /// One rollup row to add: its key and the sums of the records that fall in it.
    public struct Bucket: Sendable, UsageSums {
        public var tenantID: String
        public var time: Int64
        /// `keyColumns` values, absent units as `''`.
        public var key: [String]
        public var requests: Int64 = 0
        public var errors: Int64 = 0
        public var inputTokens: Int64 = 0
        public var outputTokens: Int64 = 0
        public var cachedTokens: Int64 = 0
        public var reasoningTokens: Int64 = 0
        public var costNanos: Int64 = 0
        public var cacheHits: Int64 = 0
        /// What `usageTotals` counts: requests that reached an upstream or the cache.
        public var servedRequests: Int64 = 0
        public var servedTokens: Int64 = 0
        public var servedCostNanos: Int64 = 0

        /// The shared sums (`UsageSums.add`), then what only the rollup keeps. Read through a
        /// pointer: a record passed by value into this mutation of the batch's bucket array was
        /// copied first (a retain and a release per string field, per request).
        mutating func include(_ record: UnsafePointer<UsageRecord>) {
            add(record.pointee)
            if record.pointee.isServed {
                servedRequests += 1
                servedTokens += Int64(record.pointee.inputTokens) + Int64(record.pointee.outputTokens)
                servedCostNanos += record.pointee.costNanos ?? 0
            }
        }

        /// The rollup's key order: tenant, hour, then the key columns. Compared field by field,
        /// with nothing built per comparison (a batch from many keys and users sorts hundreds of
        /// buckets; arrays made per comparison cost ~20 µs a bucket).
        static func precedes(_ a: Bucket, _ b: Bucket) -> Bool {
            if a.tenantID != b.tenantID { return a.tenantID < b.tenantID }
            if a.time != b.time { return a.time < b.time }
            return a.key.lexicographicallyPrecedes(b.key)
        }

        /// The values in the order of `columns`.
        public var counts: [Int64] {
            [requests, errors, inputTokens, outputTokens, cachedTokens, reasoningTokens, costNanos, cacheHits, servedRequests, servedTokens,
             servedCostNanos]
        }
    }

    /// Every rollup column, in the order `Bucket` binds them: `tenant_id, time`, the key, the sums.
    public static let columns = ["tenant_id", "time"] + keyColumns + countColumns
    public static let countColumns = ["requests", "errors", "input_tokens", "output_tokens", "cached_tokens", "reasoning_tokens", "cost_nanos",
                                      "cache_hits", "served_requests", "served_tokens", "served_cost_nanos"]

    /// The records (those the store newly took) summed per rollup row, in key order, so that
    /// two writers upserting the same rows take their locks in the same order (PostgreSQL).
    ///
    /// The usage writer calls this for every batch, so it costs per request: the key is a plain
    /// struct (no arrays built per record) and a record of the same row as the one before —
    /// the common case, one key calling one model — skips the hash lookup, its strings compared
    /// by identity first.
    /// Records are read in place (an array's elements are borrowed, not copied: a copy retains
    /// and releases every string of the record).
    public static func buckets(_ records: some Sequence<UsageRecord>) -> [Bucket] {
        if let sorted = records.withContiguousStorageIfAvailable({ rows in buckets(in: rows) }) { return sorted }
        return Array(records).withUnsafeBufferPointer { rows in buckets(in: rows) }
    }

    private static func buckets(in rows: UnsafeBufferPointer<UsageRecord>) -> [Bucket] {
        var index: [BucketKey: Int] = [:]
        var buckets: [Bucket] = []
        var last: (key: BucketKey, position: Int)?
        for row in rows.indices {
            let position: Int
            if let last, last.key.matches(rows[row]) {
                position = last.position
            } else {
                let key = BucketKey(rows[row])
                if let found = index[key] {
                    position = found
                } else {
                    position = buckets.count
                    index[key] = position
                    buckets.append(Bucket(tenantID: key.tenantID, time: key.time, key: key.columns))
                }
                last = (key, position)
            }
            buckets[position].include(rows.baseAddress.unsafelyUnwrapped + row)
        }
        return buckets.sorted(by: Bucket.precedes)
    }

    /// A rollup row's identity: tenant, hour and the `keyColumns` values (absent units `''`).
    private struct BucketKey: Hashable {
        let tenantID: String
        let time: Int64
        let keyID: String
        let organizationID: String
        let departmentID: String
        let userID: String
        let providerID: String
        let requestedModel: String

        init(_ r: borrowing UsageRecord) {
            tenantID = r.tenantID
            time = UsageRollup.floorHour(r.time)
            keyID = r.keyID
            organizationID = r.organizationID ?? ""
            departmentID = r.departmentID ?? ""
            userID = r.userID ?? ""
            providerID = r.providerID ?? ""
            requestedModel = r.requestedModel ?? ""
        }

        var columns: [String] { [keyID, organizationID, departmentID, userID, providerID, requestedModel] }

        /// Whether `r` belongs to this row, read in place (no key built, nothing retained).
        func matches(_ r: borrowing UsageRecord) -> Bool {
            func same(_ value: borrowing String?, _ column: String) -> Bool {
                switch value { case .some(let value): value == column
                               case .none: column.isEmpty }
            }
            return r.tenantID == tenantID && UsageRollup.floorHour(r.time) == time && r.keyID == keyID
                && same(r.organizationID, organizationID) && same(r.departmentID, departmentID) && same(r.userID, userID)
                && same(r.providerID, providerID) && same(r.requestedModel, requestedModel)
        }
    }

    /// The report's group over the rollup: `''` read back as no group.
    public static func groupExpression(_ grouping: UsageGrouping?) -> String {
        switch grouping {
        case nil: "NULL"
        case .tenant: "tenant_id"
        case .apiKey: "key_id"
        case let other?: "NULLIF(\(other.column), '')"
        }
    }
}
