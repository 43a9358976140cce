import GatewyseEngine
import GatewyseProviders
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

/// `UpstreamTransport` written directly on SwiftNIO: pooled HTTP/1.1 keep-alive connections per
/// upstream origin, TLS through NIOSSL, one event-loop round trip per request, the body streamed
/// with backpressure. Replaces AsyncHTTPClient on the request path (docs/decisions/0004).
///
/// Connections are pooled per origin *and event loop*: a request running on a loop (the data
/// plane runs each request on its client connection's loop) gets an upstream connection owned by
/// the same loop, so the exchange needs no thread hop (docs/decisions/0005).
public final class NIOUpstreamTransport: UpstreamTransport, @unchecked Sendable {
    // @unchecked: `idle` is lock-protected; the rest is immutable.
    struct Origin: Hashable {
        var tls: Bool
        var host: String
        var port: Int
        /// The provider may reach private addresses: part of the key, so a connection opened
        /// under one policy is never reused under the other.
        var allowPrivate = false
    }

    /// Idle connections are kept per origin and per owning event loop.
    struct PoolKey: Hashable {
        var origin: Origin
        var loop: ObjectIdentifier
    }

    private let group: any EventLoopGroup
    private let settings: UpstreamSettings
    private let sslContext: NIOSSLContext
    private let idle = NIOLockedValueBox([PoolKey: [any Channel]]())
    private let maximumIdlePerOrigin: Int
    let slots: ConnectionSlots
    #if DEBUG
    /// Tests only: the exchanges and upstream body streams of every connection (`LiveObjects`).
    let liveExchanges = LiveObjects()
    #endif

    public init(settings: UpstreamSettings, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) throws {
        self.group = group
        self.settings = settings
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.applicationProtocols = ["http/1.1"]
        sslContext = try NIOSSLContext(configuration: tls)
        maximumIdlePerOrigin = settings.connectionsPerHost
        slots = ConnectionSlots(limit: settings.maxConnectionsPerHost)
    }

    public func shutdown() async {
        let channels = idle.withLockedValue { pools -> [any Channel] in
            defer { pools.removeAll() }
            return pools.values.flatMap { $0 }
        }
        for channel in channels { try? await channel.close() }
    }

    /// An upstream URL split up once: adapters send to a handful of fixed URLs, and parsing one
    /// and building its `Host` value cost more than looking it up.
    struct Destination {
        var origin: Origin
        var target: String
        var host: String
    }

    private let destinations = NIOLockedValueBox([String: Destination]())
    /// Model names can be part of a URL (Gemini, Azure, Bedrock): past this many entries the cache
    /// starts over rather than growing with every name a client tries.
    private static let maximumCachedDestinations = 256

    func destination(for url: String) throws -> Destination {
        if let known = destinations.withLockedValue({ $0[url] }) { return known }
        let (origin, target) = try Self.parse(url)
        let destination = Destination(origin: origin, target: target,
                                      host: origin.port == (origin.tls ? 443 : 80) ? origin.host : "\(origin.host):\(origin.port)")
        destinations.withLockedValue { cache in
            if cache.count >= Self.maximumCachedDestinations { cache.removeAll(keepingCapacity: true) }
            cache[url] = destination
        }
        return destination
    }

