import GatewyseCore
import GatewyseEngine
import HTTPTypes
import Hummingbird
import Logging

/// Assigns every request an id — the client's `X-Request-ID` when it is sane, otherwise a new
/// one — tags the logger with it, and returns it on every response (errors included). It also
/// renders any error into the OpenAI envelope, so nothing leaves without both headers.
struct RequestIDMiddleware: RouterMiddleware {
    typealias Context = GatewayRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        context.requestID = Self.acceptedID(request.headers[.xRequestID]) ?? IDGenerator.requestID()
        context.logger[metadataKey: "request_id"] = .string(context.requestID)
        // Anthropic-format routes answer errors in Anthropic's envelope.
        if request.uri.path.hasPrefix("/v1/messages") { context.errorEnvelope = .anthropic }
        var response: Response
        do {
            response = try await next(request, context)
        } catch {
            response = ErrorRenderer.response(for: error, envelope: context.errorEnvelope, logger: context.logger)
        }
        response.headers[.xRequestID] = context.requestID
        if response.headers[.xProvider] == nil { response.headers[.xProvider] = "gatewyse" }
        return response
    }

    /// Up to 128 visible ASCII characters; anything else could corrupt logs or headers.
    static func acceptedID(_ value: String?) -> String? {
        guard let value, !value.isEmpty, value.utf8.count <= 128, value.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else { return nil }
        return value
    }
}

extension HTTPField.Name {
    static let xRequestID = Self("X-Request-ID")!
    static let xProvider = Self("X-Provider")!
    static let xGatewyseAttempts = Self("X-Gatewyse-Attempts")!
    static let retryAfter = Self("Retry-After")!
}
