import GatewyseCore
import HTTPTypes
import Hummingbird
import Logging
import NIOCore

/// Renders errors as the OpenAI envelope `{"error":{"message","type","code","param"}}` (or the
/// Anthropic one), with the status of product-spec §2.16. Unknown errors become a 500 whose
/// message reveals nothing internal; the detail goes to the log.
enum ErrorRenderer {
    static func response(for error: any Error, envelope: GatewayRequestContext.ErrorEnvelope, logger: Logger) -> Response {
        let rendered = render(error, envelope: envelope, logger: logger)
        var headers = HTTPFields()
        for (name, value) in rendered.headers {
            if let field = HTTPField.Name(name) { headers[field] = value }
        }
        return Response(status: .init(code: rendered.status), headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: rendered.body)))
    }

    /// An error as status, headers (content type first) and body bytes, for the data plane's
    /// channel handler as well as Hummingbird responses.
    static func render(_ error: any Error, envelope: GatewayRequestContext.ErrorEnvelope, logger: Logger) -> (status: Int, headers: [(String, String)], body: [UInt8]) {
        let gatewayError = gatewayError(for: error, logger: logger)
        let body: JSONValue
        switch envelope {
        case .openAI: body = gatewayError.openAIBody
        case .anthropic: body = ["type": "error", "error": ["type": .string(AnthropicErrorType.name(for: gatewayError)), "message": .string(gatewayError.message)]]
        }
        return (gatewayError.status, [("Content-Type", "application/json")] + gatewayError.headers, JSONWriter.bytes(body))
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
            logger.error("unexpected error", metadata: ["error": "\(String(reflecting: type(of: error)))"])
            return .internalError()
        }
    }
}
