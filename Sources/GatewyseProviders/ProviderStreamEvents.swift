import GatewyseCore

// SSE reading that every provider stream decoder shares, with its failures named one way: an
// over-long line or a payload that is not JSON is the provider's broken stream (a 502).

extension SSEDecoder {
    /// The events `bytes` completes.
    mutating func events(_ bytes: [UInt8], provider: String) throws(GatewayError) -> [SSEEvent] {
        do { return try feed(bytes) } catch {
            throw GatewayError.badUpstreamResponse(provider, "event stream line too long")
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
