import GatewyseCore

// Reading upstream answers and streams, shared by every adapter, with failures named one way:
// a body, an over-long line or a payload that is not JSON is the provider's broken answer (a 502).

extension SSEDecoder {
    /// The events `bytes` completes.
    mutating func events(_ bytes: [UInt8], provider: String) throws(GatewayError) -> [SSEEvent] {
        do { return try feed(bytes) } catch {
            throw GatewayError.badUpstreamResponse(provider, "event stream line too long")
        }
    }
}

/// An upstream answer's body as JSON; a body that is not JSON is the provider's bad answer (502).
enum UpstreamJSON {
    static func parse(_ body: [UInt8], provider: String) throws(GatewayError) -> JSONValue {
        do { return try JSONParser.parse(body) } catch {
            throw GatewayError.badUpstreamResponse(provider, error.description)
        }
    }
}

enum StreamPayload {
    /// An event's data as JSON.
    static func json(_ data: String, provider: String) throws(GatewayError) -> JSONValue {
        do { return try JSONParser.parse(data) } catch {
            throw GatewayError.badUpstreamResponse(provider, "stream event: \(error.description)")
        }
    }
}
