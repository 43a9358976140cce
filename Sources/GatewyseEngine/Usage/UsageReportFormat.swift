import GatewyseCore
import GatewyseStorage

/// The usage report's query parameters and row shape (admin-api.md §5), shared by
/// `GET /api/admin/usage` and `GET /v1/usage` so the two answer alike.
public enum UsageReportFormat {
    /// A report may not span more periods than this (a year of hours is 8,784).
    static let maxPeriods: Int64 = 10_000
    static let defaultSpan: Int64 = 30 * 86_400_000

    /// `from` and `to` (RFC 3339; default the 30 days up to now), `interval` (default `day`),
    /// `groupBy` when `groupable`; any other parameter not in `extra` is a 400 naming it.
    /// `now`: the default `to` (exclusive), just past the present so that the records of this
    /// very moment are in.
    static func query(_ parameters: [String: String], tenants: UsageTenants, now: Int64, groupable: Bool,
                      extra: Set<String> = []) throws(GatewayError) -> UsageReportQuery {
        var known: Set<String> = ["from", "to", "interval"]
        if groupable { known.insert("groupBy") }
        for name in parameters.keys.sorted() where !known.contains(name) && !extra.contains(name) {
            throw GatewayError.invalidField(name, "Unknown parameter '\(name)'.")
        }
        let to = try time(parameters["to"], "to") ?? now
        let from = try time(parameters["from"], "from") ?? to - defaultSpan
        guard from < to else { throw GatewayError.invalidField("from", "'from' must be before 'to'.") }
        let interval = try choice(parameters["interval"], "interval", UsageInterval.self) ?? .day
        let step: Int64 = switch interval { case .hour: 3_600_000; case .day: 86_400_000; case .week: 604_800_000 }
        guard (to - from) / step <= maxPeriods else {
            throw GatewayError.invalidField("from", "The range holds more than \(maxPeriods) \(interval.rawValue)s; narrow it or use a longer interval.")
        }
        let groupBy = try choice(parameters["groupBy"], "groupBy", UsageGrouping.self)
        return UsageReportQuery(tenants: tenants, from: from, to: to, interval: interval, groupBy: groupBy)
    }

    /// An RFC 3339 time → Unix ms.
    static func time(_ text: String?, _ field: String) throws(GatewayError) -> Int64? {
        guard let text else { return nil }
        guard let seconds = Timestamp.seconds(rfc3339: text) else {
            throw GatewayError.invalidField(field, "'\(field)' must be an RFC 3339 time such as 2027-01-31T00:00:00Z.")
        }
        return seconds * 1000
    }

    static func choice<Choice: RawRepresentable & CaseIterable>(_ text: String?, _ field: String,
                                                                 _ type: Choice.Type) throws(GatewayError) -> Choice? where Choice.RawValue == String {
        guard let text else { return nil }
        guard let value = Choice(rawValue: text) else {
            throw GatewayError.invalidField(field, "'\(field)' must be one of: \(Choice.allCases.map(\.rawValue).joined(separator: ", ")).")
        }
        return value
    }

    public static let csvHeader = ["period", "group", "requests", "errors", "inputTokens", "outputTokens", "cachedTokens", "reasoningTokens",
                                   "costUsd", "cacheHits"]

    static func json(_ row: UsageReportRow) -> JSONValue {
        .object(JSONObject([
            ("period", .string(Timestamp.rfc3339(milliseconds: row.period))), ("group", .optional(row.group)),
            ("requests", .number(String(row.requests))), ("errors", .number(String(row.errors))),
            ("inputTokens", .number(String(row.inputTokens))), ("outputTokens", .number(String(row.outputTokens))),
            ("cachedTokens", .number(String(row.cachedTokens))), ("reasoningTokens", .number(String(row.reasoningTokens))),
            ("costUsd", .number(Money(nanos: row.costNanos).description)), ("cacheHits", .number(String(row.cacheHits))),
        ]))
    }

    static func json(_ rows: [UsageReportRow]) -> JSONValue {
        .object(JSONObject([("data", .array(rows.map(json)))]))
    }

    /// RFC 4180: a header line, then one line per row, CRLF-ended.
    static func csv(_ rows: [UsageReportRow]) -> [UInt8] {
        var lines = [csvHeader.joined(separator: ",")]
        for row in rows {
            lines.append([Timestamp.rfc3339(milliseconds: row.period), csvField(row.group ?? ""), String(row.requests), String(row.errors),
                          String(row.inputTokens), String(row.outputTokens), String(row.cachedTokens), String(row.reasoningTokens),
                          Money(nanos: row.costNanos).description, String(row.cacheHits)].joined(separator: ","))
        }
        return Array((lines.joined(separator: "\r\n") + "\r\n").utf8)
    }

    /// Quoted when it holds a separator, a quote or a line break. A group is text a client may
    /// have chosen (a model name): a leading `=`, `+`, `-`, `@` gets a `'` so a spreadsheet shows
    /// it instead of evaluating it (OWASP's advice on CSV injection).
    static func csvField(_ text: String) -> String {
        var text = text
        if let first = text.first, "=+-@\t\r".contains(first) { text = "'" + text }
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
        return "\"" + text.replacing("\"", with: "\"\"") + "\""
    }

    /// Whether an `Accept` header asks for CSV rather than JSON.
    public static func wantsCSV(_ accept: String?) -> Bool {
        guard let accept else { return false }
        return accept.lowercased().contains("text/csv")
    }
}
