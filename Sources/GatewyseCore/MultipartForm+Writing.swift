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
