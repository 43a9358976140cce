import Foundation
import GatewyseStorage

/// How usage records leave the request path (`usage:`, decisions/0011).
public struct UsageSettings: Sendable, Equatable {
    /// Where the journal's segments go (`usage.journal_dir`); nil: the default for the database
    /// (`journalDirectory(for:)`).
    public var journalDirectory: String?
    /// Records not yet stored past which new requests are refused (`usage.queue_capacity`).
    public var queueCapacity = 10_000
    /// Seconds between flushes (`usage.flush_interval_ms`).
    public var flushInterval: Double = 1
    /// A flush starts early once this many records wait (`usage.flush_batch`).
    public var flushBatch = 500

    public init() {}

    /// The journal directory: as configured, else `usage-journal` beside the SQLite file (where
    /// `master.key` lives too), `./data/usage-journal` for PostgreSQL (a directory local to each
    /// replica), and none for `memory:` (its store dies with the process, so a journal could
    /// only replay into an empty store).
    public func journalDirectory(for database: DatabaseLocation) -> String? {
        if let journalDirectory { return journalDirectory }
        switch database {
        case .sqlite(let path):
            let directory = (path as NSString).deletingLastPathComponent
            return (directory.isEmpty ? "." : directory) + "/usage-journal"
        case .postgres: return "./data/usage-journal"
        case .memory: return nil
        }
    }
}
