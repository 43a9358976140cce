import GRDB
import GRDBSQLite
import GatewyseCore
import GatewyseStorage

/// Usage batches in SQLite (decisions/0035): each flush stores, per tenant, one row holding its
/// records as journal lines (`UsageJournalLine`, JSON arrays one per line), with the earliest
/// and latest record times, instead of one row per record.
///
/// Why: a row per request cost the usage writer ~3.3 µs per request (6 in this VM's slow phases),
/// SQLite's statement execution and page writes — the whole of what usage recording still
/// added to a request over the build before it. A batch is one insert of one blob, and its
/// lines are the format the journal already writes.
///
/// The store stays idempotent by record id: the records of a new batch whose times fall within
/// a stored batch's span (of the same tenant) are compared with that batch's ids — read without
/// decoding the lines (`UsageJournalLine.idAndTime`) — and with `usage_records`, the table of
/// rows earlier versions wrote, up to its latest time. A flush overlaps only the one before it,
/// by the few milliseconds their records' times interleave; a replayed journal overlaps what it
/// replays.
enum SQLiteUsageBatches {
    /// Records per batch row at most: a replayed journal of a store that was down for long is
    /// still stored in rows a query decodes at once without holding much memory.
    static let maximumRecords = 4096

    /// Stores the records not stored before; returns their positions in `records`, nil when
    /// every record was new (the common case: the rollup then reads `records` as they are).
    ///
    /// The records of one call are taken to have distinct ids, as a flush and a journal segment
    /// do; those of different calls are compared.
    /// `journalLines`: the records' lines, in order, when the caller has them (the recorder's
    /// sealed journal segment); stored as they are when the batch is one row of new records —
    /// the common case — instead of encoding the records again.
    static func append(_ records: [UsageRecord], journalLines: [UInt8]?, legacyEnd: Int64?, db: Database) throws -> [Int]? {
        try records.withUnsafeBufferPointer { rows in
            if let journalLines {
                try journalLines.withUnsafeBytes { lines in try append(rows, journalLines: lines, legacyEnd: legacyEnd, db: db) }
            } else {
                try append(rows, journalLines: nil, legacyEnd: legacyEnd, db: db)
            }
        }
    }

    private static func append(_ rows: UnsafeBufferPointer<UsageRecord>, journalLines: UnsafeRawBufferPointer?, legacyEnd: Int64?,
                               db: Database) throws -> [Int]? {
        guard let connection = db.sqliteConnection else { throw SQLiteUsageInsertError(code: SQLITE_MISUSE, message: "connection closed") }
        var taken: [Int] = []
        taken.reserveCapacity(rows.count)
        var allTaken = true
        let insert = try db.cachedStatement(sql: insertSQL).sqliteStatement
        lazy var body = UsageJournalLineBuffer(capacity: 64 * 1024)
        let groups = tenantGroups(rows)
        for tenant in groups {
            let stored = try storedIDs(tenantID: tenant.id, around: tenant.span, legacyEnd: legacyEnd, db: db, connection: connection)
            var group: [Int] = []
            group.reserveCapacity(tenant.positions.count)
            for position in tenant.positions {
                // Only a record no later than the last stored one it could repeat is looked up.
                if rows[position].time <= stored.latest, stored.ids.contains(rows[position].id) {
                    allTaken = false
                } else {
                    group.append(position)
                }
            }
            if let journalLines, groups.count == 1, group.count == rows.count, group.count <= maximumRecords {
                // Every record new and of one tenant: the lines are the body as they are.
                try insertBatch(tenantID: tenant.id, first: tenant.span.lowerBound, last: tenant.span.upperBound, count: group.count,
                                body: journalLines, statement: insert, connection: connection)
                return nil
            }
            var start = 0
            while start < group.count {
                let end = min(start + maximumRecords, group.count)
                body.removeAll()
                var first = Int64.max, last = Int64.min
                for position in group[start..<end] {
                    UsageJournalLine.append(rows[position], to: body)
                    first = min(first, rows[position].time)
                    last = max(last, rows[position].time)
                }
                try insertBatch(tenantID: tenant.id, first: first, last: last, count: end - start, body: body.bytes,
                                statement: insert, connection: connection)
                start = end
            }
            taken += group
        }
        return allTaken ? nil : taken
    }

