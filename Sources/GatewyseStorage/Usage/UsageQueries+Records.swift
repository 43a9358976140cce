/// The usage queries answered over records in memory: the in-memory store's whole answer, and
/// the SQLite store's over its usage batches (decisions/0035). One definition of which records a
/// query takes and how they sum, so that every backend answers alike.
extension UsageReportQuery {
    public func matches(_ record: borrowing UsageRecord) -> Bool {
        if case .one(let tenant) = tenants, record.tenantID != tenant { return false }
        guard record.time >= from, record.time < to else { return false }
        if let keyID, record.keyID != keyID { return false }
        if let userID, record.userID != userID { return false }
        return true
    }

    /// The report rows of the matching records among `records`, in no particular order.
    public func rows(of records: some Sequence<UsageRecord>) -> [UsageReportRow] {
        var rows: [ReportKey: UsageReportRow] = [:]
        for record in records where matches(record) {
            let key = ReportKey(period: interval.periodStart(record.time), group: groupBy?.value(of: record))
            rows[key, default: UsageReportRow(period: key.period, group: key.group)].add(record)
        }
        return Array(rows.values)
    }

    private struct ReportKey: Hashable {
        var period: Int64
        var group: String?
    }
}

extension UsageTotals {
    /// Adds `record` when it counts toward the budget scope `scope`/`scopeID` of `tenantID`
    /// from `since` on (Unix ms): served requests only (`UsageRecord.isServed`).
    public mutating func add(_ record: borrowing UsageRecord, tenantID: String, scope: UsageScope, scopeID: String, since: Int64) {
        guard record.tenantID == tenantID, record.time >= since, record.isServed, scope.value(of: record) == scopeID else { return }
        requests += 1
        tokens += Int64(record.inputTokens) + Int64(record.outputTokens)
        costNanos += record.costNanos ?? 0
    }
}
