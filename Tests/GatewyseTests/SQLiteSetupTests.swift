import Foundation
import GRDB
import GRDBSQLite
@testable import GatewyseSQLite
import Testing

/// SQLite's process-wide settings (decisions/0031).
@Suite struct SQLiteSetupTests {
    @Test("SQLite connections open in multi-thread mode: no mutex of their own for GRDB to take on every call")
    func connectionsHaveNoMutex() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("gw-\(UUID().uuidString)/db.sqlite").path
        let store = try SQLiteStore(path: path)
        let hasMutex: Bool = try await store.database.write { db in
            guard let connection = db.sqliteConnection else { return true }
            return sqlite3_db_mutex(connection) != nil
        }
        // The setup either took (0) or SQLite was initialized first by something else in this process.
        #expect(SQLiteStore.processSetup == SQLITE_OK)
        #expect(!hasMutex)
    }
}
