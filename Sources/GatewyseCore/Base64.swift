/// RFC 4648 base64 (standard alphabet, `=` padding) for media bytes: an image an upstream
/// linked to, answered as OpenAI's `b64_json`; a `data:` URI's payload read back.
public enum Base64 {
    public static func encode(_ bytes: [UInt8]) -> String { Float32Base64.encode(bytes) }

    /// The bytes, or nil for anything but padded standard base64.
    public static func decode(_ text: String) -> [UInt8]? { Float32Base64.decode(text) }
}
