/// Checks that bytes are one JSON object and finds where some of its top-level members' values
/// are, without building values: the data plane forwards an OpenAI-format upstream's answer as
/// it came and only needs its `usage`. Syntax is checked as strictly as `JSONParser` does
/// (structure, escapes, control characters, numbers, depth), except that the UTF-8 of strings
/// that are skipped is not validated (the client's JSON parser does that).
public enum JSONSkimmer {
    /// Where one member lies: from its key's opening quote to its value's end, and its value.
    public struct Member: Sendable, Equatable {
        public var whole: Range<Int>
        public var value: Range<Int>
    }

    /// The byte ranges of the values of `keys` among the top-level members, in the order of
    /// `keys` (the last one wins for a repeated key, as in `JSONParser`). Throws unless `buffer`
    /// is one JSON object. Keys are compared as bytes, without making strings of them: this runs
    /// on every answer and every stream frame the data plane passes on.
    public static func topLevelValues(in buffer: UnsafeBufferPointer<UInt8>, keys: [String]) throws(JSONParser.SyntaxError) -> [Range<Int>?] {
        try topLevelMembers(in: buffer, keys: keys).map { $0?.value }
    }

    /// As `topLevelValues`, with each member's whole extent (to take one out of the object).
    public static func topLevelMembers(in buffer: UnsafeBufferPointer<UInt8>, keys: [String]) throws(JSONParser.SyntaxError) -> [Member?] {
        var cursor = JSONParser.Cursor(bytes: buffer)
        var found = [Member?](repeating: nil, count: keys.count)
        cursor.skipWhitespace()
        guard cursor.index < buffer.count, buffer[cursor.index] == UInt8(ascii: "{") else { throw cursor.error("expected a JSON object") }
        cursor.index += 1
        cursor.skipWhitespace()
        if cursor.index < buffer.count, buffer[cursor.index] == UInt8(ascii: "}") {
            cursor.index += 1
        } else {
            while true {
                cursor.skipWhitespace()
                guard cursor.index < buffer.count, buffer[cursor.index] == UInt8(ascii: "\"") else { throw cursor.error("expected a string key") }
                let keyStart = cursor.index
                let escaped = try cursor.skipString()
                let wanted = try cursor.keyIndex(from: keyStart, escaped: escaped, in: keys)
                cursor.skipWhitespace()
                guard cursor.index < buffer.count, buffer[cursor.index] == UInt8(ascii: ":") else { throw cursor.error("expected ':' after key") }
                cursor.index += 1
                cursor.skipWhitespace()
                let start = cursor.index
                try cursor.skipValue(depth: 1)
                if let wanted { found[wanted] = Member(whole: keyStart..<cursor.index, value: start..<cursor.index) }
                cursor.skipWhitespace()
                guard cursor.index < buffer.count else { throw cursor.error("unexpected end of input in object") }
                if buffer[cursor.index] == UInt8(ascii: ",") { cursor.index += 1; continue }
                if buffer[cursor.index] == UInt8(ascii: "}") { cursor.index += 1; break }
                throw cursor.error("expected ',' or '}' in object")
            }
        }
        cursor.skipWhitespace()
        guard cursor.index == buffer.count else { throw cursor.error("unexpected data after the JSON value") }
        return found
    }
}

extension JSONSkimmer {
    /// The bytes to cut to take `member` out of the object in `buffer`, one separating comma
    /// included (the one before it, else the one after), so that what is left is valid JSON.
    public static func cut(_ member: Member, in buffer: UnsafeBufferPointer<UInt8>) -> Range<Int> {
        func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 }
        var before = member.whole.lowerBound - 1
        while before >= 0, isSpace(buffer[before]) { before -= 1 }
        if before >= 0, buffer[before] == UInt8(ascii: ",") { return before..<member.whole.upperBound }
        var after = member.whole.upperBound
        while after < buffer.count, isSpace(buffer[after]) { after += 1 }
        if after < buffer.count, buffer[after] == UInt8(ascii: ",") { return member.whole.lowerBound..<(after + 1) }
        return member.whole
    }
}

