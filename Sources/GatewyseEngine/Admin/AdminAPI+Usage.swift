import GatewyseCore
import GatewyseStorage

/// `usage` and `requests` (admin-api.md §5): the usage report by UTC period and group (JSON, or
/// CSV with `Accept: text/csv`) and the newest requests. The caller's tenant; a super-admin
/// naming no tenant reads every tenant. A caller with only `usage:read:own` sees the usage of
/// the keys bound to itself.
extension AdminAPI {
    func usageRoutes() -> [AdminRoute] {
        [
            AdminRoute("GET", "/api/admin/usage", .usageRead, scope: .either) { [self] request in
                var query = try UsageReportFormat.query(request.query, tenants: tenants(request), now: (clock() + 1) * 1000, groupable: true,
                                                        extra: ["apiKeyId"])
                query.keyID = request.query["apiKeyId"]
                if request.ownOnly {
                    guard let userID = request.principal.userID else { throw GatewayError.permissionDenied(Permission.usageRead.rawValue) }
                    query.userID = userID
                }
                let rows = try await store.usageReport(query)
                if UsageReportFormat.wantsCSV(request.accept) {
                    return .ok(UsageReportFormat.csv(rows), contentType: "text/csv; charset=utf-8")
                }
                return .ok(UsageReportFormat.json(rows))
            },
            // Server-sent events: `event: request` with the same object as the list above
            // (without `recordId`) as each request completes on this replica, and a comment
            // line every 15 s. The caller's tenant, or every tenant for a super-admin naming none.
            AdminRoute("GET", "/api/admin/requests/live", .requestsRead, scope: .either) { [self] request in
                if let name = request.query.keys.sorted().first { throw GatewayError.invalidField(name, "This stream takes no parameter.") }
                let events = feed.subscribe(tenants: tenants(request)).map { [self] event -> [UInt8] in
                    switch event {
                    case .connected: return Array(": connected\n\n".utf8)
                    case .heartbeat: return Array(": heartbeat\n\n".utf8)
                    case .request(let record):
                        var object = render(record)
                        object["recordId"] = nil
                        return Array("event: request\ndata: \(JSONWriter.string(.object(object)))\n\n".utf8)
                    }
                }
                return .events(events)
            },
            AdminRoute("GET", "/api/admin/requests", .requestsRead, scope: .either) { [self] request in
                let query = try recentRequestsQuery(request)
                let records = try await store.recentRequests(query)
                let page = records.prefix(query.limit - 1)
                let next: JSONValue = records.count >= query.limit ? .string(page.last.map { "\($0.time):\($0.id)" } ?? "") : .null
                return .ok(.object(JSONObject([("data", .array(page.map { .object(render($0)) })), ("nextCursor", next)])))
            },
        ]
    }

    /// The caller's tenant; every tenant for a super-admin that names none (its explicit
    /// system-wide view).
    private func tenants(_ request: AdminRequest) -> UsageTenants {
        request.principal.tenantID == SystemScope.tenantID ? .all : .one(request.principal.tenantID)
    }

    /// The filters of `/api/admin/requests`; `limit` is one more than the page, to know whether
    /// another follows.
    private func recentRequestsQuery(_ request: AdminRequest) throws(GatewayError) -> RecentRequestsQuery {
        var query = RecentRequestsQuery(tenants: tenants(request), limit: AdminListing.defaultLimit + 1)
        for (name, value) in request.query.sorted(by: { $0.key < $1.key }) {
            switch name {
            case "from": query.from = try UsageReportFormat.time(value, name)
            case "to": query.to = try UsageReportFormat.time(value, name)
            case "apiKeyId": query.keyID = value
            case "userId": query.userID = value
            case "model": query.model = value
            case "provider": query.providerID = value
            case "status":
                guard let status = Int(value), (100...599).contains(status) else {
                    throw GatewayError.invalidField("status", "'status' must be an HTTP status such as 200 or 429.")
                }
                query.status = status
            case "limit":
                guard let limit = Int(value), limit >= 1 else {
                    throw GatewayError.invalidField("limit", "'limit' must be an integer from 1 to \(AdminListing.maxLimit).")
                }
                query.limit = min(limit, AdminListing.maxLimit) + 1
            case "cursor":
                // `time:id` of the last record of the previous page, as `nextCursor` gave it.
                let parts = value.split(separator: ":", maxSplits: 1)
                guard parts.count == 2, let time = Int64(parts[0]) else {
                    throw GatewayError.invalidField("cursor", "'cursor' must be a nextCursor from a previous page.")
                }
                query.before = RecentRequestsQuery.Position(time: time, id: String(parts[1]))
            default:
                throw GatewayError.invalidField(name, "Unknown filter '\(name)'.")
            }
        }
        return query
    }

    /// A request as admin-api.md §5 lists it, with the record's other fields after.
    func render(_ r: UsageRecord) -> JSONObject {
        func count(_ value: Int) -> JSONValue { .number(String(value)) }
        return JSONObject([
            ("id", .string(r.requestID)), ("time", .string(Timestamp.rfc3339(milliseconds: r.time))), ("tenantId", .string(r.tenantID)),
            ("apiKeyId", .string(r.keyID)), ("userId", .optional(r.userID)), ("capability", .string(r.capability)),
            ("model", .optional(r.requestedModel)), ("provider", .optional(r.providerID)), ("upstreamModel", .optional(r.upstreamModel)),
            ("status", count(r.status)), ("latencyMs", count(r.latencyMs)), ("ttftMs", r.ttftMs.map(count) ?? .null),
            ("inputTokens", count(r.inputTokens)), ("outputTokens", count(r.outputTokens)),
            ("costUsd", r.costNanos.map { .number(Money(nanos: $0).description) } ?? .null), ("cacheHit", .bool(r.cacheHit)),
            ("attempts", count(r.attempts)), ("organizationId", .optional(r.organizationID)), ("departmentId", .optional(r.departmentID)),
            ("cachedTokens", count(r.cachedTokens)), ("cacheWriteTokens", count(r.cacheWriteTokens)), ("reasoningTokens", count(r.reasoningTokens)),
            ("errorCode", .optional(r.errorCode)), ("outcome", .string(r.outcome.rawValue)), ("usageEstimated", .bool(r.usageEstimated)),
            ("recordId", .string(r.id)),
        ])
    }
}