    public func send(_ request: UpstreamRequest, timeouts: UpstreamSettings) async throws -> UpstreamResponse {
        let destination = try destination(for: request.url)
        var origin = destination.origin
        origin.allowPrivate = request.allowPrivateNetwork
        let target = destination.target
        var headers = HTTPHeaders()
        headers.reserveCapacity(request.headers.count + 3)
        headers.add(name: "Host", value: destination.host)
        for (name, value) in request.headers { headers.add(name: name, value: value) }
        headers.add(name: "Content-Length", value: String(request.body.count))
        let head = HTTPRequestHead(version: .http1_1, method: HTTPMethod(rawValue: request.method), uri: target, headers: headers)
        let deadline = NIODeadline.now() + .milliseconds(Int64(timeouts.totalTimeout * 1000))
        let idleTimeout = TimeAmount.milliseconds(Int64(timeouts.firstByteTimeout * 1000))

        // A pooled connection may have been closed by the upstream while idle; a failure before
        // any response byte on a reused connection is retried once on a fresh one.
        for attempt in 0..<2 {
            // A cancelled caller (its client left) starts nothing new.
            try Task.checkCancellation()
            let (channel, reused) = try await connection(for: origin, connectTimeout: timeouts.connectTimeout, allowReuse: attempt == 0)
            do {
                let (responseHead, body) = try await exchange(on: channel, head: head, body: request.body, idleTimeout: idleTimeout, deadline: deadline)
                return UpstreamResponse(status: Int(responseHead.status.code),
                                        headers: responseHead.headers.map { ($0.name, $0.value) }, body: UpstreamBodyHandle(body))
            } catch is ClosedBeforeResponse {
                if reused && attempt == 0 { continue }
                throw UpstreamTransportError.connectionClosed
            }
        }
        throw UpstreamTransportError.connectionClosed
    }

    private func exchange(on channel: any Channel, head: HTTPRequestHead, body: [UInt8], idleTimeout: TimeAmount,
                          deadline: NIODeadline) async throws -> (HTTPResponseHead, UpstreamBodyStream) {
        let buffer = channel.allocator.buffer(bytes: body)
        // A cancelled caller closes the connection: the handler then fails the exchange, which
        // resumes the continuation (or `start` finds the channel closed and does).
        return try await withTaskCancellationHandler {
            try await withUnsafeThrowingContinuation { answer in
                // Queued even when the task already runs on this loop (it usually does): starting
                // the exchange inline from the task measured ~6 µs more CPU per request
                // (decisions/0005).
                channel.eventLoop.execute {
                    do {
                        let context = try channel.pipeline.syncOperations.context(handlerType: UpstreamHTTPHandler.self)
                        let handler = context.handler as! UpstreamHTTPHandler
                        handler.start(context: context, head: head, body: buffer, idleTimeout: idleTimeout, deadline: deadline, answer: answer)
                    } catch {
                        answer.resume(throwing: UpstreamTransportError.connectionClosed)
                    }
                }
            }
        } onCancel: {
            channel.close(promise: nil)
        }
    }

    // MARK: Pool

    /// An idle connection owned by the calling thread's event loop, else a new one on that loop
    /// (any loop of the group when the caller is not on one).
    private func connection(for origin: Origin, connectTimeout: Double, allowReuse: Bool) async throws -> (any Channel, reused: Bool) {
        let loop = MultiThreadedEventLoopGroup.currentEventLoop ?? group.next()
        if allowReuse {
            let key = PoolKey(origin: origin, loop: ObjectIdentifier(loop))
            while let channel = idle.withLockedValue({ $0[key]?.popLast() }) {
                if channel.isActive { return (channel, true) }
            }
        }
        return (try await connect(origin, on: loop, timeout: connectTimeout), false)
    }

    /// A request waits for a slot to `origin`: an idle pooled connection to it, on any loop, is
    /// closed to free one (pooled connections belong to their loop and cannot be handed over).
    private func closeOneIdle(to origin: Origin) {
        let channel = idle.withLockedValue { pools -> (any Channel)? in
            for key in pools.keys where key.origin == origin {
                if let channel = pools[key]?.popLast() { return channel }
            }
            return nil
        }
        channel?.close(promise: nil)
    }

    private func release(_ channel: any Channel, to origin: Origin) {
        if slots.hasWaiters(origin) {
            channel.close(promise: nil)
            return
        }
        let key = PoolKey(origin: origin, loop: ObjectIdentifier(channel.eventLoop))
        let keep = idle.withLockedValue { pools -> Bool in
            guard pools[key, default: []].count < maximumIdlePerOrigin else { return false }
            pools[key, default: []].append(channel)
            return true
        }
        if !keep { channel.close(promise: nil) }
    }

