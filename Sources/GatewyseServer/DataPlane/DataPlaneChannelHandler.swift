import GatewyseCore
import GatewyseEngine
import GatewyseProviders
import HTTPTypes
import Logging
import NIOCore
import NIOHTTPTypes

/// Serves `POST /v1/chat/completions` straight from the channel pipeline, ahead of Hummingbird
/// (docs/decisions/0005-data-plane-channel-handler.md): the request is collected here, answered
/// by `ChatCompletionsResponder` in one task, and written back through this handler, without
/// Hummingbird's request and response body streams, router and middleware hops. Every other
/// request passes through untouched to Hummingbird (admin API, models, health, `/v1/messages`).
///
/// HTTP/1.1 keeps one exchange at a time per connection in order: while a request is being
/// served here, or while a request handed to Hummingbird has not finished its response
/// (its `.end` has not passed outbound), later chat requests wait in `queued` and are replayed
/// in order afterwards.
///
/// Added to every connection by `GatewayServer.makeApplication`; state is touched on the
/// channel's event loop only (the task hops back to it to write).
final class DataPlaneChannelHandler: ChannelDuplexHandler, RemovableChannelHandler, @unchecked Sendable {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private let responder: ChatCompletionsResponder
    private let logger: Logger
    private let maxBodyBytes: Int

    private enum State {
        case idle
        case collecting(HTTPRequest, ByteBuffer, tooLarge: Bool)
        /// A chat request is being answered by the task.
        case serving
        /// Hummingbird has a request's parts; its body and end follow it there.
        case forwarding
    }

    private var state = State.idle
    /// Requests given to Hummingbird whose responses have not ended yet.
    private var forwardedInFlight = 0
    private var queued = CircularBuffer<HTTPRequestPart>()
    private var isActive = true
    /// The connection's event loop as the preferred executor of its requests' tasks.
    private var executor: EventLoopTaskExecutor?

    init(runtime: GatewayRuntime, logger: Logger) {
        responder = ChatCompletionsResponder(runtime: runtime)
        self.logger = logger
        maxBodyBytes = runtime.configuration.server.maxBodyBytes
    }

    static func serves(_ head: HTTPRequest) -> Bool {
        guard head.method == .post, let path = head.path else { return false }
        return path == "/v1/chat/completions" || path.hasPrefix("/v1/chat/completions?")
    }

