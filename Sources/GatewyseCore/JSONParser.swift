/// A strict RFC 8259 JSON parser over UTF-8 bytes.
///
/// Hand-written rather than Foundation's `JSONDecoder` because the request path parses every body:
/// this parser allocates only the values it returns and reports the byte offset of a syntax error,
/// which goes straight into the 400 the client sees.
public struct JSONParser {
    public struct SyntaxError: Error, Sendable, CustomStringConvertible {
        public let offset: Int
        public let reason: String
        public var description: String { "malformed JSON at byte \(offset): \(reason)" }
    }

    /// Nesting deeper than this is refused with a `SyntaxError` naming the limit: every level is
    /// a stack frame (here and in `JSONSkimmer`), and a hostile body of 100,000 `[` must not
    /// overflow the stack. No wire format the gateway speaks nests beyond a few dozen levels.
    public static let maximumDepth = 256

    /// Objects with up to this many members find a repeated key by scanning them (a wire object
    /// has a handful, and a scan over a few contiguous keys beats hashing); a bigger one switches
    /// to a hash table built once, so a body of many distinct keys parses in time linear in its
    /// size instead of quadratic (100,000 keys took seconds). String hashing is seeded per
    /// process, so the table cannot be driven into collisions by a chosen set of keys.
    static let linearDuplicateScanLimit = 16

    public static func parse(buffer: UnsafeBufferPointer<UInt8>) throws(SyntaxError) -> JSONValue {
        try parse(buffer: buffer, locatingTopLevel: nil).0
    }

    /// Parses and also returns where the value of the top-level member `key` lies in `buffer`
    /// (nil when absent or repeated: readers disagree on which of two wins): the data plane
    /// forwards a client's body with only its `model` replaced, without a second pass over the
    /// bytes to find it.
    public static func parse(buffer: UnsafeBufferPointer<UInt8>, locatingTopLevel key: String?) throws(SyntaxError) -> (JSONValue, Range<Int>?) {
        var parser = Cursor(bytes: buffer)
        parser.locatedKey = key
        parser.skipWhitespace()
        let value = try parser.parseValue(depth: 0)
        parser.skipWhitespace()
        guard parser.index == buffer.count else { throw parser.error("unexpected data after the JSON value") }
        return (value, parser.locatedRepeated ? nil : parser.located)
    }

    public static func parse(_ bytes: [UInt8]) throws(SyntaxError) -> JSONValue {
        try bytes.withUnsafeBufferPointer { buffer throws(SyntaxError) in try parse(buffer: buffer) }
    }

    public static func parse(_ bytes: UnsafeRawBufferPointer) throws(SyntaxError) -> JSONValue {
        try parse(buffer: bytes.bindMemory(to: UInt8.self))
    }

    public static func parse(_ bytes: some Collection<UInt8>) throws(SyntaxError) -> JSONValue {
        try parse(Array(bytes))
    }

    public static func parse(_ string: String) throws(SyntaxError) -> JSONValue {
        let result = string.withUTF8Bytes { buffer in Result { () throws(SyntaxError) in try parse(buffer: buffer) } }
        return try result.get()
    }

    struct Cursor {
        let bytes: UnsafeBufferPointer<UInt8>
        var index = 0
        /// A top-level member whose value's byte range is recorded in `located`.
        var locatedKey: String?
        var located: Range<Int>?
        var locatedRepeated = false

        func error(_ reason: String) -> SyntaxError { SyntaxError(offset: index, reason: reason) }

        mutating func skipWhitespace() {
            while index < bytes.count {
                switch bytes[index] {
                case 0x20, 0x0A, 0x0D, 0x09: index += 1
                default: return
                }
            }
        }

        mutating func parseValue(depth: Int) throws(SyntaxError) -> JSONValue {
            guard index < bytes.count else { throw error("unexpected end of input") }
            switch bytes[index] {
            case UInt8(ascii: "{"): return try parseObject(depth: depth + 1)
            case UInt8(ascii: "["): return try parseArray(depth: depth + 1)
            case UInt8(ascii: "\""): return .string(try parseString())
            case UInt8(ascii: "t"): try expectLiteral("true"); return .bool(true)
            case UInt8(ascii: "f"): try expectLiteral("false"); return .bool(false)
            case UInt8(ascii: "n"): try expectLiteral("null"); return .null
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try parseNumber()
            default: throw error("unexpected character '\(Character(Unicode.Scalar(bytes[index])))'")
            }
        }

