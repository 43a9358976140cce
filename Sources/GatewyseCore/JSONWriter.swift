/// Serializes `JSONValue`s to compact UTF-8 JSON, appending into a caller-owned buffer so that a
/// response or an upstream body is built in one allocation.
public enum JSONWriter {
    /// `capacity`: a chat body is typically a kilobyte or more; growing from a small buffer cost
    /// three reallocations per upstream body.
    public static func bytes(_ value: JSONValue, capacity: Int = 1024) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(capacity)
        write(value, into: &out)
        return out
    }

    public static func string(_ value: JSONValue) -> String {
        String(decoding: bytes(value), as: UTF8.self)
    }

    public static func write(_ value: JSONValue, into out: inout [UInt8]) {
        switch value {
        case .null: out.append(contentsOf: "null".utf8)
        case .bool(let b): out.append(contentsOf: (b ? "true" : "false").utf8)
        case .number(let lexeme): out.append(contentsOf: lexeme.utf8)
        case .string(let s): writeString(s, into: &out)
        case .array(let items):
            out.append(UInt8(ascii: "["))
            for (i, item) in items.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                write(item, into: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let object):
            out.append(UInt8(ascii: "{"))
            var first = true
            for (key, item) in object.entries {
                if !first { out.append(UInt8(ascii: ",")) }
                first = false
                writeString(key, into: &out)
                out.append(UInt8(ascii: ":"))
                write(item, into: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    public static func writeString(_ string: String, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        string.withUTF8Bytes { text in
            forEachEscapedRun(text, plain: { out.append(contentsOf: $0) }, escaped: { out.append(contentsOf: $0) })
        }
        out.append(UInt8(ascii: "\""))
    }

    /// A JSON string's contents, without its quotes, in order: runs of bytes that go out as
    /// they are, and the escape for each quote, backslash and control character between them
    /// (`\n`, `\u0001`…). The one escaping loop: `writeString` appends to an array with it, the
    /// usage journal's line buffer writes to its raw memory. Plain bytes are skipped eight at a
    /// time (`JSONByteScan`).
    @inlinable
    public static func forEachEscapedRun(_ text: UnsafeBufferPointer<UInt8>, plain: (UnsafeBufferPointer<UInt8>) -> Void,
                                         escaped: (UnsafeBufferPointer<UInt8>) -> Void) {
        guard let base = text.baseAddress else { return }
        var runStart = 0
        var index = 0
        var passed: UInt64 = 0
        while index < text.count {
            index = JSONByteScan.plainRunEnd(base, from: index, count: text.count, seen: &passed)
            guard index < text.count else { break }
            let byte = text[index]
            let letter: UInt8
            switch byte {
            case 0x22: letter = UInt8(ascii: "\"")
            case 0x5C: letter = UInt8(ascii: "\\")
            case 0x0A: letter = UInt8(ascii: "n")
            case 0x0D: letter = UInt8(ascii: "r")
            case 0x09: letter = UInt8(ascii: "t")
            case 0x00..<0x20: letter = UInt8(ascii: "u")
            default:
                index += 1
                continue
            }
            plain(UnsafeBufferPointer(rebasing: text[runStart..<index]))
            // `\u00XX` for the other control characters, a letter for the rest.
            let hex: (UInt8) -> UInt8 = { $0 < 10 ? UInt8(ascii: "0") + $0 : UInt8(ascii: "a") + $0 - 10 }
            withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 6) { escape in
                escape[0] = UInt8(ascii: "\\")
                escape[1] = letter
                var count = 2
                if letter == UInt8(ascii: "u") {
                    escape[2] = UInt8(ascii: "0"); escape[3] = UInt8(ascii: "0")
                    escape[4] = hex(byte >> 4); escape[5] = hex(byte & 0xF)
                    count = 6
                }
                escaped(UnsafeBufferPointer(rebasing: escape[0..<count]))
            }
            index += 1
            runStart = index
        }
        plain(UnsafeBufferPointer(rebasing: text[runStart..<text.count]))
    }
}

