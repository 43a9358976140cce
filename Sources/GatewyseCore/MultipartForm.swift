#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A `multipart/form-data` body (RFC 7578) read in place: each part is a name, optional file
/// name and content type, and the byte ranges of its header block and value inside the body the
/// client sent. Nothing is copied, so a 10 MB audio file is never held twice to find the
/// `model` field beside it; a forwarded form is rebuilt by splicing (`replacingValue`).
///
/// Total on hostile input: a missing or over-long boundary, a body without a delimiter, a part
/// without its blank line or its closing delimiter, a header block past `maximumHeaderBytes`, or
/// more than `maximumParts` parts is a `Failure` that says which — never a trap.
public struct MultipartForm: Sendable, Equatable {
    public struct Part: Sendable, Equatable {
        /// The `name` of `Content-Disposition: form-data; name="…"`.
        public var name: String
        /// Its `filename`, present on file parts (even when empty).
        public var filename: String?
        /// The part's own `Content-Type`, if it has one.
        public var contentType: String?
        /// From the first byte of the part's headers to the end of its value: what is replaced
        /// when the part is re-encoded.
        public var range: Range<Int>
        /// The value's bytes.
        public var valueRange: Range<Int>
    }

    /// Why a body is not a readable form: the client's error, named for the 400.
    public struct Failure: Error, Sendable, Equatable, CustomStringConvertible {
        public var description: String
    }

    public static let maximumHeaderBytes = 8 * 1024
    public static let maximumParts = 256

    public let boundary: String
    public private(set) var parts: [Part]

