import GRDB
import GatewyseCore
import GatewyseStorage

extension SQLiteStore {
    static let routeColumns = "tenant_id, capability, alias, strategy, targets, fallbacks, enabled, updated_at"

    public func upsertRoute(_ route: RouteRecord) async throws {
        try await database.write { db in
            if let tenant = route.tenantID, try Bool.fetchOne(db, sql: "SELECT 1 FROM tenants WHERE id = ?", arguments: [tenant]) == nil {
                throw StoreError.unknownTenant(tenant)
            }
            try db.execute(sql: """
                INSERT INTO routes (\(Self.routeColumns)) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT(tenant_id, capability, alias) DO UPDATE SET
                    strategy = excluded.strategy, targets = excluded.targets, fallbacks = excluded.fallbacks,
                    enabled = excluded.enabled, updated_at = excluded.updated_at
                """, arguments: [route.tenantID ?? "", route.capability.rawValue, route.alias, route.strategy, route.targetsJSON,
                                 route.fallbacks.joined(separator: "\n"), route.enabled, route.updatedAt])
        }
    }

    public func routes(tenantID: String?) async throws -> [RouteRecord] {
        try await database.read { db in
            try Row.fetchAll(db, sql: "SELECT \(Self.routeColumns) FROM routes WHERE tenant_id = ? ORDER BY capability, alias",
                             arguments: [tenantID ?? ""]).compactMap(Self.route)
        }
    }

    public func allRoutes() async throws -> [RouteRecord] {
        try await database.read { db in
            try Row.fetchAll(db, sql: "SELECT \(Self.routeColumns) FROM routes ORDER BY tenant_id, capability, alias").compactMap(Self.route)
        }
    }

    public func deleteRoute(tenantID: String?, capability: Capability, alias: String) async throws -> Bool {
        try await database.write { db in
            try db.execute(sql: "DELETE FROM routes WHERE tenant_id = ? AND capability = ? AND alias = ?",
                           arguments: [tenantID ?? "", capability.rawValue, alias])
            return db.changesCount > 0
        }
    }

    static func route(_ row: Row) -> RouteRecord? {
        guard let capability = Capability(rawValue: row["capability"]) else { return nil }
        let tenant: String = row["tenant_id"]
        let fallbacks: String = row["fallbacks"]
        return RouteRecord(tenantID: tenant.isEmpty ? nil : tenant, capability: capability, alias: row["alias"], strategy: row["strategy"],
                           targets: RouteRecord.targets(fromJSON: row["targets"]),
                           fallbacks: fallbacks.isEmpty ? [] : fallbacks.split(separator: "\n").map(String.init),
                           enabled: row["enabled"], updatedAt: row["updated_at"])
    }
}
