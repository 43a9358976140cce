import GatewyseCore
import GatewyseEngine
import NIOCore

/// What the data plane serves, chosen from the request line.
enum DataPlaneRoute: Sendable {
    /// `POST /v1/chat/completions` (OpenAI).
    case chatCompletions
    /// `POST /v1/messages` (Anthropic).
    case messages

    init?(method: String, uri: String) {
        guard method == "POST" else { return nil }
        let path = uri.firstIndex(of: "?").map { uri[..<$0] } ?? Substring(uri)
        switch path {
        case "/v1/chat/completions": self = .chatCompletions
        case "/v1/messages": self = .messages
        default: return nil
        }
    }
}

/// A request as the channel handler (or, in comparison runs, a Hummingbird route) collected it.
/// `bodyTooLarge` is set (and `body` empty) once the body passed the configured limit: it is
/// answered 413 after authentication, as the other routes do.
struct DataPlaneRequest: Sendable {
    var authorization: String?
    /// Anthropic's SDKs send the key in `x-api-key`.
    var apiKey: String?
    var body: ByteBuffer
    var bodyTooLarge: Bool

    /// The body as JSON: 413 past the limit, 400 when empty, 400 naming the byte when malformed.
    func json(limit: Int) throws(GatewayError) -> JSONValue {
        try json(limit: limit, locatingTopLevel: nil).0
    }

    /// The body as JSON, and where the value of its top-level member `key` lies in `body`'s
    /// readable bytes.
    func json(limit: Int, locatingTopLevel key: String?) throws(GatewayError) -> (JSONValue, Range<Int>?) {
        if bodyTooLarge { throw GatewayError.bodyTooLarge(limit: limit) }
        guard body.readableBytes > 0 else { throw GatewayError.invalidRequest("Request body is empty; send a JSON object.") }
        do {
            return try body.withUnsafeReadableBytes { bytes in
                Result { () throws(JSONParser.SyntaxError) in
                    try JSONParser.parse(buffer: bytes.bindMemory(to: UInt8.self), locatingTopLevel: key)
                }
            }.get()
        } catch {
            throw GatewayError.malformedJSON(error.description)
        }
    }
}

/// What the data plane answers one request with: a complete body, or a started chat stream and
/// the client format to frame it in.
enum DataPlaneReply: Sendable {
    case complete(status: Int, headers: [(String, String)], body: [UInt8])
    case stream(headers: [(String, String)], ChatStream, DataPlaneRoute)
}
