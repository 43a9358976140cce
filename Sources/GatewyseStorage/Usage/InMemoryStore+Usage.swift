/// The in-memory store's usage records: scans instead of indexes, the same answers as SQL.
struct InMemoryUsage {
    var records: [UsageRecord] = []
    var ids: Set<String> = []
}

extension InMemoryStore {
    public func appendUsage(_ records: [UsageRecord]) async throws {
        usage.withLock { usage in
            for record in records where usage.ids.insert(record.id).inserted { usage.records.append(record) }
        }
    }

    public func usageReport(_ query: UsageReportQuery) async throws -> [UsageReportRow] {
        usage.withLock { query.rows(of: $0.records) }.sorted(by: UsageReportRow.reportOrder)
    }

    public func recentRequests(_ query: RecentRequestsQuery) async throws -> [UsageRecord] {
        usage.withLock { usage in
            let matching = usage.records.filter(query.matches).sorted { ($0.time, $0.id) > ($1.time, $1.id) }
            return Array(matching.prefix(max(0, query.limit)))
        }
    }

    public func usageTotals(tenantID: String, scope: UsageScope, scopeID: String, since: Int64) async throws -> UsageTotals {
        usage.withLock { usage in
            var totals = UsageTotals()
            for record in usage.records { totals.add(record, tenantID: tenantID, scope: scope, scopeID: scopeID, since: since) }
            return totals
        }
    }
}
