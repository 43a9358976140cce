/// A JSON document as parsed from the wire.
///
/// Numbers keep their original lexeme so that values we only pass through (a `seed`, a
/// `logit_bias` map) reach the upstream byte-for-byte, and objects keep their key order so a
/// forwarded body reads like the one the client sent.
public enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case number(String)
    case string(String)
    case array([JSONValue])
    case object(JSONObject)

    public static func int(_ value: Int) -> JSONValue { .number(String(value)) }
    public static func double(_ value: Double) -> JSONValue {
        if value.rounded() == value, abs(value) < 1e15 { return .number(String(Int(value))) }
        return .number(String(value))
    }

    public var stringValue: String? { if case .string(let s) = self { return s } else { return nil } }
    public var boolValue: Bool? { if case .bool(let b) = self { return b } else { return nil } }
    public var objectValue: JSONObject? { if case .object(let o) = self { return o } else { return nil } }
    public var arrayValue: [JSONValue]? { if case .array(let a) = self { return a } else { return nil } }
    public var isNull: Bool { if case .null = self { return true } else { return false } }
    public var doubleValue: Double? { if case .number(let n) = self { return Double(n) } else { return nil } }
    /// The integer value, when the number is integral (`3` or `3.0`).
    public var intValue: Int? {
        guard case .number(let n) = self else { return nil }
        if let i = Int(n) { return i }
        if let d = Double(n), d.rounded() == d, abs(d) < 9e15 { return Int(d) }
        return nil
    }

    /// The JSON type name used in validation messages ("expected a string, got an array").
    public var typeName: String {
        switch self {
        case .null: "null"
        case .bool: "a boolean"
        case .number: "a number"
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }

    public subscript(key: String) -> JSONValue? { objectValue?[key] }
}

/// An ordered JSON object. Lookups are linear: wire objects have a handful of keys, and a
/// linear scan over a contiguous array beats hashing at that size.
public struct JSONObject: Sendable, Equatable, Sequence {
    public private(set) var entries: [(key: String, value: JSONValue)]
    /// Each key's position, for an object the parser found large (more keys than
    /// `JSONParser.linearDuplicateScanLimit`): a client can send a hundred thousand keys, and a
    /// decoder looks up a couple of dozen fields, each a scan of every entry without it.
    /// Dropped by a removal (lookups scan again), kept up to date by appends.
    private var positions: [String: Int]?

    public init() { entries = [] }
    public init(_ entries: [(String, JSONValue)]) {
        self.entries = []
        self.entries.reserveCapacity(entries.count)
        for (k, v) in entries { self[k] = v }
    }

    public var count: Int { entries.count }
    public var isEmpty: Bool { entries.isEmpty }
    public var keys: [String] { entries.map(\.key) }

    public subscript(key: String) -> JSONValue? {
        get {
            if let positions { return positions[key].map { entries[$0].value } }
            // Lengths first: most keys looked up are absent, and comparing two unequal strings
            // goes through the standard library's general comparison (a call per entry).
            let length = key.utf8.count
            for position in entries.indices where entries[position].key.utf8.count == length && entries[position].key == key {
                return entries[position].value
            }
            return nil
        }
        set {
            let found = positions.map { $0[key] } ?? entries.firstIndex(where: { $0.key == key })
            if let index = found {
                if let newValue {
                    entries[index].value = newValue
                } else {
                    entries.remove(at: index)
                    positions = nil
                }
            } else if let newValue {
                positions?[key] = entries.count
                entries.append((key, newValue))
            }
        }
    }

    /// Entries whose keys the caller knows to be unique (the parser, which has checked them).
    public init(uniqueEntries: [(key: String, value: JSONValue)]) { entries = uniqueEntries }

    /// The parser's large objects, with the positions it found their keys at.
    init(uniqueEntries: [(key: String, value: JSONValue)], positions: [String: Int]) {
        entries = uniqueEntries
        self.positions = positions.isEmpty ? nil : positions
    }

    /// Appends without checking for a duplicate key; for builders that know their keys are unique.
    public mutating func appendUnique(_ key: String, _ value: JSONValue) {
        positions?[key] = entries.count
        entries.append((key, value))
    }

    public func makeIterator() -> IndexingIterator<[(key: String, value: JSONValue)]> { entries.makeIterator() }

    /// Order-insensitive (see `sameMembers`, linear in the sizes).
    public static func == (lhs: JSONObject, rhs: JSONObject) -> Bool { sameMembers(lhs, rhs) }

    /// Replaces the value at a known position (for `merge`, which has found it).
    mutating func replaceValue(at position: Int, with value: JSONValue) { entries[position].value = value }
}

extension JSONValue: ExpressibleByStringLiteral, ExpressibleByBooleanLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral, ExpressibleByNilLiteral, ExpressibleByFloatLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(integerLiteral value: Int) { self = .number(String(value)) }
    public init(floatLiteral value: Double) { self = .double(value) }
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    public init(dictionaryLiteral elements: (String, JSONValue)...) { self = .object(JSONObject(elements)) }
    public init(nilLiteral: ()) { self = .null }
}
