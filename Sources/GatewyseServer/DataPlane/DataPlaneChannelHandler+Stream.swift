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
    func writeStream(_ stream: InferenceStream, headers: [(String, String)], requestID: String, version: HTTPVersion,
                     bound: NIOLoopBound<ChannelHandlerContext>, eventLoop: any EventLoop) async {
        // The task runs on the connection's loop (`EventLoopTaskExecutor`): writes are made there
        // and then, so that the head and the first bytes, when ready in the same turn of the
        // loop, leave in one write.
        func onLoop<T>(_ body: @escaping @Sendable () -> EventLoopFuture<T>) -> EventLoopFuture<T> {
            eventLoop.inEventLoop ? body() : eventLoop.flatSubmit(body)
        }
        func send(_ parts: [HTTPServerResponsePart]) async throws {
            try await onLoop { () -> EventLoopFuture<Void> in
                let context = bound.value
                guard self.isActive else { return eventLoop.makeFailedFuture(ChannelError.ioOnClosedChannel) }
                for part in parts.dropLast() { context.write(self.wrapOutboundOut(part), promise: nil) }
                // A client that stops taking the stream loses the connection (`.write`); the
                // deadline is lifted once the bytes are out (waiting on the upstream is not its).
                self.startDeadline(.write, context: context)
                let written = context.writeAndFlush(self.wrapOutboundOut(parts[parts.count - 1]))
                written.whenSuccess { if case .serving = self.state { self.cancelDeadline() } }
                return written
            }.get()
        }
        let allocator = ByteBufferAllocator()
        do {
            // Written now, flushed by the first body bytes — or by a queued flush when those are
            // not ready in this turn of the loop, so a slow first token does not hold the head.
            let head = responseHead(status: 200, headers: headers, requestID: requestID, contentLength: nil, version: version)
            _ = onLoop { () -> EventLoopFuture<Void> in
                guard self.isActive else { return eventLoop.makeSucceededVoidFuture() }
                bound.value.write(self.wrapOutboundOut(.head(head)), promise: nil)
                eventLoop.execute { if self.isActive { bound.value.flush() } }
                return eventLoop.makeSucceededVoidFuture()
            }
            while let (bytes, isLast) = try await stream.next() {
                let part = HTTPServerResponsePart.body(.byteBuffer(allocator.buffer(bytes: bytes)))
                try await send(isLast ? [part, .end(nil)] : [part])
                if isLast { break }
            }
        } catch {
            // Either the client is gone (a write failed) or the upstream broke below HTTP; the
            // stream ends here either way (a no-op if it already completed).
            stream.abandon()
            logger.debug("stream ended early", metadata: ["request_id": "\(requestID)"])
            eventLoop.execute { if self.isActive { bound.value.close(promise: nil) } }
        }
    }
}
