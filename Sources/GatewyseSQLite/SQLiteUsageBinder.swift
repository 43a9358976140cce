import GRDBSQLite
import GatewyseStorage

/// Binds a `UsageRecord` to the prepared usage insert through SQLite's C API.
///
/// Why not GRDB's `StatementArguments`: the usage writer inserts one row per inference request,
/// and building 26 existential `DatabaseValueConvertible`s, converting each to a
/// `DatabaseValue` and binding those cost the writer thread more than SQLite's own insert did
/// (profiled at ~12 µs of ~25 µs per record under load). Binding the fields directly keeps the
/// writer's cost close to SQLite's B-tree work. The column order is `UsageRecord.columns`.
enum SQLiteUsageBinder {
    /// SQLite copies text it is given with this destructor, so a Swift string's storage need
    /// only live for the call.
    private static let transient = unsafeBitCast(OpaquePointer(bitPattern: -1), to: sqlite3_destructor_type.self)

    /// Binds `rows` to a statement of `rows.count` value tuples, steps and resets it once;
    /// returns how many rows it inserted (fewer when `ON CONFLICT DO NOTHING` skipped replayed
    /// ones). One statement for many rows: SQLite opens the table's cursor, and starts and
    /// halts its program, once per statement, which per row cost about as much as the insert
    /// itself. Every column is bound each time, so the previous rows' bindings need no clearing.
    static func insert(_ rows: UnsafeBufferPointer<UsageRecord>, with statement: OpaquePointer, connection: OpaquePointer) throws -> Int {
        defer { sqlite3_reset(statement) }
        var index: Int32 = 0
        for row in rows.indices { index = bind(rows[row], to: statement, after: index) }
        try step(statement, connection: connection)
        return Int(sqlite3_changes(connection))
    }

    /// Binds one record's columns from parameter `after + 1` on; returns the last one bound.
    private static func bind(_ record: borrowing UsageRecord, to statement: OpaquePointer, after first: Int32) -> Int32 {
        var index = first
        func text(_ value: String?) {
            index += 1
            if let value { bindText(value, to: statement, at: index) } else { sqlite3_bind_null(statement, index) }
        }
        func integer(_ value: Int64?) {
            index += 1
            if let value { sqlite3_bind_int64(statement, index, value) } else { sqlite3_bind_null(statement, index) }
        }
        func integer(_ value: Int?) { integer(value.map(Int64.init)) }
        func flag(_ value: Bool) { integer(value ? 1 : 0) }

        text(record.id); text(record.requestID); integer(record.time); text(record.tenantID)
        text(record.organizationID); text(record.departmentID); text(record.userID); text(record.keyID)
        text(record.capability); text(record.requestedModel); text(record.providerID); text(record.upstreamModel)
        integer(record.inputTokens); integer(record.outputTokens); integer(record.cachedTokens)
        integer(record.cacheWriteTokens); integer(record.reasoningTokens); integer(record.costNanos)
        integer(record.latencyMs); integer(record.ttftMs); integer(record.status); text(record.errorCode)
        integer(record.attempts); flag(record.cacheHit); flag(record.usageEstimated); text(record.outcome.rawValue)
        precondition(index - first == UsageRecord.columnCount, "SQLiteUsageBinder binds every column of UsageRecord.columns")
        return index
    }

    /// The string read in place (`withUTF8Bytes`); SQLite copies the bytes (`transient`).
    fileprivate static func bindText(_ value: String, to statement: OpaquePointer, at index: Int32) {
        value.withUTF8Bytes { bytes in
            _ = bytes.withMemoryRebound(to: CChar.self) {
                sqlite3_bind_text(statement, index, $0.baseAddress, Int32($0.count), transient)
            }
        }
    }

    fileprivate static func step(_ statement: OpaquePointer, connection: OpaquePointer) throws {
        let result = sqlite3_step(statement)
        guard result == SQLITE_DONE else {
            throw SQLiteUsageInsertError(code: result, message: String(cString: sqlite3_errmsg(connection)))
        }
    }
}

extension SQLiteUsageBinder {
    /// Binds, steps and resets the rollup upsert for one bucket (columns in
    /// `UsageRollup.columns` order). A batch from many keys and users upserts hundreds of
    /// buckets; through `StatementArguments` each cost ~15 µs of the writer's time.
    static func upsert(_ bucket: UsageRollup.Bucket, with statement: OpaquePointer, connection: OpaquePointer) throws {
        defer { sqlite3_reset(statement) }
        var index: Int32 = 0
        func text(_ value: String) {
            index += 1
            bindText(value, to: statement, at: index)
        }
        func integer(_ value: Int64) {
            index += 1
            sqlite3_bind_int64(statement, index, value)
        }
        text(bucket.tenantID); integer(bucket.time)
        for value in bucket.key { text(value) }
        for value in bucket.counts { integer(value) }
        precondition(index == UsageRollup.columns.count, "SQLiteUsageBinder binds every column of UsageRollup.columns")
        try step(statement, connection: connection)
    }
}

/// A usage insert SQLite refused (its result code and message; no record content).
struct SQLiteUsageInsertError: Error, CustomStringConvertible {
    let code: Int32
    let message: String
    var description: String { "usage insert failed (SQLite \(code)): \(message)" }
}