    private static let insertSQL = "INSERT INTO usage_batches (tenant_id, first_time, last_time, records, body) VALUES (?, ?, ?, ?, ?)"

    /// The positions of each tenant's records in `records`, in order, with their times' span.
    private static func tenantGroups(_ records: UnsafeBufferPointer<UsageRecord>) -> [(id: String, positions: [Int], span: ClosedRange<Int64>)] {
        var groups: [(id: String, positions: [Int], span: ClosedRange<Int64>)] = []
        var index: [String: Int] = [:]
        for position in records.indices {
            let tenant = records[position].tenantID, time = records[position].time
            // Most batches hold one tenant: the last group is checked before the dictionary.
            let group: Int
            if let lastGroup = groups.indices.last, groups[lastGroup].id == tenant {
                group = lastGroup
            } else if let found = index[tenant] {
                group = found
            } else {
                group = groups.count
                index[tenant] = group
                groups.append((tenant, [], time...time))
            }
            groups[group].positions.append(position)
            let span = groups[group].span
            groups[group].span = min(span.lowerBound, time)...max(span.upperBound, time)
        }
        return groups
    }

    /// The ids of `tenantID`'s stored records whose times fall within `span` — from the batches
    /// whose spans meet it, and from the legacy rows when `span` starts at or before their end —
    /// and the latest time a stored record within `span` can have (`Int64.min`: none can).
    private static func storedIDs(tenantID: String, around span: ClosedRange<Int64>, legacyEnd: Int64?, db: Database,
                                  connection: OpaquePointer) throws -> (ids: Set<String>, latest: Int64) {
        var ids = Set<String>()
        var latest = Int64.min
        let overlapping = try db.cachedStatement(sql: """
            SELECT body, last_time FROM usage_batches WHERE tenant_id = ? AND last_time >= ? AND first_time <= ?
            """).sqliteStatement
        try SQLiteRows.each(overlapping, [.text(tenantID), .integer(span.lowerBound), .integer(span.upperBound)], connection: connection) { row in
            latest = max(latest, min(row.integer(1), span.upperBound))
            var skipped = 0
            UsageJournalLine.forEachLine(in: row.blob(0), skipped: &skipped) { line in
                if let id = UsageJournalLine.id(line, ifTime: span.contains) { ids.insert(id) }
            }
        }
        if let legacyEnd, span.lowerBound <= legacyEnd {
            latest = max(latest, min(legacyEnd, span.upperBound))
            let legacy = try db.cachedStatement(sql: "SELECT id FROM usage_records WHERE tenant_id = ? AND time >= ? AND time <= ?").sqliteStatement
            try SQLiteRows.each(legacy, [.text(tenantID), .integer(span.lowerBound), .integer(span.upperBound)], connection: connection) { row in
                ids.insert(row.text(0))
            }
        }
        return (ids, latest)
    }

    private static func insertBatch(tenantID: String, first: Int64, last: Int64, count: Int, body: UnsafeRawBufferPointer,
                                    statement: OpaquePointer, connection: OpaquePointer) throws {
        defer { sqlite3_reset(statement) }
        SQLiteRows.bind(.text(tenantID), to: statement, at: 1)
        sqlite3_bind_int64(statement, 2, first)
        sqlite3_bind_int64(statement, 3, last)
        sqlite3_bind_int64(statement, 4, Int64(count))
        // Static (no destructor): the bytes outlive the step; the bindings are cleared before they go.
        sqlite3_bind_blob(statement, 5, body.baseAddress, Int32(body.count), nil)
        let result = sqlite3_step(statement)
        sqlite3_clear_bindings(statement)
        guard result == SQLITE_DONE else {
            throw SQLiteUsageInsertError(code: result, message: String(cString: sqlite3_errmsg(connection)))
        }
    }

    // MARK: Reading

    /// Which batches a read takes: one tenant's or all, and the span their records must meet.
    struct Selection {
        var tenantID: String?
        /// Unix ms, inclusive; nil: from the first.
        var from: Int64?
        /// Unix ms, exclusive; nil: to the last.
        var to: Int64?
    }

