/// Typed, validating access to a JSON object, for turning a wire body into the unified model.
/// Every failure is a 400 `GatewayError` naming the field by its path (`messages[2].role`), so the
/// client learns exactly what to fix.
public struct JSONFieldReader: Sendable {
    public let object: JSONObject
    /// The path, or for an element of an array, the array's path: an element's own path
    /// (`messages[3]`) is only written out when an error names it, not for every element.
    private let base: String
    private let element: Int

    /// Path of this object within the body (`messages[0].tool_calls[1]`), empty at the top.
    public var path: String { element < 0 ? base : "\(base)[\(element)]" }

    public init(_ object: JSONObject, path: String = "") {
        self.object = object
        self.base = path
        self.element = -1
    }

    private init(_ object: JSONObject, elementOf arrayPath: String, at element: Int) {
        self.object = object
        self.base = arrayPath
        self.element = element
    }

    /// Reads the body's top-level object.
    public init(body value: JSONValue) throws(GatewayError) {
        guard case .object(let object) = value else {
            throw .invalidRequest("Request body must be a JSON object, got \(value.typeName).")
        }
        self.init(object)
    }

    public func fieldPath(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    public func has(_ key: String) -> Bool {
        if let v = object[key], !v.isNull { return true }
        return false
    }

    public func missing(_ key: String) -> GatewayError {
        .invalidRequest("Missing required field '\(fieldPath(key))'.", param: fieldPath(key), code: "MISSING_FIELD")
    }

    public func wrongType(_ key: String, expected: String, got value: JSONValue) -> GatewayError {
        .invalidRequest("Field '\(fieldPath(key))' must be \(expected), got \(value.typeName).", param: fieldPath(key), code: "INVALID_FIELD")
    }

    public func invalid(_ key: String, _ reason: String) -> GatewayError {
        .invalidRequest("Field '\(fieldPath(key))' \(reason)", param: fieldPath(key), code: "INVALID_FIELD")
    }

    /// `null` is treated as absent, as OpenAI does.
    private func present(_ key: String) -> JSONValue? {
        guard let value = object[key], !value.isNull else { return nil }
        return value
    }

    public func string(_ key: String) throws(GatewayError) -> String? {
        guard let value = present(key) else { return nil }
        guard case .string(let s) = value else { throw wrongType(key, expected: "a string", got: value) }
        return s
    }

    public func requiredString(_ key: String) throws(GatewayError) -> String {
        guard let s = try string(key) else { throw missing(key) }
        return s
    }

    public func bool(_ key: String) throws(GatewayError) -> Bool? {
        guard let value = present(key) else { return nil }
        guard case .bool(let b) = value else { throw wrongType(key, expected: "a boolean", got: value) }
        return b
    }

    public func double(_ key: String, in range: ClosedRange<Double>? = nil) throws(GatewayError) -> Double? {
        guard let value = present(key) else { return nil }
        guard let d = value.doubleValue else { throw wrongType(key, expected: "a number", got: value) }
        if let range, !range.contains(d) {
            throw invalid(key, "must be between \(format(range.lowerBound)) and \(format(range.upperBound)), got \(format(d)).")
        }
        return d
    }

    public func int(_ key: String, in range: ClosedRange<Int>? = nil) throws(GatewayError) -> Int? {
        guard let value = present(key) else { return nil }
        guard let i = value.intValue else { throw wrongType(key, expected: "an integer", got: value) }
        if let range, !range.contains(i) {
            throw invalid(key, "must be between \(range.lowerBound) and \(range.upperBound), got \(i).")
        }
        return i
    }

    /// A count an upstream reports (a usage object's tokens): any number, read through
    /// `UpstreamNumber.count` — negative as 0, absurd as `UpstreamNumber.maximumCount` — so that
    /// a bogus count neither traps the arithmetic done with it nor fails an answer the client
    /// has already paid for. Only a value that is not a number is an error.
    public func count(_ key: String) throws(GatewayError) -> Int? {
        guard let value = present(key) else { return nil }
        guard let count = UpstreamNumber.count(value) else { throw wrongType(key, expected: "a number", got: value) }
        return count
    }

    public func objectReader(_ key: String) throws(GatewayError) -> JSONFieldReader? {
        guard let value = present(key) else { return nil }
        guard case .object(let o) = value else { throw wrongType(key, expected: "an object", got: value) }
        return JSONFieldReader(o, path: fieldPath(key))
    }

    public func array(_ key: String) throws(GatewayError) -> [JSONValue]? {
        guard let value = present(key) else { return nil }
        guard case .array(let a) = value else { throw wrongType(key, expected: "an array", got: value) }
        return a
    }

    /// The elements of an array of objects, each with its own reader (`tools[3]`).
    public func objectArray(_ key: String) throws(GatewayError) -> [JSONFieldReader]? {
        guard let items = try array(key) else { return nil }
        var readers: [JSONFieldReader] = []
        readers.reserveCapacity(items.count)
        let arrayPath = fieldPath(key)
        for (i, item) in items.enumerated() {
            guard case .object(let o) = item else {
                throw .invalidRequest("Field '\(arrayPath)[\(i)]' must be an object, got \(item.typeName).",
                                      param: "\(arrayPath)[\(i)]", code: "INVALID_FIELD")
            }
            readers.append(JSONFieldReader(o, elementOf: arrayPath, at: i))
        }
        return readers
    }

    /// A string or an array of strings (`stop`).
    public func stringOrStrings(_ key: String) throws(GatewayError) -> [String]? {
        guard let value = present(key) else { return nil }
        switch value {
        case .string(let s): return [s]
        case .array(let items):
            var out: [String] = []
            for item in items {
                guard case .string(let s) = item else { throw wrongType(key, expected: "a string or an array of strings", got: value) }
                out.append(s)
            }
            return out
        default: throw wrongType(key, expected: "a string or an array of strings", got: value)
        }
    }

    /// The fields of this object other than `known`, in their original order.
    public func remaining(excluding known: JSONFieldNames) -> JSONObject {
        var out = JSONObject()
        let entries = object.entries
        for position in entries.indices where !known.contains(entries[position].key) {
            out.appendUnique(entries[position].key, entries[position].value)
        }
        return out
    }

    private func format(_ d: Double) -> String {
        d.rounded() == d && abs(d) < 1e15 ? String(Int(d)) : String(d)
    }
}
