import GatewyseCore
import HTTPTypes
import Hummingbird
import NIOCore

/// Reads a request body once, enforcing the configured size limit before buffering it, and
/// parses it as JSON with an error that names the byte where it went wrong.
enum RequestBodyReader {
    static func json(_ request: Request, limit: Int) async throws -> JSONValue {
        guard let value = try await jsonIfPresent(request, limit: limit) else {
            throw GatewayError.invalidRequest("Request body is empty; send a JSON object.")
        }
        return value
    }

    /// As `json`, but nil for an empty body (a call whose body is optional).
    static func jsonIfPresent(_ request: Request, limit: Int) async throws -> JSONValue? {
        if let declared = request.headers[.contentLength].flatMap(Int.init), declared > limit {
            throw GatewayError.bodyTooLarge(limit: limit)
        }
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: limit)
        } catch is NIOTooManyBytesError {
            throw GatewayError.bodyTooLarge(limit: limit)
        }
        guard buffer.readableBytes > 0 else { return nil }
        do {
            return try buffer.withUnsafeReadableBytes { try JSONParser.parse($0) }
        } catch let error as JSONParser.SyntaxError {
            throw GatewayError.malformedJSON(error.description)
        }
    }
}