        mutating func expectLiteral(_ literal: StaticString) throws(SyntaxError) {
            let count = literal.utf8CodeUnitsCount
            guard index + count <= bytes.count else { throw error("unexpected end of input") }
            let start = literal.utf8Start
            for offset in 0..<count where bytes[index + offset] != start[offset] {
                throw error("invalid literal")
            }
            index += count
        }

        mutating func parseObject(depth: Int) throws(SyntaxError) -> JSONValue {
            guard depth <= JSONParser.maximumDepth else { throw error("nesting deeper than \(JSONParser.maximumDepth)") }
            index += 1
            // One allocation for the usual wire object instead of growing 1→2→4→8.
            var entries: [(key: String, value: JSONValue)] = []
            // Where each key is, once the object outgrows `linearDuplicateScanLimit`.
            var positions: [String: Int] = [:]
            skipWhitespace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "}") { index += 1; return .object(JSONObject()) }
            entries.reserveCapacity(8)
            while true {
                skipWhitespace()
                guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { throw error("expected a string key") }
                let key = try parseString()
                skipWhitespace()
                guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { throw error("expected ':' after key") }
                index += 1
                skipWhitespace()
                let valueStart = index
                let value = try parseValue(depth: depth)
                if depth == 1, let locatedKey, key == locatedKey {
                    locatedRepeated = located != nil
                    located = valueStart..<index
                }
                // Last duplicate wins, as in most JSON implementations.
                let duplicate: Int?
                if entries.count < JSONParser.linearDuplicateScanLimit {
                    duplicate = entries.firstIndex { $0.key == key }
                } else {
                    if positions.isEmpty {
                        positions.reserveCapacity(entries.count * 2)
                        for (position, entry) in entries.enumerated() { positions[entry.key] = position }
                    }
                    duplicate = positions[key]
                    if duplicate == nil { positions[key] = entries.count }
                }
                if let duplicate {
                    entries[duplicate].value = value
                } else {
                    entries.append((key, value))
                }
                skipWhitespace()
                guard index < bytes.count else { throw error("unexpected end of input in object") }
                if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
                if bytes[index] == UInt8(ascii: "}") { index += 1; return .object(JSONObject(uniqueEntries: entries, positions: positions)) }
                throw error("expected ',' or '}' in object")
            }
        }

