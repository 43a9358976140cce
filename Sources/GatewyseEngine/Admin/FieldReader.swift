import GatewyseCore

/// Reads an admin API body strictly (admin-api.md §1): every field it does not know is a 400
/// `INVALID_FIELD` naming it, and every missing or ill-typed field names its path
/// (`limits.dailyUsd`). Reads mark fields as known; `finish()` reports the rest.
public struct FieldReader {
    public let object: JSONObject
    public let path: String
    private let allowed: Set<String>

    public init(_ body: JSONValue?, path: String = "", allowed: Set<String>) throws(GatewayError) {
        guard let object = body?.objectValue else {
            throw GatewayError.invalidField(path.isEmpty ? "body" : path, path.isEmpty ? "The body must be a JSON object." : "'\(path)' must be an object.")
        }
        self.object = object
        self.path = path
        self.allowed = allowed
        for key in object.keys where !allowed.contains(key) {
            throw GatewayError.invalidField(name(key), "Unknown field '\(name(key))'.")
        }
    }

    public func name(_ field: String) -> String { path.isEmpty ? field : path + "." + field }

    public func has(_ field: String) -> Bool { object[field] != nil }

    /// Present and not null.
    public func isSet(_ field: String) -> Bool { object[field].map { !$0.isNull } ?? false }

    public func string(_ field: String) throws(GatewayError) -> String? {
        guard let value = object[field], !value.isNull else { return nil }
        guard let text = value.stringValue else { throw GatewayError.invalidField(name(field), "'\(name(field))' must be a string.") }
        return text
    }

    public func requiredString(_ field: String) throws(GatewayError) -> String {
        guard let text = try string(field), !text.isEmpty else { throw GatewayError.invalidField(name(field), "'\(name(field))' is required.") }
        return text
    }

    public func bool(_ field: String) throws(GatewayError) -> Bool? {
        guard let value = object[field], !value.isNull else { return nil }
        guard let flag = value.boolValue else { throw GatewayError.invalidField(name(field), "'\(name(field))' must be true or false.") }
        return flag
    }

    /// A non-negative integer.
    public func count(_ field: String) throws(GatewayError) -> Int? {
        guard let value = object[field], !value.isNull else { return nil }
        guard case .number(let lexeme) = value, let number = Int(lexeme), number >= 0 else {
            throw GatewayError.invalidField(name(field), "'\(name(field))' must be a non-negative integer.")
        }
        return number
    }

    public func strings(_ field: String) throws(GatewayError) -> [String]? {
        guard let value = object[field], !value.isNull else { return nil }
        guard let items = value.arrayValue else { throw GatewayError.invalidField(name(field), "'\(name(field))' must be an array of strings.") }
        var result: [String] = []
        for (i, item) in items.enumerated() {
            guard let text = item.stringValue else { throw GatewayError.invalidField(name(field) + "[\(i)]", "'\(name(field))[\(i)]' must be a string.") }
            result.append(text)
        }
        return result
    }

    /// An object whose values are strings (`metadata`, `headers`).
    public func stringMap(_ field: String) throws(GatewayError) -> [String: String]? {
        guard let value = object[field], !value.isNull else { return nil }
        guard let entries = value.objectValue else { throw GatewayError.invalidField(name(field), "'\(name(field))' must be an object of strings.") }
        var result: [String: String] = [:]
        for (key, item) in entries.entries {
            guard let text = item.stringValue else { throw GatewayError.invalidField(name(field) + "." + key, "'\(name(field)).\(key)' must be a string.") }
            result[key] = text
        }
        return result
    }

    public func nested(_ field: String, allowed: Set<String>) throws(GatewayError) -> FieldReader? {
        guard let value = object[field], !value.isNull else { return nil }
        return try FieldReader(value, path: name(field), allowed: allowed)
    }

    /// An RFC 3339 time → Unix seconds.
    public func time(_ field: String) throws(GatewayError) -> Int64? {
        guard let text = try string(field) else { return nil }
        guard let seconds = Timestamp.seconds(rfc3339: text) else {
            throw GatewayError.invalidField(name(field), "'\(name(field))' must be an RFC 3339 time such as 2027-01-31T00:00:00Z.")
        }
        return seconds
    }

    /// One of the given values.
    public func choice(_ field: String, _ values: [String]) throws(GatewayError) -> String? {
        guard let text = try string(field) else { return nil }
        guard values.contains(text) else {
            throw GatewayError.invalidField(name(field), "'\(name(field))' must be one of: \(values.joined(separator: ", ")).")
        }
        return text
    }
}

/// Slugs of ids clients may choose (tenants, organizations, departments, roles).
public enum Slug {
    /// `[a-z0-9-]{2,63}`, as admin-api.md gives for tenant ids.
    public static func isValid(_ text: String) -> Bool {
        (2...63).contains(text.utf8.count) && text.utf8.allSatisfy { ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2D }
    }
}
