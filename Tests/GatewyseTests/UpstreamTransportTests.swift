import GatewyseEngine
import GatewyseProviders
import GatewyseServer
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import Testing

/// `NIOUpstreamTransport`'s pooled connections against a raw HTTP/1.1 server that misbehaves
/// between requests.
@Suite("Upstream transport: pooled connections")
struct UpstreamTransportTests {
    /// What the server saw, over all its connections.
    final class Counters: Sendable {
        let requests = NIOLockedValueBox(0)
        let connections = NIOLockedValueBox(0)
    }

    /// One connection: answers each request with `body-<n>` (n counts requests over all
    /// connections); `afterFirst` runs once the connection's first answer is written.
    final class Server: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = ByteBuffer
        typealias OutboundOut = ByteBuffer
        let counters: Counters
        let afterFirst: @Sendable (ChannelHandlerContext) -> Void
        private var pending = ""
        private var answered = 0

        init(counters: Counters, afterFirst: @escaping @Sendable (ChannelHandlerContext) -> Void) {
            self.counters = counters
            self.afterFirst = afterFirst
        }

        static func response(_ body: String) -> ByteBuffer {
            ByteBuffer(string: "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)")
        }

        func channelActive(context: ChannelHandlerContext) {
            counters.connections.withLockedValue { $0 += 1 }
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            var buffer = unwrapInboundIn(data)
            pending += buffer.readString(length: buffer.readableBytes) ?? ""
            // The requests here have no body: a request ends with its head.
            while let end = pending.range(of: "\r\n\r\n") {
                pending.removeSubrange(..<end.upperBound)
                let number = counters.requests.withLockedValue { $0 += 1; return $0 }
                answered += 1
                context.writeAndFlush(wrapOutboundOut(Self.response("body-\(number)")), promise: nil)
                if answered == 1 { afterFirst(context) }
            }
        }
    }

    static func withServer(afterFirst: @escaping @Sendable (ChannelHandlerContext) -> Void,
                           _ body: (Int, NIOUpstreamTransport, Counters) async throws -> Void) async throws {
        let counters = Counters()
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(Server(counters: counters, afterFirst: afterFirst))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        // One loop, so that every request goes to the same pool (connections are pooled per loop).
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let transport = try NIOUpstreamTransport(settings: UpstreamSettings(), group: group)
        var failure: (any Error)?
        do { try await body(channel.localAddress!.port!, transport, counters) } catch { failure = error }
        await transport.shutdown()
        try await channel.close()
        try await group.shutdownGracefully()
        if let failure { throw failure }
    }

    static func get(_ transport: NIOUpstreamTransport, port: Int) async throws -> String {
        let response = try await transport.send(UpstreamRequest(method: "GET", url: "http://127.0.0.1:\(port)/x", headers: [], body: [], expectsStream: false),
                                                timeouts: UpstreamSettings())
        return String(decoding: try await response.body.collect(upTo: 1 << 20), as: UTF8.self)
    }

    @Test("bytes an upstream sends on an idle pooled connection close it: the next request is not answered with them")
    func unsolicitedBytes() async throws {
        try await Self.withServer(afterFirst: { context in
            // A second, unrequested answer a little after the first one, while the connection idles.
            let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
            context.eventLoop.scheduleTask(in: .milliseconds(50)) {
                bound.value.writeAndFlush(NIOAny(Server.response("stale")), promise: nil)
            }
        }) { port, transport, counters in
            let first = try await Self.get(transport, port: port)
            #expect(first.hasPrefix("body-"))
            try await Task.sleep(for: .milliseconds(200))
            let second = try await Self.get(transport, port: port)
            #expect(second != "stale", "the unrequested answer was taken for the next request's")
            #expect(second.hasPrefix("body-"))
            #expect(counters.connections.withLockedValue { $0 } == 2)
        }
    }

    @Test("a pooled connection the upstream closes while idle is dropped; the next request opens a new one")
    func closedWhileIdle() async throws {
        try await Self.withServer(afterFirst: { context in
            context.close(promise: nil)
        }) { port, transport, counters in
            let first = try await Self.get(transport, port: port)
            try await Task.sleep(for: .milliseconds(200))
            let second = try await Self.get(transport, port: port)
            #expect(first.hasPrefix("body-") && second.hasPrefix("body-"))
            #expect(counters.connections.withLockedValue { $0 } == 2)
        }
    }

    @Test("a healthy connection is reused across sequential requests")
    func reuse() async throws {
        try await Self.withServer(afterFirst: { _ in }) { port, transport, counters in
            for _ in 0..<5 {
                let answer = try await Self.get(transport, port: port)
                #expect(answer.hasPrefix("body-"))
            }
            #expect(counters.connections.withLockedValue { $0 } == 1)
        }
    }
}
