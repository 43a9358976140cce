// Errors the gateway's own protection raises (not a client's or an upstream's mistake).
extension GatewayError {
    /// Too many requests in flight (`server.max_in_flight`): the client may retry shortly.
    public static func overloaded(retryAfterSeconds: Int) -> GatewayError {
        GatewayError(status: 503, code: "OVERLOADED", type: "api_error",
                     message: "The gateway is at its limit of requests in flight; retry shortly.",
                     headers: [("Retry-After", String(retryAfterSeconds))])
    }

    /// The request's head or body did not arrive within the server's timeout.
    public static let requestTimeout = GatewayError(
        status: 408, code: "REQUEST_TIMEOUT", type: "invalid_request_error",
        message: "The request did not arrive in time; send the body without pausing.")
}

extension GatewayError {
    /// The usage records waiting for the store passed their bound (`usage.queue_capacity`):
    /// new requests are refused rather than records dropped (decisions/0011).
    public static func usageBacklog(retryAfterSeconds: Int) -> GatewayError {
        GatewayError(status: 503, code: "OVERLOADED", type: "api_error",
                     message: "The gateway cannot store usage records as fast as it serves requests; retry shortly.",
                     headers: [("Retry-After", String(retryAfterSeconds))])
    }
}

extension GatewayError {
    /// The gateway is shutting down and its drain deadline passed (`server.drain_timeout_ms`):
    /// a stream still open ends with this, in-band; the client retries elsewhere.
    public static let shuttingDown = GatewayError(
        status: 503, code: "SHUTTING_DOWN", type: "api_error",
        message: "The gateway is shutting down; retry the request.")
}
