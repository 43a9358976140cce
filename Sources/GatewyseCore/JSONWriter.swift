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

    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    public static func writeString(_ string: String, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        var copy = string
        copy.withUTF8 { buffer in
            guard let base = buffer.baseAddress else { return }
            var runStart = 0
            var i = 0
            var passed: UInt64 = 0
            while i < buffer.count {
                // Plain bytes are skipped eight at a time (JSONByteScan); the last few one by one.
                i = JSONByteScan.plainRunEnd(base, from: i, count: buffer.count, seen: &passed)
                guard i < buffer.count else { break }
                let byte = buffer[i]
                let escape: UInt8?
                switch byte {
                case 0x22: escape = UInt8(ascii: "\"")
                case 0x5C: escape = UInt8(ascii: "\\")
                case 0x0A: escape = UInt8(ascii: "n")
                case 0x0D: escape = UInt8(ascii: "r")
                case 0x09: escape = UInt8(ascii: "t")
                case 0x00..<0x20: escape = UInt8(ascii: "u")
                default:
                    i += 1
                    continue
                }
                out.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[runStart..<i]))
                out.append(UInt8(ascii: "\\"))
                out.append(escape!)
                if escape == UInt8(ascii: "u") {
                    out.append(contentsOf: [0x30, 0x30, hexDigits[Int(byte >> 4)], hexDigits[Int(byte & 0xF)]])
                }
                runStart = i + 1
                i += 1
            }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[runStart..<buffer.count]))
        }
        out.append(UInt8(ascii: "\""))
    }
}
