import GatewyseCore
import GatewyseEngine
import HTTPTypes
import Hummingbird
import Logging
import NIOCore

/// Renders errors as the OpenAI envelope `{"error":{"message","type","code","param"}}` (or the
/// Anthropic one), with the status of product-spec §2.16. Unknown errors become a 500 whose
/// message reveals nothing internal; the detail goes to the log.
enum ErrorRenderer {
    static func response(for error: any Error, envelope: ClientFormat, logger: Logger) -> Response {
        let rendered = render(error, envelope: envelope, logger: logger)
        var headers = HTTPFields()
        for (name, value) in rendered.headers {
            if let field = HTTPField.Name(name) { headers[field] = value }
        }
        return Response(status: .init(code: rendered.status), headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: rendered.body)))
    }

    /// An error as status, headers (content type first) and body bytes.
    static func render(_ error: any Error, envelope: ClientFormat, logger: Logger) -> (status: Int, headers: [(String, String)], body: [UInt8]) {
        ErrorEnvelope.render(gatewayError(for: error, logger: logger), format: envelope)
    }

    static func gatewayError(for error: any Error, logger: Logger) -> GatewayError {
        switch error {
        case let error as GatewayError:
            return error
        case is NIOTooManyBytesError:
            return .bodyTooLarge(limit: 0)
        case let error as HTTPError:
            switch error.status {
            case .notFound: return .notFound("No route for this path. The API lives under /v1 (see GET /v1/models).")
            case .methodNotAllowed: return .methodNotAllowed("Method not allowed on this path.")
            case .contentTooLarge: return GatewayError(status: 413, code: "PAYLOAD_TOO_LARGE", type: "invalid_request_error", message: "Request body is too large.")
            default:
                return GatewayError(status: Int(error.status.code), code: "HTTP_\(error.status.code)", type: "invalid_request_error",
                                    message: error.body ?? error.status.reasonPhrase)
            }
        default:
            return ErrorEnvelope.gatewayError(error, logger: logger)
        }
    }
}
