import GatewyseCore
import Logging

/// An error as the client's SDK expects it: OpenAI's `{"error":{"message","type","code","param"}}`
/// or Anthropic's `{"type":"error","error":{"type","message"}}`, with the status of
/// product-spec §2.16 and the error's own headers (`Retry-After`, `X-Provider` …).
public enum ErrorEnvelope {
    public static func render(_ error: GatewayError, format: ClientFormat) -> (status: Int, headers: [(String, String)], body: [UInt8]) {
        let body: JSONValue
        switch format {
        case .openAI: body = error.openAIBody
        case .anthropic:
            body = ["type": "error", "error": ["type": .string(AnthropicErrorType.name(for: error)), "message": .string(error.message)]]
        }
        return (error.status, [("Content-Type", "application/json")] + error.headers, JSONWriter.bytes(body))
    }
}

extension ErrorEnvelope {
    /// Any error met while serving, as the error the client is told. Anything unexpected becomes
    /// a 500 that reveals nothing internal; its type goes to the log.
    public static func gatewayError(_ error: any Error, logger: Logger) -> GatewayError {
        switch error {
        case let error as GatewayError: return error
        case is CancellationError:
            // Only a client that already left is told this (it reads nothing); nginx's 499.
            return GatewayError(status: 499, code: "CLIENT_CLOSED_REQUEST", type: "api_error", message: "The client closed the request.")
        default:
            logger.error("unexpected error", metadata: ["error": "\(String(reflecting: type(of: error)))"])
            return .internalError()
        }
    }
}