extension JSONParser.Cursor {
    /// Moves past one value, checking its syntax, allocating nothing.
    mutating func skipValue(depth: Int) throws(JSONParser.SyntaxError) {
        guard index < bytes.count else { throw error("unexpected end of input") }
        switch bytes[index] {
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            try skipContainer(depth: depth + 1)
        case UInt8(ascii: "\""): try skipString()
        case UInt8(ascii: "t"): try expectLiteral("true")
        case UInt8(ascii: "f"): try expectLiteral("false")
        case UInt8(ascii: "n"): try expectLiteral("null")
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): _ = try parseNumber()
        default: throw error("unexpected character '\(Character(Unicode.Scalar(bytes[index])))'")
        }
    }

    private mutating func skipContainer(depth: Int) throws(JSONParser.SyntaxError) {
        guard depth <= JSONParser.maximumDepth else { throw error("nesting deeper than \(JSONParser.maximumDepth)") }
        let isObject = bytes[index] == UInt8(ascii: "{")
        let close = isObject ? UInt8(ascii: "}") : UInt8(ascii: "]")
        index += 1
        skipWhitespace()
        if index < bytes.count, bytes[index] == close { index += 1; return }
        while true {
            skipWhitespace()
            if isObject {
                guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { throw error("expected a string key") }
                try skipString()
                skipWhitespace()
                guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { throw error("expected ':' after key") }
                index += 1
                skipWhitespace()
            }
            try skipValue(depth: depth)
            skipWhitespace()
            guard index < bytes.count else { throw error("unexpected end of input") }
            if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
            if bytes[index] == close { index += 1; return }
            throw error(isObject ? "expected ',' or '}' in object" : "expected ',' or ']' in array")
        }
    }

    /// Which of `keys` the string skipped from `start` is. A key with escapes is decoded first;
    /// the others are compared as they stand.
    fileprivate mutating func keyIndex(from start: Int, escaped: Bool, in keys: [String]) throws(JSONParser.SyntaxError) -> Int? {
        if escaped {
            let end = index
            index = start
            let key = try parseString()
            index = end
            return keys.firstIndex(of: key)
        }
        let raw = UnsafeBufferPointer(rebasing: bytes[(start + 1)..<(index - 1)])
        return keys.firstIndex { $0.utf8.count == raw.count && $0.utf8.elementsEqual(raw) }
    }

    /// Past the hex digits of a `\u` escape (the cursor after the `u`), refusing what
    /// `parseString` refuses: a high surrogate not followed by `\u` and a low one, or a lone low
    /// surrogate. The parser and the skimmer must accept the same strings, or a body the
    /// gateway forwards verbatim could be one its own parser (and the client's) rejects.
    private mutating func skipUnicodeEscape() throws(JSONParser.SyntaxError) {
        let scalar = try parseHex4()
        if scalar >= 0xD800, scalar <= 0xDBFF {
            guard index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u") else {
                throw error("unpaired UTF-16 surrogate in string")
            }
            index += 2
            let low = try parseHex4()
            guard low >= 0xDC00, low <= 0xDFFF else { throw error("invalid UTF-16 surrogate pair in string") }
        } else if scalar >= 0xDC00, scalar <= 0xDFFF {
            throw error("unpaired UTF-16 surrogate in string")
        }
    }

    /// Past a string: escapes must be valid, control characters escaped. Whether it had escapes.
    @discardableResult
    mutating func skipString() throws(JSONParser.SyntaxError) -> Bool {
        index += 1
        var escaped = false
        var nonASCII = false
        index = stringRunEnd(from: index, nonASCII: &nonASCII)
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") { index += 1; return escaped }
            if byte < 0x20 { throw error("unescaped control character in string") }
            if byte == UInt8(ascii: "\\") {
                escaped = true
                index += 1
                guard index < bytes.count else { throw error("unexpected end of input in string") }
                switch bytes[index] {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"), UInt8(ascii: "n"),
                     UInt8(ascii: "r"), UInt8(ascii: "t"):
                    index += 1
                case UInt8(ascii: "u"):
                    index += 1
                    try skipUnicodeEscape()
                default:
                    throw error("invalid escape sequence in string")
                }
                continue
            }
            index += 1
        }
        throw error("unterminated string")
    }
}