    private func connect(_ origin: Origin, on loop: any EventLoop, timeout: Double) async throws -> any Channel {
        try await slots.acquire(origin, timeout: timeout, on: loop) { [weak self] in self?.closeOneIdle(to: origin) }
        let channel: any Channel
        do {
            channel = try await open(origin, on: loop, timeout: timeout)
        } catch {
            slots.release(origin)
            throw error
        }
        let slots = self.slots
        channel.closeFuture.whenComplete { _ in slots.release(origin) }
        return channel
    }

    private func open(_ origin: Origin, on loop: any EventLoop, timeout: Double) async throws -> any Channel {
        let sslContext = self.sslContext
        let bootstrap = ClientBootstrap(group: loop)
            .connectTimeout(.milliseconds(Int64(timeout * 1000)))
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelOption(.autoRead, value: false)
            .channelInitializer { [weak self] channel in
                channel.eventLoop.makeCompletedFuture {
                    let sync = channel.pipeline.syncOperations
                    if origin.tls {
                        try sync.addHandler(NIOSSLClientHandler(context: sslContext, serverHostname: origin.host.isIPAddress ? nil : origin.host))
                    }
                    // Header validation is off: every header comes from the configuration (whose
                    // values are refused with line breaks) or an adapter, never from a client, and
                    // client-chosen model names that reach URLs are checked by `RouteResolver`.
                    try sync.addHTTPClientHandlers(enableOutboundHeaderValidation: false)
                    let handler = UpstreamHTTPHandler()
                    handler.onReusable = { channel in self?.release(channel, to: origin) }
                    #if DEBUG
                    handler.live = self?.liveExchanges
                    #endif
                    try sync.addHandler(handler)
                }
            }
        let addresses: [SocketAddress]
        do {
            addresses = try await UpstreamAddressCheck.addresses(host: origin.host, port: origin.port, allowPrivate: origin.allowPrivate)
        } catch let refused as UpstreamAddressCheck.Refused {
            throw UpstreamTransportError.connectFailed(refused.description)
        }
        var lastError: any Error = UpstreamTransportError.connectFailed("connection refused or unreachable")
        // The first two acceptable addresses (typically one per family), each with the connect timeout.
        for address in addresses.prefix(2) {
            do {
                return try await bootstrap.connect(to: address).get()
            } catch {
                if error is CancellationError { throw error }
                if case ChannelError.connectTimeout = error { lastError = UpstreamTransportError.connectFailed("connect timed out") }
                else { lastError = UpstreamTransportError.connectFailed("connection refused or unreachable") }
            }
        }
        throw lastError
    }

    /// Splits an absolute http(s) URL into its origin and request target.
    static func parse(_ url: String) throws -> (Origin, String) {
        let tls: Bool
        var rest: Substring
        if url.hasPrefix("https://") { tls = true; rest = url.dropFirst(8) }
        else if url.hasPrefix("http://") { tls = false; rest = url.dropFirst(7) }
        else { throw UpstreamTransportError.other("unsupported URL scheme") }
        let slash = rest.firstIndex(of: "/") ?? rest.endIndex
        let authority = rest[..<slash]
        rest = rest[slash...]
        var host = Substring(authority)
        var port = tls ? 443 : 80
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { throw UpstreamTransportError.other("malformed URL") }
            host = authority[authority.index(after: authority.startIndex)..<close]
            let after = authority[authority.index(after: close)...]
            if after.hasPrefix(":") { port = Int(after.dropFirst()) ?? port }
        } else if let colon = authority.lastIndex(of: ":") {
            host = authority[..<colon]
            guard let parsed = Int(authority[authority.index(after: colon)...]) else { throw UpstreamTransportError.other("malformed URL port") }
            port = parsed
        }
        guard !host.isEmpty else { throw UpstreamTransportError.other("malformed URL host") }
        return (Origin(tls: tls, host: String(host), port: port), rest.isEmpty ? "/" : String(rest))
    }
}

extension String {
    var isIPAddress: Bool {
        contains(":") || split(separator: ".").count == 4 && allSatisfy { $0.isNumber || $0 == "." }
    }
}
