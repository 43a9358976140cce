import AsyncHTTPClient
import GatewyseEngine
import GatewyseProviders
import NIOCore
import NIOHTTP1
import NIOPosix

/// `UpstreamTransport` on one shared, pooled AsyncHTTPClient (ARCHITECTURE §6). Connect and
/// first-byte/idle timeouts are the client's; the total timeout is a per-request deadline.
public final class AHCTransport: UpstreamTransport {
    public let client: HTTPClient

    public init(settings: UpstreamSettings, eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) {
        var configuration = HTTPClient.Configuration()
        configuration.timeout = .init(connect: .milliseconds(Int64(settings.connectTimeout * 1000)),
                                      read: .milliseconds(Int64(settings.firstByteTimeout * 1000)))
        configuration.connectionPool = .init(idleTimeout: .seconds(60),
                                             concurrentHTTP1ConnectionsPerHostSoftLimit: settings.connectionsPerHost)
        // A refused connection should fail over to the next provider now, not after the connect
        // timeout has been spent retrying the same dead address.
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.decompression = .disabled
        // Redirects are not followed: an upstream redirect could point anywhere (SSRF).
        configuration.redirectConfiguration = .disallow
        client = HTTPClient(eventLoopGroupProvider: .shared(eventLoopGroup), configuration: configuration)
    }

    public func shutdown() async throws {
        try await client.shutdown()
    }

    public func send(_ request: UpstreamRequest, timeouts: UpstreamSettings) async throws -> UpstreamResponse {
        var outgoing = HTTPClientRequest(url: request.url)
        outgoing.method = HTTPMethod(rawValue: request.method)
        for (name, value) in request.headers { outgoing.headers.add(name: name, value: value) }
        outgoing.body = .bytes(ByteBuffer(bytes: request.body))
        do {
            let response = try await client.execute(outgoing, deadline: .now() + .milliseconds(Int64(timeouts.totalTimeout * 1000)))
            return UpstreamResponse(status: Int(response.status.code),
                                    headers: response.headers.map { ($0.name, $0.value) },
                                    body: AHCBody(response.body))
        } catch {
            throw Self.map(error)
        }
    }

    /// Maps client errors to transport errors. Descriptions never include request headers, so no
    /// provider key can leak through them.
    static func map(_ error: any Error) -> any Error {
        if error is CancellationError { return error }
        if let error = error as? HTTPClientError {
            switch error {
            case .readTimeout, .deadlineExceeded, .writeTimeout: return UpstreamTransportError.timedOut
            case .connectTimeout, .tlsHandshakeTimeout, .getConnectionFromPoolTimeout: return UpstreamTransportError.connectFailed("connect timed out")
            case .remoteConnectionClosed: return UpstreamTransportError.connectionClosed
            case .cancelled: return CancellationError()
            default: return UpstreamTransportError.other("HTTP client error (\(error.shortDescription))")
            }
        }
        if error is NIOConnectionError || error is ChannelError || error is IOError {
            return UpstreamTransportError.connectFailed("connection refused or reset")
        }
        // The type name says what failed without echoing anything from the request.
        return UpstreamTransportError.other("transport failure (\(String(describing: type(of: error))))")
    }
}

/// An upstream body read chunk by chunk from AsyncHTTPClient.
final class AHCBody: UpstreamBody, @unchecked Sendable {
    // @unchecked: the iterator is consumed by the one task serving the request.
    private var iterator: HTTPClientResponse.Body.AsyncIterator

    init(_ body: HTTPClientResponse.Body) {
        iterator = body.makeAsyncIterator()
    }

    func next() async throws -> [UInt8]? {
        do {
            guard let buffer = try await iterator.next() else { return nil }
            return Array(buffer: buffer)
        } catch {
            throw AHCTransport.map(error)
        }
    }
}
