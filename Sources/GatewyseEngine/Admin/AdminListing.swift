import GatewyseCore

/// Lists as admin-api.md §1 gives them: `?limit=` (default 50, at most 500), `?cursor=` (the
/// last id of the previous page), filters named like the fields, and
/// `{"data":[…],"nextCursor":…}`.
enum AdminListing {
    static let defaultLimit = 50
    static let maxLimit = 500

    /// `items` as (id, rendered object); `filterable` are the fields the query may filter on.
    static func page(_ items: [(id: String, json: JSONObject)], query: [String: String], filterable: Set<String>) throws(GatewayError) -> JSONValue {
        var limit = defaultLimit
        if let text = query["limit"] {
            guard let value = Int(text), value >= 1 else { throw GatewayError.invalidField("limit", "'limit' must be an integer from 1 to \(maxLimit).") }
            limit = min(value, maxLimit)
        }
        var filters: [(String, String)] = []
        for (name, value) in query where name != "limit" && name != "cursor" {
            guard filterable.contains(name) else { throw GatewayError.invalidField(name, "Unknown filter '\(name)'.") }
            filters.append((name, value))
        }
        let cursor = query["cursor"]
        let matching = items.sorted { $0.id < $1.id }.filter { item in
            if let cursor, item.id <= cursor { return false }
            return filters.allSatisfy { name, value in matches(item.json[name], value) }
        }
        let page = matching.prefix(limit)
        let next: JSONValue = matching.count > limit ? .string(page.last!.id) : .null
        return .object(JSONObject([("data", .array(page.map { .object($0.json) })), ("nextCursor", next)]))
    }

    /// A query value against a field: strings and numbers by text, booleans as `true`/`false`,
    /// arrays when they contain the value.
    static func matches(_ field: JSONValue?, _ value: String) -> Bool {
        switch field {
        case .string(let text): text == value
        case .number(let lexeme): lexeme == value
        case .bool(let flag): (flag ? "true" : "false") == value
        case .array(let items): items.contains { matches($0, value) }
        case .null: value == "null"
        default: false
        }
    }
}

extension JSONValue {
    static func optional(_ text: String?) -> JSONValue { text.map(JSONValue.string) ?? .null }

    static func time(_ seconds: Int64?) -> JSONValue { seconds.map { .string(Timestamp.rfc3339(seconds: $0)) } ?? .null }

    static func strings(_ items: [String]) -> JSONValue { .array(items.map(JSONValue.string)) }
}
