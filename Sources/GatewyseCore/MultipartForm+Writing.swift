/// A multipart form of text fields written by the gateway itself, for upstreams that take a form
/// where the client sent JSON (Stability AI requires multipart even without a file:
/// providers.md §27). The boundary is chosen so that no value contains it: a prompt cannot
/// smuggle in a part of its own.
extension MultipartForm {
    /// The body and its `Content-Type` (with the boundary).
    public static func encode(fields: [(String, String)]) -> (contentType: String, body: [UInt8]) {
        var boundary = "gatewyse-form-7d1c9a5e4b3f"
        var suffix = 0
        while fields.contains(where: { $0.1.contains(boundary) || $0.0.contains(boundary) }) {
            suffix += 1
            boundary = "gatewyse-form-7d1c9a5e4b3f-\(suffix)"
        }
        var body: [UInt8] = []
        body.reserveCapacity(fields.reduce(64) { $0 + $1.0.utf8.count + $1.1.utf8.count + boundary.utf8.count + 48 })
        for (name, value) in fields {
            body.append(contentsOf: Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n".utf8))
            body.append(contentsOf: Array(value.utf8))
            body.append(contentsOf: Array("\r\n".utf8))
        }
        body.append(contentsOf: Array("--\(boundary)--\r\n".utf8))
        return ("multipart/form-data; boundary=\(boundary)", body)
    }
}
