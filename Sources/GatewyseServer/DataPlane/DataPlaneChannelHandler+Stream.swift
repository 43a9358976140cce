import GatewyseCore
import GatewyseEngine
import NIOCore
import NIOHTTP1

extension DataPlaneChannelHandler {
    /// Server-Sent Events (`ChatSSEBody` decides the bytes), one write per batch, each awaited
    /// so a slow client slows the upstream read (backpressure). A client that goes away fails
    /// the write, which ends the loop and releases the upstream body, cancelling the upstream
    /// call; a stream that breaks below HTTP cannot be completed, so the connection is closed
    /// rather than left mid-message.
    func writeStream(_ stream: ChatStream, format: DataPlaneRoute, headers: [(String, String)], requestID: String, version: HTTPVersion,
                     bound: NIOLoopBound<ChannelHandlerContext>, eventLoop: any EventLoop) async {
        func send(_ parts: [HTTPServerResponsePart]) async throws {
            try await eventLoop.flatSubmit { () -> EventLoopFuture<Void> in
                let context = bound.value
                guard self.isActive else { return eventLoop.makeFailedFuture(ChannelError.ioOnClosedChannel) }
                for part in parts.dropLast() { context.write(self.wrapOutboundOut(part), promise: nil) }
                return context.writeAndFlush(self.wrapOutboundOut(parts[parts.count - 1]))
            }.get()
        }
        let allocator = ByteBufferAllocator()
        do {
            try await send([.head(responseHead(status: 200, headers: headers, requestID: requestID, contentLength: nil, version: version))])
            func relay<Framing: ChatSSEFraming>(_ framing: Framing) async throws {
                var body = ChatSSEBody(stream: stream, framing: framing)
                while let (bytes, isLast) = try await body.next() {
                    let part = HTTPServerResponsePart.body(.byteBuffer(allocator.buffer(bytes: bytes)))
                    try await send(isLast ? [part, .end(nil)] : [part])
                    if isLast { break }
                }
            }
            switch format {
            case .chatCompletions: try await relay(OpenAISSEFraming.chat)
            case .messages: try await relay(AnthropicStreamEncoder())
            }
        } catch {
            logger.debug("stream ended early", metadata: ["request_id": "\(requestID)"])
            eventLoop.execute { if self.isActive { bound.value.close(promise: nil) } }
        }
    }
}
