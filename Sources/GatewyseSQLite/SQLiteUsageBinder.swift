import GRDBSQLite
import GatewyseStorage

/// Binds the hourly rollup's upsert through SQLite's C API.
///
/// Why not GRDB's `StatementArguments`: building existential `DatabaseValueConvertible`s,
/// converting each to a `DatabaseValue` and binding those cost the writer thread more than
/// SQLite's own work did (profiled when usage was one row per record, decisions/0032).
enum SQLiteUsageBinder {
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
            SQLiteRows.bind(.text(value), to: statement, at: index)
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

/// A usage statement SQLite refused (its result code and message; no record content).
struct SQLiteUsageInsertError: Error, CustomStringConvertible {
    let code: Int32
    let message: String
    var description: String { "usage statement failed (SQLite \(code)): \(message)" }
}
