import GatewyseCore
import GatewyseProviders

/// How the engine reaches upstreams; the server provides the SwiftNIO implementation, so
/// the engine has no HTTP client dependency and tests can substitute their own.
public protocol UpstreamTransport: Sendable {
    /// Sends the request and returns once the response head has arrived. Throws
    /// `UpstreamTransportError` for failures below HTTP.
    func send(_ request: UpstreamRequest, timeouts: UpstreamSettings) async throws -> UpstreamResponse
}

/// A response whose body is still arriving.
public struct UpstreamResponse: Sendable {
    public var status: Int
    public var headers: [(String, String)]
    public var body: any UpstreamBody

    public init(status: Int, headers: [(String, String)], body: any UpstreamBody) {
        self.status = status
        self.headers = headers
        self.body = body
    }
}

extension UpstreamResponse {
    /// The body as declared by `Content-Length`, when it is declared and parses.
    var declaredLength: Int? {
        for (name, value) in headers where name.lowercased() == "content-length" { return Int(value) }
        return nil
    }

    /// The whole body, failing past `limit` bytes. A body that declares more than the limit is
    /// refused before a byte of it is read: reading 64 MB only to discard it costs the event loops
    /// and the memory that other connections need.
    public func collectBody(upTo limit: Int) async throws -> [UInt8] {
        if let declared = declaredLength, declared > limit { throw UpstreamTransportError.bodyTooLarge(limit: limit) }
        return try await body.collect(upTo: limit)
    }
}

/// The body of an upstream response, read chunk by chunk (backpressure: the next chunk is only
/// requested when the caller asks for it). Abandoning it cancels the upstream call.
public protocol UpstreamBody: Sendable {
    /// The next chunk, or nil at the end.
    func next() async throws -> [UInt8]?
    /// The whole body, failing past `limit` bytes (a requirement so transports can do it in one go).
    func collect(upTo limit: Int) async throws -> [UInt8]
}

extension UpstreamBody {
    /// Reads the whole body, failing past `limit` bytes.
    public func collect(upTo limit: Int) async throws -> [UInt8] {
        var out: [UInt8] = []
        while let chunk = try await next() {
            out.append(contentsOf: chunk)
            if out.count > limit { throw UpstreamTransportError.bodyTooLarge(limit: limit) }
        }
        return out
    }
}

/// Failures below HTTP, each mapped to one client-facing error.
public enum UpstreamTransportError: Error, Sendable, Equatable {
    case connectFailed(String)
    case timedOut
    case connectionClosed
    case bodyTooLarge(limit: Int)
    case other(String)

    func gatewayError(provider: String) -> GatewayError {
        switch self {
        case .connectFailed(let detail): .upstreamUnavailable(provider, detail)
        case .timedOut: .upstreamTimeout(provider)
        case .connectionClosed: .upstreamUnavailable(provider, "the connection closed before the response was complete")
        case .bodyTooLarge(let limit): .badUpstreamResponse(provider, "the response exceeded \(limit) bytes")
        case .other(let detail): .upstreamUnavailable(provider, detail)
        }
    }
}