        mutating func parseArray(depth: Int) throws(SyntaxError) -> JSONValue {
            guard depth <= JSONParser.maximumDepth else { throw error("nesting deeper than \(JSONParser.maximumDepth)") }
            index += 1
            var array: [JSONValue] = []
            skipWhitespace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "]") { index += 1; return .array(array) }
            array.reserveCapacity(4)
            while true {
                skipWhitespace()
                array.append(try parseValue(depth: depth))
                skipWhitespace()
                guard index < bytes.count else { throw error("unexpected end of input in array") }
                if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
                if bytes[index] == UInt8(ascii: "]") { index += 1; return .array(array) }
                throw error("expected ',' or ']' in array")
            }
        }

        mutating func parseNumber() throws(SyntaxError) -> JSONValue {
            let start = index
            if bytes[index] == UInt8(ascii: "-") { index += 1 }
            guard index < bytes.count else { throw error("unexpected end of number") }
            if bytes[index] == UInt8(ascii: "0") {
                index += 1
            } else if isDigit(bytes[index]) {
                while index < bytes.count, isDigit(bytes[index]) { index += 1 }
            } else {
                throw error("invalid number")
            }
            if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
                index += 1
                guard index < bytes.count, isDigit(bytes[index]) else { throw error("invalid number: digit expected after '.'") }
                while index < bytes.count, isDigit(bytes[index]) { index += 1 }
            }
            if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
                index += 1
                if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
                guard index < bytes.count, isDigit(bytes[index]) else { throw error("invalid number: digit expected in exponent") }
                while index < bytes.count, isDigit(bytes[index]) { index += 1 }
            }
            return .number(String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self))
        }

        @inline(__always) func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }

        mutating func parseString() throws(SyntaxError) -> String {
            index += 1  // opening quote
            let start = index
            // Fast path: no escapes — decode the slice directly.
            var nonASCII = false
            index = stringRunEnd(from: index, nonASCII: &nonASCII)
            var highBits: UInt8 = nonASCII ? 0x80 : 0
            while index < bytes.count {
                let byte = bytes[index]
                if byte == UInt8(ascii: "\"") {
                    let slice = UnsafeBufferPointer(rebasing: bytes[start..<index])
                    index += 1
                    // ASCII needs no check that the decoding repaired nothing.
                    if highBits < 0x80 { return String(decoding: slice, as: UTF8.self) }
                    return try validatedString(slice, at: start)
                }
                highBits |= byte
                if byte == UInt8(ascii: "\\") { break }
                if byte < 0x20 { throw error("unescaped control character in string") }
                index += 1
            }
            var scratch = Array(UnsafeBufferPointer(rebasing: bytes[start..<index]))
            while index < bytes.count {
                let byte = bytes[index]
                switch byte {
                case UInt8(ascii: "\""):
                    index += 1
                    return try scratch.withUnsafeBufferPointer { buffer throws(SyntaxError) in try validatedString(buffer, at: start) }
                case UInt8(ascii: "\\"):
                    index += 1
                    guard index < bytes.count else { throw error("unexpected end of input in string") }
                    let escape = bytes[index]
                    index += 1
                    switch escape {
                    case UInt8(ascii: "\""): scratch.append(0x22)
                    case UInt8(ascii: "\\"): scratch.append(0x5C)
                    case UInt8(ascii: "/"): scratch.append(0x2F)
                    case UInt8(ascii: "b"): scratch.append(0x08)
                    case UInt8(ascii: "f"): scratch.append(0x0C)
                    case UInt8(ascii: "n"): scratch.append(0x0A)
                    case UInt8(ascii: "r"): scratch.append(0x0D)
                    case UInt8(ascii: "t"): scratch.append(0x09)
                    case UInt8(ascii: "u"):
                        var scalar = try parseHex4()
                        if scalar >= 0xD800, scalar <= 0xDBFF {
                            guard index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u") else {
                                throw error("unpaired UTF-16 surrogate in string")
                            }
                            index += 2
                            let low = try parseHex4()
                            guard low >= 0xDC00, low <= 0xDFFF else { throw error("invalid UTF-16 surrogate pair in string") }
                            scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                        } else if scalar >= 0xDC00, scalar <= 0xDFFF {
                            throw error("unpaired UTF-16 surrogate in string")
                        }
                        guard let unicode = Unicode.Scalar(scalar) else { throw error("invalid unicode escape") }
                        scratch.append(contentsOf: UTF8.encode(unicode)!)
                    default:
                        throw error("invalid escape sequence in string")
                    }
                default:
                    if byte < 0x20 { throw error("unescaped control character in string") }
                    scratch.append(byte)
                    index += 1
                }
            }
            throw error("unterminated string")
        }

        mutating func parseHex4() throws(SyntaxError) -> UInt32 {
            guard index + 4 <= bytes.count else { throw error("unexpected end of input in unicode escape") }
            var value: UInt32 = 0
            for _ in 0..<4 {
                let byte = bytes[index]
                let digit: UInt32
                switch byte {
                case 0x30...0x39: digit = UInt32(byte - 0x30)
                case 0x41...0x46: digit = UInt32(byte - 0x41 + 10)
                case 0x61...0x66: digit = UInt32(byte - 0x61 + 10)
                default: throw error("invalid hex digit in unicode escape")
                }
                value = value << 4 | digit
                index += 1
            }
            return value
        }

        func validatedString(_ buffer: UnsafeBufferPointer<UInt8>, at start: Int) throws(SyntaxError) -> String {
            // Decoding repairs ill-formed UTF-8 with U+FFFD, so the bytes differ exactly when the
            // input was not valid; unlike `String(validating:)` this path is not generic.
            let string = String(decoding: buffer, as: UTF8.self)
            guard string.utf8.elementsEqual(buffer) else {
                throw SyntaxError(offset: start, reason: "string is not valid UTF-8")
            }
            return string
        }
    }
}

extension StaticString {
    fileprivate var utf8CodeUnitsCount: Int { utf8CodeUnitCount }
}
