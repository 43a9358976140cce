import GatewyseStorage
import PostgresNIO

/// Budgets shared by replicas (decisions/0018, migration 0003). Every statement on a meter
/// first locks its `budget_meters` row, so grants and reports on one meter run one at a time,
/// and reports lock meters in key order, so two replicas' reports never deadlock.
extension PostgresStore: BudgetLeaseStore {
    public func grantBudgetLease(_ request: BudgetLeaseRequest, replica: String, now: Int64, ttl: Int64) async throws -> (granted: Int64, share: BudgetMeterShare) {
        try await transaction { connection in
            let (spent, leased) = try await self.lockMeter(request.meter, initialSpent: request.initialSpent, now: now, connection: connection)
            let granted = BudgetLeasePolicy.grant(room: request.value - spent - leased, need: request.need)
            let m = request.meter
            var held: Int64 = 0
            if granted > 0 {
                let rows = try await connection.query("""
                    INSERT INTO budget_leases (tenant_id, budget_id, limit_name, period_start, replica_id, amount, expires_at)
                    VALUES (\(m.tenantID), \(m.budgetID), \(m.limit), \(m.periodStart), \(replica), \(granted), \(now + ttl))
                    ON CONFLICT (tenant_id, budget_id, limit_name, period_start, replica_id)
                    DO UPDATE SET amount = budget_leases.amount + excluded.amount, expires_at = excluded.expires_at
                    RETURNING amount
                    """, logger: self.logger)
                for try await amount in rows.decode(Int64.self) { held = amount }
                try await connection.query("""
                    UPDATE budget_meters SET leased = leased + \(granted)
                    WHERE tenant_id = \(m.tenantID) AND budget_id = \(m.budgetID) AND limit_name = \(m.limit) AND period_start = \(m.periodStart)
                    """, logger: self.logger)
            } else {
                held = try await self.lease(of: replica, on: m, connection: connection)
            }
            return (granted, BudgetMeterShare(spent: spent, lease: held))
        }
    }

    public func reportBudgetLeases(_ reports: [BudgetLeaseReport], replica: String, now: Int64, ttl: Int64) async throws -> [BudgetMeterKey: BudgetMeterShare] {
        guard !reports.isEmpty else { return [:] }
        return try await transaction { connection in
            var shares: [BudgetMeterKey: BudgetMeterShare] = [:]
            for report in reports.sorted(by: { $0.meter < $1.meter }) {
                let m = report.meter
                _ = try await self.lockMeter(m, initialSpent: report.initialSpent, now: now, connection: connection)
                let held = try await self.lease(of: replica, on: m, connection: connection)
                let taken = min(held, report.spent + report.returned)
                let left = held - taken
                if left > 0 {
                    try await connection.query("""
                        UPDATE budget_leases SET amount = \(left), expires_at = \(now + ttl)
                        WHERE tenant_id = \(m.tenantID) AND budget_id = \(m.budgetID) AND limit_name = \(m.limit)
                          AND period_start = \(m.periodStart) AND replica_id = \(replica)
                        """, logger: self.logger)
                } else if held > 0 {
                    try await connection.query("""
                        DELETE FROM budget_leases
                        WHERE tenant_id = \(m.tenantID) AND budget_id = \(m.budgetID) AND limit_name = \(m.limit)
                          AND period_start = \(m.periodStart) AND replica_id = \(replica)
                        """, logger: self.logger)
                }
                let rows = try await connection.query("""
                    UPDATE budget_meters SET spent = spent + \(report.spent), leased = leased - \(taken)
                    WHERE tenant_id = \(m.tenantID) AND budget_id = \(m.budgetID) AND limit_name = \(m.limit) AND period_start = \(m.periodStart)
                    RETURNING spent
                    """, logger: self.logger)
                var spent: Int64 = 0
                for try await value in rows.decode(Int64.self) { spent = value }
                shares[m] = BudgetMeterShare(spent: spent, lease: left)
            }
            return shares
        }
    }

    /// Creates the meter at `initialSpent` if no replica has yet, locks its row, reclaims the
    /// leases whose replica stopped renewing them, and answers its spent and leased amounts.
    private func lockMeter(_ m: BudgetMeterKey, initialSpent: Int64, now: Int64, connection: PostgresConnection) async throws -> (spent: Int64, leased: Int64) {
        try await connection.query("""
            INSERT INTO budget_meters (tenant_id, budget_id, limit_name, period_start, spent, leased)
            VALUES (\(m.tenantID), \(m.budgetID), \(m.limit), \(m.periodStart), \(initialSpent), 0)
            ON CONFLICT DO NOTHING
            """, logger: logger)
        var spent: Int64 = 0, leased: Int64 = 0
        let rows = try await connection.query("""
            SELECT spent, leased FROM budget_meters
            WHERE tenant_id = \(m.tenantID) AND budget_id = \(m.budgetID) AND limit_name = \(m.limit) AND period_start = \(m.periodStart)
            FOR UPDATE
            """, logger: logger)
        for try await (s, l) in rows.decode((Int64, Int64).self) { (spent, leased) = (s, l) }
        let expired = try await connection.query("""
            DELETE FROM budget_leases
            WHERE tenant_id = \(m.tenantID) AND budget_id = \(m.budgetID) AND limit_name = \(m.limit) AND period_start = \(m.periodStart)
              AND expires_at < \(now)
            RETURNING amount
            """, logger: logger)
        var reclaimed: Int64 = 0
        for try await amount in expired.decode(Int64.self) { reclaimed += amount }
        if reclaimed > 0 {
            leased -= reclaimed
            try await connection.query("""
                UPDATE budget_meters SET leased = \(leased)
                WHERE tenant_id = \(m.tenantID) AND budget_id = \(m.budgetID) AND limit_name = \(m.limit) AND period_start = \(m.periodStart)
                """, logger: logger)
        }
        return (spent, leased)
    }

    private func lease(of replica: String, on m: BudgetMeterKey, connection: PostgresConnection) async throws -> Int64 {
        let rows = try await connection.query("""
            SELECT amount FROM budget_leases
            WHERE tenant_id = \(m.tenantID) AND budget_id = \(m.budgetID) AND limit_name = \(m.limit)
              AND period_start = \(m.periodStart) AND replica_id = \(replica)
            """, logger: logger)
        var held: Int64 = 0
        for try await amount in rows.decode(Int64.self) { held = amount }
        return held
    }
}
