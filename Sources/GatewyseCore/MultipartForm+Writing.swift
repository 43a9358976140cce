/// A multipart form written by the gateway itself, for upstreams that take a form where the
/// client sent JSON (Stability AI requires multipart even without a file: providers.md §27), or a
/// form of their own fields around files the client sent (Stability's inpainting). The boundary
/// is chosen so that no value and no file contains it: a prompt or a picture cannot smuggle in a
/// part of its own.
extension MultipartForm {
    /// A file part whose bytes are `range` of `source` (the client's form: the picture is copied
    /// once, into the new body, not sliced out first).
    public struct FilePart {
        public var name: String
        public var filename: String
        public var contentType: String
        public var source: [UInt8]
        public var range: Range<Int>

        public init(name: String, filename: String, contentType: String, source: [UInt8], range: Range<Int>) {
            self.name = name
            self.filename = filename
            self.contentType = contentType
            self.source = source
            self.range = range
        }
    }

    /// The body and its `Content-Type` (with the boundary): the text fields, then the files.
    public static func encode(fields: [(String, String)], files: [FilePart] = []) -> (contentType: String, body: [UInt8]) {
        var boundary = "gatewyse-form-7d1c9a5e4b3f"
        var suffix = 0
        func clashes(_ candidate: String) -> Bool {
            let needle = Array(candidate.utf8)
            return fields.contains { $0.1.contains(candidate) || $0.0.contains(candidate) }
                || files.contains { find(needle, in: $0.source, from: $0.range.lowerBound, to: $0.range.upperBound) != nil }
        }
        while clashes(boundary) {
            suffix += 1
            boundary = "gatewyse-form-7d1c9a5e4b3f-\(suffix)"
        }
        var body: [UInt8] = []
        body.reserveCapacity(fields.reduce(64) { $0 + $1.0.utf8.count + $1.1.utf8.count + boundary.utf8.count + 48 }
            + files.reduce(0) { $0 + $1.range.count + $1.name.utf8.count + $1.filename.utf8.count + $1.contentType.utf8.count + boundary.utf8.count + 96 })
        for (name, value) in fields {
            body.append(contentsOf: Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n".utf8))
            body.append(contentsOf: Array(value.utf8))
            body.append(contentsOf: Array("\r\n".utf8))
        }
        for file in files {
            // Quotes and line breaks in a client's filename would end the header early.
            let filename = String(file.filename.map { $0 == "\"" || $0 == "\r" || $0 == "\n" ? "_" : $0 })
            body.append(contentsOf: Array(("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(file.name)\"; filename=\"\(filename)\"\r\n"
                                           + "Content-Type: \(file.contentType)\r\n\r\n").utf8))
            body.append(contentsOf: file.source[file.range])
            body.append(contentsOf: Array("\r\n".utf8))
        }
        body.append(contentsOf: Array("--\(boundary)--\r\n".utf8))
        return ("multipart/form-data; boundary=\(boundary)", body)
    }
}

/// A form rebuilt for an upstream whose field names differ from the client's (ElevenLabs'
/// `model_id`, `language_code`): new text fields, then parts of the client's form copied as
/// they came, headers and value, under the client's boundary. The file is copied once into the
/// new body and never decoded or re-encoded.
extension MultipartForm {
    /// The new body, or nil when a value contains the delimiter (CRLF, `--`, the boundary: a
    /// value the client's own form could not have carried, so only a configured one could; it
    /// would end its part early) or a name could not be quoted (a `"`, CR or LF). Checked on
    /// the bytes: as Characters, a CRLF is one grapheme and would hide a split one.
    public func rebuilt(fields: [(String, String)], keeping kept: [Part], from body: [UInt8]) -> [UInt8]? {
        let marker = Array("\r\n--\(boundary)".utf8)
        for (name, value) in fields {
            if name.utf8.contains(where: { $0 == UInt8(ascii: "\"") || $0 == 0x0D || $0 == 0x0A }) { return nil }
            if Self.find(marker, in: Array(value.utf8), from: 0) != nil { return nil }
        }
        let delimiter = Array("--\(boundary)\r\n".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(kept.reduce(64 + boundary.utf8.count) { $0 + $1.range.count + boundary.utf8.count + 6 }
            + fields.reduce(0) { $0 + $1.0.utf8.count + $1.1.utf8.count + boundary.utf8.count + 48 })
        for (name, value) in fields {
            out.append(contentsOf: delimiter)
            out.append(contentsOf: Array("Content-Disposition: form-data; name=\"\(name)\"\r\n\r\n".utf8))
            out.append(contentsOf: Array(value.utf8))
            out.append(contentsOf: [0x0D, 0x0A])
        }
        for part in kept {
            out.append(contentsOf: delimiter)
            out.append(contentsOf: body[part.range])
            out.append(contentsOf: [0x0D, 0x0A])
        }
        out.append(contentsOf: Array("--\(boundary)--\r\n".utf8))
        return out
    }
}
