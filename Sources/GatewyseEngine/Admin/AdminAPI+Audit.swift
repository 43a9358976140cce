import GatewyseCore
import GatewyseStorage

/// The audit log (admin-api.md §5): the caller's tenant chain; a super-admin reads the system
/// chain or any tenant's with `?chain=`. Pages run by sequence: `cursor` is the last sequence seen.
extension AdminAPI {
    func auditRoutes() -> [AdminRoute] {
        [
            AdminRoute("GET", "/api/admin/audit", .auditRead, scope: .either) { [self] request in
                let chain = try chainName(request)
                var query = request.query
                var limit = AdminListing.defaultLimit
                if let text = query.removeValue(forKey: "limit") {
                    guard let value = Int(text), value >= 1 else { throw GatewayError.invalidField("limit", "'limit' must be an integer from 1 to 500.") }
                    limit = min(value, AdminListing.maxLimit)
                }
                var after: Int64?
                if let text = query.removeValue(forKey: "cursor") {
                    guard let value = Int64(text), value >= 0 else { throw GatewayError.invalidField("cursor", "'cursor' must be a sequence number.") }
                    after = value
                }
                query.removeValue(forKey: "chain")
                var filter = AuditFilter()
                for (name, value) in query {
                    switch name {
                    case "from": filter.from = try auditTime(value, "from")
                    case "to": filter.to = try auditTime(value, "to")
                    case "action": filter.action = value
                    case "actorId": filter.actorID = value
                    case "targetType": filter.targetType = value
                    default: throw GatewayError.invalidField(name, "Unknown filter '\(name)'.")
                    }
                }
                let entries = try await store.auditEntries(chain: chain, filter: filter, afterSequence: after, limit: limit + 1)
                let page = entries.prefix(limit)
                let next: JSONValue = entries.count > limit ? .string(String(page.last!.sequence)) : .null
                return .ok(.object(JSONObject([("data", .array(page.map { .object(render($0)) })), ("nextCursor", next)])))
            },
            AdminRoute("GET", "/api/admin/audit/verify", .auditRead, scope: .either) { [self] request in
                let verification = try await store.verifyAudit(chain: try chainName(request))
                return .ok(.object(JSONObject([
                    ("valid", .bool(verification.valid)), ("chain", .string(verification.chain)), ("checked", .count(verification.checked)),
                    ("firstBrokenSequence", verification.firstBrokenSequence.map { .number(String($0)) } ?? .null),
                ])))
            },
        ]
    }

    /// The caller's chain; `?chain=` only for a super-admin (any other caller reading another
    /// chain would cross tenants).
    private func chainName(_ request: AdminRequest) throws(GatewayError) -> String {
        if let chain = request.query["chain"], chain != AuditChain.name(tenantID: request.principal.tenantID) {
            guard request.principal.isSuperAdmin else {
                throw GatewayError.invalidField("chain", "Only a super-admin reads another chain than its tenant's.")
            }
            return chain
        }
        return AuditChain.name(tenantID: request.principal.tenantID)
    }

    /// Entry times are RFC 3339 text with milliseconds: a filter bound is normalized to the same
    /// form so that text order is time order.
    private func auditTime(_ text: String, _ field: String) throws(GatewayError) -> String {
        guard let seconds = Timestamp.seconds(rfc3339: text) else {
            throw GatewayError.invalidField(field, "'\(field)' must be an RFC 3339 time such as 2027-01-31T00:00:00Z.")
        }
        return Timestamp.rfc3339(milliseconds: seconds * 1000)
    }

    func render(_ entry: AuditEntry) -> JSONObject {
        JSONObject([
            ("sequence", .number(String(entry.sequence))), ("time", .string(entry.time)), ("tenantId", .string(entry.tenantID)),
            ("actorId", .string(entry.actorID)), ("actorType", .string(entry.actorType)), ("action", .string(entry.action)),
            ("targetType", .string(entry.targetType)), ("targetId", .string(entry.targetID)), ("summary", .string(entry.summary)),
            ("previousHash", .string(entry.previousHash)), ("hash", .string(entry.hash)),
        ])
    }
}
