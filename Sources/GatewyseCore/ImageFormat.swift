/// What a picture is, read from its first bytes rather than from the name or `Content-Type` a
/// client gave it: the SDKs send whatever the file's name suggests (often
/// `application/octet-stream`), and providers that take a picture as base64 with a media type
/// (Gemini's `inlineData`) refuse one that does not match the bytes.
public enum ImageFormat: String, Sendable, Equatable {
    case png
    case jpeg
    case webp
    case gif

    public var mediaType: String { "image/" + rawValue }

    /// The format of `bytes` by its signature, or nil for anything else.
    public static func sniff(_ bytes: ArraySlice<UInt8>) -> ImageFormat? {
        let head = Array(bytes.prefix(12))
        if head.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { return .png }
        if head.starts(with: [0xFF, 0xD8, 0xFF]) { return .jpeg }
        if head.count == 12, head.starts(with: Array("RIFF".utf8)), Array(head[8..<12]) == Array("WEBP".utf8) { return .webp }
        if head.starts(with: Array("GIF87a".utf8)) || head.starts(with: Array("GIF89a".utf8)) { return .gif }
        return nil
    }
}