    /// Calls `body` with the decoded records of each batch meeting `selection`, newest batch
    /// first when `newestFirst`, until it returns false. Records outside the span are included
    /// (the caller's filter judges each record).
    static func forEachBatch(_ selection: Selection, newestFirst: Bool, db: Database,
                             _ body: ([UsageRecord], _ lastTime: Int64) throws -> Bool) throws {
        guard let connection = db.sqliteConnection else { throw SQLiteUsageInsertError(code: SQLITE_MISUSE, message: "connection closed") }
        var conditions: [String] = []
        var values: [SQLiteRows.Value] = []
        if let tenantID = selection.tenantID {
            conditions.append("tenant_id = ?")
            values.append(.text(tenantID))
        }
        conditions.append("last_time >= ?")
        values.append(.integer(selection.from ?? .min))
        if let to = selection.to {
            conditions.append("first_time < ?")
            values.append(.integer(to))
        }
        let sql = "SELECT body, last_time FROM usage_batches WHERE \(conditions.joined(separator: " AND ")) ORDER BY last_time"
            + (newestFirst ? " DESC" : "")
        let statement = try db.cachedStatement(sql: sql).sqliteStatement
        try SQLiteRows.scan(statement, values, connection: connection) { row in
            let (records, _) = UsageJournalLine.records(in: row.blob(0))
            return try body(records, row.integer(1))
        }
    }
}

/// Stepping a prepared statement through SQLite's C API: reading a batch's blob in place,
/// without GRDB copying it into `Data` first.
enum SQLiteRows {
    enum Value {
        case text(String)
        case integer(Int64)
    }

    struct Row {
        let statement: OpaquePointer
        /// Valid until the next step.
        func blob(_ column: Int32) -> UnsafeRawBufferPointer {
            UnsafeRawBufferPointer(start: sqlite3_column_blob(statement, column), count: Int(sqlite3_column_bytes(statement, column)))
        }
        func integer(_ column: Int32) -> Int64 { sqlite3_column_int64(statement, column) }
        func text(_ column: Int32) -> String {
            guard let text = sqlite3_column_text(statement, column) else { return "" }
            return String(decoding: UnsafeBufferPointer(start: text, count: Int(sqlite3_column_bytes(statement, column))), as: UTF8.self)
        }
    }

    static func bind(_ value: Value, to statement: OpaquePointer, at index: Int32) {
        switch value {
        case .integer(let number): sqlite3_bind_int64(statement, index, number)
        case .text(let text):
            // Read in place (`withUTF8Bytes`); SQLite copies the bytes (`transient`).
            text.withUTF8Bytes { bytes in
                _ = bytes.withMemoryRebound(to: CChar.self) {
                    sqlite3_bind_text(statement, index, $0.baseAddress, Int32($0.count), transient)
                }
            }
        }
    }

    /// SQLite copies what it is given with this destructor.
    static let transient = unsafeBitCast(OpaquePointer(bitPattern: -1), to: sqlite3_destructor_type.self)

    /// Binds `values`, then calls `body` for each row until it returns false.
    static func scan(_ statement: OpaquePointer, _ values: [Value], connection: OpaquePointer, _ body: (Row) throws -> Bool) throws {
        defer {
            sqlite3_reset(statement)
            sqlite3_clear_bindings(statement)
        }
        for (offset, value) in values.enumerated() { bind(value, to: statement, at: Int32(offset + 1)) }
        while true {
            let result = sqlite3_step(statement)
            if result == SQLITE_DONE { return }
            guard result == SQLITE_ROW else {
                throw SQLiteUsageInsertError(code: result, message: String(cString: sqlite3_errmsg(connection)))
            }
            if try !body(Row(statement: statement)) { return }
        }
    }

    /// `each` for a body that reads every row.
    static func each(_ statement: OpaquePointer, _ values: [Value], connection: OpaquePointer, _ body: (Row) throws -> Void) throws {
        try scan(statement, values, connection: connection) { row in
            try body(row)
            return true
        }
    }
}