    // MARK: Inbound

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let part = unwrapInboundIn(data)
        if case .serving = state { queued.append(part); return }
        if !queued.isEmpty { queued.append(part); return }
        handle(part, context: context)
    }

    private func handle(_ part: HTTPRequestPart, context: ChannelHandlerContext) {
        switch (state, part) {
        case (.idle, .head(let head)):
            if Self.serves(head) {
                // An answer from Hummingbird is still being written: this one waits its turn.
                guard forwardedInFlight == 0 else { queued.append(part); return }
                let declared = head.headerFields[.contentLength].flatMap(Int.init) ?? 0
                state = .collecting(head, context.channel.allocator.buffer(capacity: min(max(declared, 0), maxBodyBytes)), tooLarge: declared > maxBodyBytes)
            } else {
                state = .forwarding
                forwardedInFlight += 1
                context.fireChannelRead(wrapInboundOut(part))
            }
        case (.collecting(let head, var body, let tooLarge), .body(var chunk)):
            state = .idle  // drop the reference while appending, so `body` stays uniquely owned
            if tooLarge || body.readableBytes + chunk.readableBytes > maxBodyBytes {
                state = .collecting(head, context.channel.allocator.buffer(capacity: 0), tooLarge: true)
            } else {
                body.writeBuffer(&chunk)
                state = .collecting(head, body, tooLarge: false)
            }
        case (.collecting(let head, let body, let tooLarge), .end):
            state = .serving
            serve(head: head, body: body, tooLarge: tooLarge, context: context)
        case (.forwarding, .end):
            state = .idle
            context.fireChannelRead(wrapInboundOut(part))
        case (.forwarding, _):
            context.fireChannelRead(wrapInboundOut(part))
        default:
            // A part out of order (a body before any head): the HTTP decoder never produces it.
            context.fireChannelRead(wrapInboundOut(part))
        }
    }

    /// Replays waiting parts until one starts an exchange that must finish first.
    private func drain(context: ChannelHandlerContext) {
        while let part = queued.first {
            if case .serving = state { return }
            if case .idle = state, case .head(let head) = part, Self.serves(head), forwardedInFlight > 0 { return }
            queued.removeFirst()
            handle(part, context: context)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        isActive = false
        queued.removeAll()
        context.fireChannelInactive()
    }

    // MARK: Outbound (Hummingbird's responses pass through here)

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let ended: Bool
        if case .end = unwrapOutboundIn(data) { ended = true } else { ended = false }
        context.write(data, promise: promise)
        if ended {
            forwardedInFlight = max(0, forwardedInFlight - 1)
            if forwardedInFlight == 0, !queued.isEmpty {
                let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
                context.eventLoop.execute { self.drain(context: bound.value) }
            }
        }
    }

    // MARK: Serving

    private func serve(head: HTTPRequest, body: ByteBuffer, tooLarge: Bool, context: ChannelHandlerContext) {
        let requestID = RequestIDMiddleware.acceptedID(head.headerFields[.xRequestID]) ?? IDGenerator.requestID()
        var logger = self.logger
        logger[metadataKey: "request_id"] = .string(requestID)
        let request = ChatCompletionsResponder.Request(authorization: head.headerFields[.authorization], body: body, bodyTooLarge: tooLarge)
        let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
        let eventLoop = context.eventLoop
        let responder = self.responder
        if executor == nil { executor = EventLoopTaskExecutor(loop: eventLoop) }
        Task(executorPreference: executor) {
            switch await responder.respond(to: request, logger: logger) {
            case .complete(let status, let headers, let bytes):
                eventLoop.execute {
                    self.writeComplete(status: status, headers: headers, body: bytes, requestID: requestID, context: bound.value)
                    self.finishServing(context: bound.value)
                }
            case .stream(let headers, let stream):
                await self.writeStream(stream, headers: headers, requestID: requestID, bound: bound, eventLoop: eventLoop)
                eventLoop.execute { self.finishServing(context: bound.value) }
            }
        }
    }

    private func responseHead(status: Int, headers: [(String, String)], requestID: String, contentLength: Int?) -> HTTPResponse {
        var fields = HTTPFields()
        fields.reserveCapacity(headers.count + 3)
        for (name, value) in headers {
            if let field = HTTPField.Name(name) { fields.append(HTTPField(name: field, value: value)) }
        }
        if fields[.xProvider] == nil { fields[.xProvider] = "gatewyse" }
        fields[.xRequestID] = requestID
        if let contentLength { fields[.contentLength] = String(contentLength) }
        return HTTPResponse(status: .init(code: status), headerFields: fields)
    }

    private func writeComplete(status: Int, headers: [(String, String)], body: [UInt8], requestID: String, context: ChannelHandlerContext) {
        guard isActive else { return }
        context.write(wrapOutboundOut(.head(responseHead(status: status, headers: headers, requestID: requestID, contentLength: body.count))), promise: nil)
        context.write(wrapOutboundOut(.body(context.channel.allocator.buffer(bytes: body))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
    }

    /// Server-Sent Events, one write per batch of chunks, each awaited so a slow client slows
    /// the upstream read (backpressure). A failure after the stream started is reported in-band
    /// as a final `data: {"error":…}` event (the OpenAI SDKs raise it as `APIError`), without
    /// `[DONE]`. A client that goes away fails the write, which ends the loop and releases the
    /// upstream body, cancelling the upstream call.
    private func writeStream(_ stream: ChatStream, headers: [(String, String)], requestID: String,
                             bound: NIOLoopBound<ChannelHandlerContext>, eventLoop: any EventLoop) async {
        func send(_ parts: [HTTPResponsePart]) async throws {
            try await eventLoop.flatSubmit { () -> EventLoopFuture<Void> in
                let context = bound.value
                guard self.isActive else { return eventLoop.makeFailedFuture(ChannelError.ioOnClosedChannel) }
                for part in parts.dropLast() { context.write(self.wrapOutboundOut(part), promise: nil) }
                return context.writeAndFlush(self.wrapOutboundOut(parts[parts.count - 1]))
            }.get()
        }
        let allocator = ByteBufferAllocator()
        do {
            try await send([.head(responseHead(status: 200, headers: headers, requestID: requestID, contentLength: nil))])
            var buffer: [UInt8] = []
            buffer.reserveCapacity(1024)
            while stream.isVerbatim {
                let frames: [UInt8]?
                do {
                    frames = try await stream.nextVerbatim()
                } catch let error as GatewayError {
                    buffer.removeAll(keepingCapacity: true)
                    SSEEncoder.encodeData(error.openAIBody, into: &buffer)
                    try await send([.body(allocator.buffer(bytes: buffer)), .end(nil)])
                    return
                }
                guard let frames else { break }
                try await send([.body(allocator.buffer(bytes: frames))])
            }
            while !stream.isVerbatim {
                let chunks: [ChatChunk]?
                do {
                    chunks = try await stream.next()
                } catch let error as GatewayError {
                    buffer.removeAll(keepingCapacity: true)
                    SSEEncoder.encodeData(error.openAIBody, into: &buffer)
                    try await send([.body(allocator.buffer(bytes: buffer)), .end(nil)])
                    return
                }
                guard let chunks else { break }
                buffer.removeAll(keepingCapacity: true)
                for chunk in chunks { SSEEncoder.encodeData(OpenAIChatWire.encodeChunk(chunk), into: &buffer) }
                if !buffer.isEmpty { try await send([.body(allocator.buffer(bytes: buffer))]) }
            }
            try await send([.body(allocator.buffer(bytes: SSEEncoder.done)), .end(nil)])
        } catch {
            // The client went away, or the stream failed below HTTP: the response cannot be
            // completed, so the connection is closed rather than left mid-message.
            logger.debug("stream ended early", metadata: ["request_id": "\(requestID)"])
            eventLoop.execute { if self.isActive { bound.value.close(promise: nil) } }
        }
    }

    private func finishServing(context: ChannelHandlerContext) {
        state = .idle
        if isActive { drain(context: context) }
    }
}
