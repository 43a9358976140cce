import GatewyseCore
import GatewyseStorage

extension GatewayRuntime {
    /// `GET /v1/usage` (admin-api.md §5): the calling key's usage, in the admin report's row
    /// shape, `?from&to&interval`. The key needs the `usage:read` capability in its scopes;
    /// it only ever reads its own records. `accept`: `text/csv` answers CSV.
    public func keyUsage(for principal: Principal, parameters: [String: String], accept: String?) async throws
        -> (contentType: String, body: [UInt8]) {
        guard principal.policy.readsOwnUsage else { throw GatewayError.capabilityNotAllowed("usage:read") }
        var query = try UsageReportFormat.query(parameters, tenants: .one(principal.tenantID), now: UnixClock.milliseconds() + 1, groupable: false)
        query.keyID = principal.keyID
        let rows = try await store.usageReport(query)
        if UsageReportFormat.wantsCSV(accept) { return ("text/csv; charset=utf-8", UsageReportFormat.csv(rows)) }
        return ("application/json", JSONWriter.bytes(UsageReportFormat.json(rows)))
    }
}
