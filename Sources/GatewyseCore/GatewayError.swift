/// The one error type the gateway speaks (ARCHITECTURE rule 8).
///
/// `code` is a stable UPPER_SNAKE constant safe for metric labels; `message` is free text for the
/// caller and never carries a secret. Rendered as the OpenAI envelope
/// `{"error":{"message","type","code","param"}}`, or the Anthropic one on `/v1/messages`.
public struct GatewayError: Error, Sendable, Equatable, CustomStringConvertible {
    public var status: Int
    public var code: String
    public var type: String
    public var message: String
    /// The request field the error is about (`messages[0].content`), as OpenAI's `param`.
    public var param: String?
    /// Headers to send with the error, such as `Retry-After` on a 429.
    public var headers: [(String, String)]

    public init(status: Int, code: String, type: String, message: String, param: String? = nil, headers: [(String, String)] = []) {
        self.status = status
        self.code = code
        self.type = type
        self.message = message
        self.param = param
        self.headers = headers
    }

    public var description: String { "\(status) \(code): \(message)" }

    public static func == (lhs: GatewayError, rhs: GatewayError) -> Bool {
        lhs.status == rhs.status && lhs.code == rhs.code && lhs.type == rhs.type && lhs.message == rhs.message
            && lhs.param == rhs.param && lhs.headers.elementsEqual(rhs.headers, by: { $0 == $1 })
    }

    /// The OpenAI error envelope.
    public var openAIBody: JSONValue {
        var error = JSONObject()
        error.appendUnique("message", .string(message))
        error.appendUnique("type", .string(type))
        error.appendUnique("code", .string(code))
        error.appendUnique("param", param.map(JSONValue.string) ?? .null)
        return ["error": .object(error)]
    }
}

// MARK: - The catalogue of errors (product-spec §2.16)

extension GatewayError {
    public static func invalidRequest(_ message: String, param: String? = nil, code: String = "INVALID_REQUEST") -> GatewayError {
        GatewayError(status: 400, code: code, type: "invalid_request_error", message: message, param: param)
    }

    public static func malformedJSON(_ detail: String) -> GatewayError {
        GatewayError(status: 400, code: "INVALID_JSON", type: "invalid_request_error", message: "Request body is not valid JSON: \(detail)")
    }

    public static func bodyTooLarge(limit: Int) -> GatewayError {
        GatewayError(status: 413, code: "PAYLOAD_TOO_LARGE", type: "invalid_request_error",
                     message: "Request body exceeds the limit of \(limit) bytes")
    }

    public static let authRequired = GatewayError(
        status: 401, code: "AUTH_REQUIRED", type: "authentication_error",
        message: "No API key provided. Send it as 'Authorization: Bearer aigw_sk_...'.")

    public static let invalidAPIKey = GatewayError(
        status: 401, code: "AUTH_INVALID_KEY", type: "authentication_error", message: "Invalid API key.")

    public static func forbidden(_ message: String, code: String = "FORBIDDEN") -> GatewayError {
        GatewayError(status: 403, code: code, type: "permission_error", message: message)
    }

    public static func modelNotFound(_ model: String) -> GatewayError {
        GatewayError(status: 404, code: "MODEL_NOT_FOUND", type: "invalid_request_error",
                     message: "The model '\(model)' does not exist. Use an alias from GET /v1/models or 'provider/model'.",
                     param: "model")
    }

    public static func notFound(_ message: String) -> GatewayError {
        GatewayError(status: 404, code: "NOT_FOUND", type: "invalid_request_error", message: message)
    }

    public static func methodNotAllowed(_ message: String) -> GatewayError {
        GatewayError(status: 405, code: "METHOD_NOT_ALLOWED", type: "invalid_request_error", message: message)
    }

    public static func unsupportedCapability(_ message: String, param: String? = nil) -> GatewayError {
        GatewayError(status: 400, code: "UNSUPPORTED_PARAMETER", type: "invalid_request_error", message: message, param: param)
    }

    public static func internalError(_ message: String = "An unexpected error occurred.") -> GatewayError {
        GatewayError(status: 500, code: "INTERNAL_ERROR", type: "api_error", message: message)
    }

    public static func noProviderAvailable(_ message: String) -> GatewayError {
        GatewayError(status: 503, code: "NO_PROVIDER_AVAILABLE", type: "api_error", message: message)
    }

    public static func upstreamTimeout(_ provider: String) -> GatewayError {
        GatewayError(status: 504, code: "UPSTREAM_TIMEOUT", type: "api_error", message: "Provider '\(provider)' did not answer in time.")
    }

    public static func upstreamUnavailable(_ provider: String, _ detail: String) -> GatewayError {
        GatewayError(status: 502, code: "UPSTREAM_UNAVAILABLE", type: "api_error", message: "Provider '\(provider)' could not be reached: \(detail)")
    }

    public static func badUpstreamResponse(_ provider: String, _ detail: String) -> GatewayError {
        GatewayError(status: 502, code: "UPSTREAM_BAD_RESPONSE", type: "api_error", message: "Provider '\(provider)' sent an unreadable response: \(detail)")
    }
}
