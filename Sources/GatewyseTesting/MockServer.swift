import GatewyseCore
import NIOCore
import NIOHTTP1
import NIOPosix

/// What every mock upstream shares: a loopback HTTP/1.1 listener whose connections are tracked
/// (so `stop()` can drop them like a crashed upstream), and request aggregation into one
/// head + body before a format-specific `respond`.
enum MockServer {
    static func bind(port: Int, group: any EventLoopGroup, recorder: MockRecorder,
                     handler: @escaping @Sendable () -> any ChannelHandler & Sendable) async throws -> any Channel {
        try await ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 1024)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                recorder.track(channel)
                return channel.pipeline.configureHTTPServerPipeline(withErrorHandling: true).flatMap {
                    channel.pipeline.addHandler(handler())
                }
            }
            .bind(host: "127.0.0.1", port: port).get()
    }
}

/// Collects one request's head and body, then hands them to `respond`. Subclasses answer.
class MockHTTPConnection: ChannelInboundHandler, @unchecked Sendable {
    // @unchecked: all state is touched on the channel's event loop only.
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    let recorder: MockRecorder
    private var head: HTTPRequestHead?
    private var body: ByteBuffer?

    init(recorder: MockRecorder) {
        self.recorder = recorder
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let requestHead):
            head = requestHead
            body = context.channel.allocator.buffer(capacity: 0)
        case .body(var chunk):
            body?.writeBuffer(&chunk)
        case .end:
            guard let head else { return }
            let bytes = body.map { Array(buffer: $0) } ?? []
            self.head = nil
            body = nil
            if answerControl(context: context, head: head) { return }
            respond(context: context, head: head, body: bytes)
        }
    }

    /// The control routes every mock shares: `GET /__mock/health`, and `GET` / `DELETE
    /// /__mock/requests` (what it received, for tests to inspect; cleared between tests).
    private func answerControl(context: ChannelHandlerContext, head: HTTPRequestHead) -> Bool {
        guard head.uri.hasPrefix("/__mock/") else { return false }
        let path = head.uri.split(separator: "?").first.map(String.init) ?? head.uri
        let answer: JSONValue
        switch (head.method, path) {
        case (.GET, "/__mock/health"): answer = ["status": "ok"]
        case (.GET, "/__mock/requests"): answer = .array(recorder.requests.map(MockHTTPHandler.encode))
        case (.DELETE, "/__mock/requests"):
            recorder.reset()
            answer = ["cleared": true]
        default: return false
        }
        let bytes = JSONWriter.bytes(answer)
        let headers = HTTPHeaders([("content-type", "application/json"), ("content-length", String(bytes.count))])
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .ok, headers: headers))), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: bytes)))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        return true
    }

    /// Answers one complete request.
    func respond(context: ChannelHandlerContext, head: HTTPRequestHead, body: [UInt8]) {
        preconditionFailure("subclasses answer requests")
    }
}

/// What every mock upstream exposes: its port, what it received, and stop/wait.
public class MockUpstream: @unchecked Sendable {
    // @unchecked: immutable after init; the recorder guards its own state.
    public let port: Int
    let channel: any Channel
    let recorder: MockRecorder

    init(port: Int, channel: any Channel, recorder: MockRecorder) {
        self.port = port
        self.channel = channel
        self.recorder = recorder
    }

    public var requests: [RecordedRequest] { recorder.requests }
    public func reset() { recorder.reset() }

    /// Stops listening and drops every open connection, as a crashed upstream would.
    public func stop() async {
        try? await channel.close()
        for child in recorder.openChannels() { try? await child.close() }
    }

    /// Blocks until the server channel closes (for the standalone `gatewyse-mock`).
    public func wait() async throws {
        try await channel.closeFuture.get()
    }
}