    /// The boundary of a `multipart/form-data` content type (`multipart/form-data;
    /// boundary=----abc`, quoted or not), or nil when the type is another or names none. RFC 2046
    /// §5.1.1: 1 to 70 characters.
    public static func boundary(contentType: String?) -> String? {
        guard let contentType else { return nil }
        let pieces = contentType.split(separator: ";", omittingEmptySubsequences: false)
        guard let type = pieces.first, type.trimmingASCIIWhitespace().lowercased() == "multipart/form-data" else { return nil }
        for parameter in pieces.dropFirst() {
            let trimmed = parameter.trimmingASCIIWhitespace()
            guard let equals = trimmed.firstIndex(of: "="),
                  trimmed[..<equals].trimmingASCIIWhitespace().lowercased() == "boundary" else { continue }
            var value = trimmed[trimmed.index(after: equals)...].trimmingASCIIWhitespace()
            if value.count >= 2, value.hasPrefix("\""), value.hasSuffix("\"") { value = value.dropFirst().dropLast() }
            guard (1...70).contains(value.utf8.count), value.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F || $0 == 0x20 }) else { return nil }
            return String(value)
        }
        return nil
    }

    /// Reads the parts of `body`. A preamble before the first delimiter and an epilogue after the
    /// last are ignored, as RFC 2046 says.
    public init(body: [UInt8], boundary: String) throws(Failure) {
        self.boundary = boundary
        self.parts = []
        let delimiter = Array("--\(boundary)".utf8)
        // The first delimiter may open the body or follow a preamble line.
        var position: Int
        if Self.hasPrefix(body, delimiter, at: 0) {
            position = delimiter.count
        } else if let found = Self.find(Array("\r\n--\(boundary)".utf8), in: body, from: 0) {
            position = found + delimiter.count + 2
        } else {
            throw Failure(description: "the body has no '--\(boundary)' delimiter")
        }
        let next = Array("\r\n--\(boundary)".utf8)
        while true {
            // After a delimiter: `--` closes the form, CRLF (after optional padding) opens a part.
            if Self.hasPrefix(body, [0x2D, 0x2D], at: position) { return }
            while position < body.count, body[position] == 0x20 || body[position] == 0x09 { position += 1 }
            guard Self.hasPrefix(body, [0x0D, 0x0A], at: position) else {
                throw Failure(description: "the form ends without its closing '--\(boundary)--' delimiter")
            }
            position += 2
            guard parts.count < Self.maximumParts else { throw Failure(description: "the form has more than \(Self.maximumParts) parts") }
            let start = position
            let searchEnd = min(body.count, position + Self.maximumHeaderBytes + 4)
            guard let blank = Self.find([0x0D, 0x0A, 0x0D, 0x0A], in: body, from: position, to: searchEnd) else {
                if searchEnd - position >= Self.maximumHeaderBytes {
                    throw Failure(description: "part \(parts.count + 1) has headers longer than \(Self.maximumHeaderBytes) bytes")
                }
                throw Failure(description: "part \(parts.count + 1) ends before its headers do")
            }
            let headers = try Self.headers(body[position..<blank], index: parts.count + 1)
            let valueStart = blank + 4
            // The value ends at the next CRLF-delimiter after the blank line (an empty value's
            // delimiter starts right at `valueStart`). Searching earlier would let the blank
            // line's own CRLF open the delimiter, and a value spliced there would break it (found
            // by the fuzzer).
            guard let end = Self.find(next, in: body, from: valueStart) else {
                throw Failure(description: "part '\(headers.name)' is not closed by a '--\(boundary)' delimiter")
            }
            parts.append(Part(name: headers.name, filename: headers.filename, contentType: headers.contentType,
                              range: start..<end, valueRange: valueStart..<end))
            position = end + next.count
        }
    }

    /// The first part named `name`.
    public func part(named name: String) -> Part? { parts.first { $0.name == name } }

    /// Every part named `name` (repeated fields such as `timestamp_granularities[]`).
    public func parts(named name: String) -> [Part] { parts.filter { $0.name == name } }

    /// A text part's value, decoded as UTF-8 (nil when absent).
    public func text(_ name: String, in body: [UInt8]) -> String? {
        part(named: name).map { String(decoding: body[$0.valueRange], as: UTF8.self) }
    }

    /// The body with the named text part's value replaced (its headers kept as they were), or
    /// with the part appended before the closing delimiter when the form has none. One new
    /// array: everything else, the file included, is copied across once, never re-encoded.
    public func replacingValue(of name: String, with value: String, in body: [UInt8]) -> [UInt8] {
        let replacement = Array(value.utf8)
        var out: [UInt8] = []
        if let part = part(named: name) {
            out.reserveCapacity(body.count - part.valueRange.count + replacement.count)
            out.append(contentsOf: body[..<part.valueRange.lowerBound])
            out.append(contentsOf: replacement)
            out.append(contentsOf: body[part.valueRange.upperBound...])
            return out
        }
        // A form without the field: appended after the last part's value.
        let insertion = parts.last?.valueRange.upperBound ?? 0
        out.reserveCapacity(body.count + replacement.count + 128)
        out.append(contentsOf: body[..<insertion])
        out.append(contentsOf: Array("\r\n--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n".utf8))
        out.append(contentsOf: replacement)
        out.append(contentsOf: body[insertion...])
        return out
    }

    // MARK: Reading

    private struct PartHeaders {
        var name: String
        var filename: String?
        var contentType: String?
    }

    private static func headers(_ block: ArraySlice<UInt8>, index: Int) throws(Failure) -> PartHeaders {
        var name: String?
        var filename: String?
        var contentType: String?
        let text = String(decoding: block, as: UTF8.self)
        for line in text.split(separator: "\r\n", omittingEmptySubsequences: true) {
            guard let colon = line.firstIndex(of: ":") else {
                throw Failure(description: "part \(index) has a header line without ':'")
            }
            let field = line[..<colon].trimmingASCIIWhitespace().lowercased()
            let value = line[line.index(after: colon)...].trimmingASCIIWhitespace()
            switch field {
            case "content-disposition":
                let parameters = dispositionParameters(value)
                name = parameters["name"]
                filename = parameters["filename"]
            case "content-type":
                contentType = String(value)
            default:
                break
            }
        }
        guard let name else { throw Failure(description: "part \(index) has no Content-Disposition name") }
        return PartHeaders(name: name, filename: filename, contentType: contentType)
    }

    /// `form-data; name="file"; filename="a b.wav"`: parameter values quoted (with `\"` escapes,
    /// as browsers and httpx write them) or bare.
    static func dispositionParameters(_ value: Substring) -> [String: String] {
        var out: [String: String] = [:]
        var rest = value[...]
        // Skip the disposition type.
        guard let semicolon = rest.firstIndex(of: ";") else { return out }
        rest = rest[rest.index(after: semicolon)...]
        while !rest.isEmpty {
            rest = rest.trimmingASCIIWhitespace()
            guard let equals = rest.firstIndex(of: "=") else { break }
            let key = rest[..<equals].trimmingASCIIWhitespace().lowercased()
            rest = rest[rest.index(after: equals)...].trimmingASCIIWhitespace()
            var parsed = ""
            if rest.first == "\"" {
                rest = rest.dropFirst()
                var escaped = false
                var closed = false
                while let character = rest.first {
                    rest = rest.dropFirst()
                    if escaped { parsed.append(character); escaped = false; continue }
                    if character == "\\" { escaped = true; continue }
                    if character == "\"" { closed = true; break }
                    parsed.append(character)
                }
                if !closed { out[key] = parsed; break }
                if let next = rest.firstIndex(of: ";") { rest = rest[rest.index(after: next)...] } else { rest = rest[rest.endIndex...] }
            } else {
                let end = rest.firstIndex(of: ";") ?? rest.endIndex
                parsed = String(rest[..<end].trimmingASCIIWhitespace())
                rest = end < rest.endIndex ? rest[rest.index(after: end)...] : rest[rest.endIndex...]
            }
            if out[key] == nil { out[key] = parsed }
        }
        return out
    }

    static func hasPrefix(_ body: [UInt8], _ prefix: [UInt8], at position: Int) -> Bool {
        guard position >= 0, position + prefix.count <= body.count else { return false }
        for i in 0..<prefix.count where body[position + i] != prefix[i] { return false }
        return true
    }

    /// The first index of `needle` in `body[from..<to]`: `memchr` for the first byte, `memcmp`
    /// for the rest (boundaries are long and rare in audio, so this is linear in practice and
    /// runs at memory speed on a 10 MB file).
    static func find(_ needle: [UInt8], in body: [UInt8], from: Int, to: Int? = nil) -> Int? {
        let end = min(to ?? body.count, body.count)
        guard let first = needle.first, from >= 0, end - from >= needle.count else { return nil }
        return body.withUnsafeBufferPointer { buffer -> Int? in
            needle.withUnsafeBufferPointer { pattern -> Int? in
                guard let base = buffer.baseAddress, let wanted = pattern.baseAddress else { return nil }
                var i = from
                let last = end - needle.count
                while i <= last {
                    guard let hit = memchr(base + i, Int32(first), last - i + 1) else { return nil }
                    let at = base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
                    if memcmp(base + at, wanted, needle.count) == 0 { return at }
                    i = at + 1
                }
                return nil
            }
        }
    }
}

extension StringProtocol {
    /// Without leading and trailing spaces and tabs.
    func trimmingASCIIWhitespace() -> Substring {
        var slice = self[...]
        while let first = slice.first, first == " " || first == "\t" { slice = slice.dropFirst() }
        while let last = slice.last, last == " " || last == "\t" { slice = slice.dropLast() }
        return Substring(slice)
    }
}
