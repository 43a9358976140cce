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
        struct Key: Hashable {
            var period: Int64
            var group: String?
        }
        let rows = usage.withLock { usage in
            var rows: [Key: UsageReportRow] = [:]
            for record in usage.records where Self.matches(record, query) {
                let key = Key(period: query.interval.periodStart(record.time), group: query.groupBy?.value(of: record))
                rows[key, default: UsageReportRow(period: key.period, group: key.group)].add(record)
            }
            return rows
        }
        return rows.values.sorted(by: UsageReportRow.reportOrder)
    }

    private static func matches(_ record: UsageRecord, _ query: UsageReportQuery) -> Bool {
        if case .one(let tenant) = query.tenants, record.tenantID != tenant { return false }
        guard record.time >= query.from, record.time < query.to else { return false }
        if let keyID = query.keyID, record.keyID != keyID { return false }
        if let userID = query.userID, record.userID != userID { return false }
        return true
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
            for record in usage.records where record.tenantID == tenantID && record.time >= since && record.isServed
                && scope.value(of: record) == scopeID {
                totals.requests += 1
                totals.tokens += Int64(record.inputTokens) + Int64(record.outputTokens)
                totals.costNanos += record.costNanos ?? 0
            }
            return totals
        }
    }
}
