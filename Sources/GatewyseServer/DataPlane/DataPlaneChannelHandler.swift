import GatewyseCore
import GatewyseEngine
import GatewyseProviders
import Logging
import NIOCore
import NIOHTTP1

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
/// It sits right after NIO's HTTP/1.1 decoder and encoder, before Hummingbird's conversion to
/// Swift HTTP Types (`DataPlaneInstaller` puts it there), so chat exchanges never pay for that
/// conversion; forwarded requests and Hummingbird's answers pass through it as NIOHTTP1 parts.
/// State is touched on the channel's event loop only (the task hops back to it to write).
final class DataPlaneChannelHandler: ChannelDuplexHandler, RemovableChannelHandler, @unchecked Sendable {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    private let chatCompletions: ChatCompletionsResponder
    private let messages: AnthropicMessagesResponder
    let logger: Logger
    private let maxBodyBytes: Int

    private enum State {
        case idle
        case collecting(DataPlaneRoute, HTTPRequestHead, ByteBuffer, tooLarge: Bool)
        /// A chat request is being answered by the task.
        case serving
        /// Hummingbird has a request's parts; its body and end follow it there.
        case forwarding
    }

    private var state = State.idle
    /// Requests given to Hummingbird whose responses have not ended yet.
    private var forwardedInFlight = 0
    private var queued = CircularBuffer<Waiting>()
    private(set) var isActive = true
    /// The chat being served asked for `Connection: close`: the connection is closed after its answer.
    private var closeAfterServing = false
    /// A `read()` held back while requests wait behind a chat (see `read(context:)`).
    private var readHeldBack = false

    /// What waits in `queued`: request parts, and the end of input or a decoding error that came
    /// after them. Those two must reach Hummingbird only after the answers ahead of them: on
    /// either it ends the connection (after a 400 for the error), which would cut off a chat
    /// still being answered here — a client that half-closes after its requests, or pipelines
    /// bytes that are not HTTP, would lose the answers it is owed.
    private enum Waiting {
        case part(HTTPServerRequestPart)
        case inputClosed
        /// Graceful shutdown: Hummingbird closes a connection it believes idle at once, and it
        /// does not see chat exchanges, so the event waits until the chat's answer is written.
        case quiesce
        case error(any Error)
    }
    /// The connection's event loop as the preferred executor of its requests' tasks.
    private var executor: EventLoopTaskExecutor?

    init(runtime: GatewayRuntime, logger: Logger) {
        chatCompletions = ChatCompletionsResponder(runtime: runtime)
        messages = AnthropicMessagesResponder(runtime: runtime)
        self.logger = logger
        maxBodyBytes = runtime.configuration.server.maxBodyBytes
    }

    static func route(_ head: HTTPRequestHead) -> DataPlaneRoute? {
        head.method == .POST ? DataPlaneRoute(method: "POST", uri: head.uri) : nil
    }

    static func serves(_ head: HTTPRequestHead) -> Bool { route(head) != nil }

    // MARK: Inbound

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let part = unwrapInboundIn(data)
        if case .serving = state { queued.append(.part(part)); return }
        if !queued.isEmpty { queued.append(.part(part)); return }
        handle(part, context: context)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? ChannelEvent, event == .inputClosed, chatAhead {
            queued.append(.inputClosed)
            return
        }
        if event is ChannelShouldQuiesceEvent, chatAhead {
            queued.append(.quiesce)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if case .serving = state { queued.append(.error(error)); return }
        if !queued.isEmpty { queued.append(.error(error)); return }
        deliver(error, context: context)
    }

    /// Whether a chat exchange (collected, served or waiting) comes before anything arriving now.
    private var chatAhead: Bool {
        switch state {
        case .collecting, .serving: true
        case .idle, .forwarding: !queued.isEmpty
        }
    }

    private func deliver(_ error: any Error, context: ChannelHandlerContext) {
        // A chat request cut short by a decoding error is dropped: Hummingbird answers the error
        // (400) and closes the connection.
        if case .collecting = state { state = .idle }
        context.fireErrorCaught(error)
    }

    private func handle(_ part: HTTPServerRequestPart, context: ChannelHandlerContext) {
        switch (state, part) {
        case (.idle, .head(let head)):
            if let route = Self.route(head) {
                // An answer from Hummingbird is still being written: this one waits its turn.
                guard forwardedInFlight == 0 else { queued.append(.part(part)); return }
                let declared = head.headers.first(name: "content-length").flatMap { Int($0) } ?? 0
                state = .collecting(route, head, context.channel.allocator.buffer(capacity: min(max(declared, 0), maxBodyBytes)), tooLarge: declared > maxBodyBytes)
                // Past the limit the client is better off not sending the body: no 100, the
                // answer (401 or 413) comes once it gives up waiting and sends it anyway.
                if declared <= maxBodyBytes { continueIfExpected(head, context: context) }
            } else {
                // Only when no earlier answer is still being written: a 100 in the middle of one
                // would corrupt it (the client then sends its body after its own timeout).
                if forwardedInFlight == 0 { continueIfExpected(head, context: context) }
                state = .forwarding
                forwardedInFlight += 1
                context.fireChannelRead(wrapInboundOut(part))
            }
        case (.collecting(let route, let head, var body, let tooLarge), .body(var chunk)):
            state = .idle  // drop the reference while appending, so `body` stays uniquely owned
            if tooLarge || body.readableBytes + chunk.readableBytes > maxBodyBytes {
                state = .collecting(route, head, context.channel.allocator.buffer(capacity: 0), tooLarge: true)
            } else {
                body.writeBuffer(&chunk)
                state = .collecting(route, head, body, tooLarge: false)
            }
        case (.collecting(let route, let head, let body, let tooLarge), .end):
            state = .serving
            serve(route, head: head, body: body, tooLarge: tooLarge, context: context)
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

    /// `Expect: 100-continue` (RFC 9110 §10.1.1): clients such as curl send the headers of a
    /// large body and wait — a second, for curl — for `100 Continue` before sending it. Neither
    /// NIO nor Hummingbird answers it, so the data plane does, for every route.
    private func continueIfExpected(_ head: HTTPRequestHead, context: ChannelHandlerContext) {
        guard head.version == .http1_1, head.headers[canonicalForm: "expect"].contains(where: { $0.lowercased() == "100-continue" }) else { return }
        context.writeAndFlush(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .continue))), promise: nil)
    }

    /// Replays waiting parts until one starts an exchange that must finish first.
    private func drain(context: ChannelHandlerContext) {
        var replayed = false
        // Hummingbird's `NIOAsyncChannel` hands reads to its request loop on `channelReadComplete`
        // only; parts replayed here come outside a socket read, so without this they would sit
        // in its buffer until the client sent more bytes (a pipelined request after a chat hung).
        defer {
            if replayed { context.fireChannelReadComplete() }
            resumeReading(context: context)
        }
        while let waiting = queued.first {
            if case .serving = state { return }
            if case .idle = state, case .part(.head(let head)) = waiting, Self.serves(head), forwardedInFlight > 0 { return }
            queued.removeFirst()
            replayed = true
            switch waiting {
            case .part(let part): handle(part, context: context)
            case .inputClosed: context.fireUserInboundEventTriggered(ChannelEvent.inputClosed)
            case .quiesce: context.fireUserInboundEventTriggered(ChannelShouldQuiesceEvent())
            case .error(let error): deliver(error, context: context)
            }
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        isActive = false
        queued.removeAll()
        context.fireChannelInactive()
    }

    // MARK: Outbound (Hummingbird's responses pass through here)

    /// Once requests wait in `queued` behind a chat, the client's next bytes are left in the
    /// socket: reading on would pile every pipelined request, bodies included, into `queued`
    /// without bound (a 32 MB body behind a slow chat was taken whole). TCP then slows the
    /// client, as Hummingbird's own backpressure does. Only a read someone asked for is resumed,
    /// so Hummingbird's backpressure still holds.
    ///
    /// While a chat is served with nothing queued, reading goes on: a keep-alive client sends
    /// nothing until its answer, and holding the read back would make NIO drop and re-add the
    /// socket's read interest, two `epoll_ctl` calls per request. At most one read's worth of
    /// pipelined bytes is taken before the hold starts.
    func read(context: ChannelHandlerContext) {
        if !queued.isEmpty { readHeldBack = true; return }
        context.read()
    }

    private func resumeReading(context: ChannelHandlerContext) {
        guard readHeldBack, queued.isEmpty else { return }
        readHeldBack = false
        context.read()
    }

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

    private func serve(_ route: DataPlaneRoute, head: HTTPRequestHead, body: ByteBuffer, tooLarge: Bool, context: ChannelHandlerContext) {
        let requestID = RequestIDMiddleware.acceptedID(head.headers.first(name: "x-request-id")) ?? IDGenerator.requestID()
        var logger = self.logger
        logger[metadataKey: "request_id"] = .string(requestID)
        let request = DataPlaneRequest(authorization: head.headers.first(name: "authorization"), apiKey: head.headers.first(name: "x-api-key"),
                                       body: body, bodyTooLarge: tooLarge)
        let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
        let eventLoop = context.eventLoop
        let chatCompletions = self.chatCompletions, messages = self.messages
        if executor == nil { executor = EventLoopTaskExecutor(loop: eventLoop) }
        // HTTP/1.1 (RFC 9112 §9.6): a request with `Connection: close` (or an HTTP/1.0 request
        // without keep-alive) is the last one; the answer says so and the connection is closed
        // after it (Hummingbird does the same for the requests it serves).
        let closing = !head.isKeepAlive
        let version = head.version
        closeAfterServing = closing
        let closeHeader: [(String, String)] = closing ? [("Connection", "close")] : []
        Task(executorPreference: executor) {
            let reply = switch route {
            case .chatCompletions: await chatCompletions.respond(to: request, logger: logger)
            case .messages: await messages.respond(to: request, logger: logger)
            }
            switch reply {
            case .complete(let status, let headers, let bytes):
                // Queued even though the task runs on this loop: writing inline measured ~5 µs
                // more CPU per request (decisions/0005), unlike stream writes.
                eventLoop.execute {
                    // The next exchange starts once this answer is written out, so that a close or
                    // an end of input handed to Hummingbird next cannot drop its unwritten bytes.
                    let written = self.writeComplete(status: status, headers: headers + closeHeader, body: bytes, requestID: requestID,
                                                     version: version, context: bound.value)
                    written.whenComplete { _ in self.finishServing(context: bound.value) }
                }
            case .stream(let headers, let stream, let format):
                await self.writeStream(stream, format: format, headers: headers + closeHeader, requestID: requestID, version: version,
                                       bound: bound, eventLoop: eventLoop)
                eventLoop.execute { self.finishServing(context: bound.value) }
            }
        }
    }

    /// The header names come from the gateway's own code (responder, error renderer); the
    /// request id was checked (`RequestIDMiddleware.acceptedID`) or minted.
    func responseHead(status: Int, headers: [(String, String)], requestID: String, contentLength: Int?,
                              version: HTTPVersion) -> HTTPResponseHead {
        var fields = HTTPHeaders()
        fields.reserveCapacity(headers.count + 4)
        var hasProvider = false
        for (name, value) in headers {
            if !hasProvider, name.utf8.count == 10, name.lowercased() == "x-provider" { hasProvider = true }
            fields.add(name: name, value: value)
        }
        if !hasProvider { fields.add(name: "X-Provider", value: "gatewyse") }
        fields.add(name: "X-Request-ID", value: requestID)
        // Without a length, NIO's encoder frames the body (chunked on HTTP/1.1).
        if let contentLength { fields.add(name: "Content-Length", value: String(contentLength)) }
        return HTTPResponseHead(version: version, status: HTTPResponseStatus(statusCode: status), headers: fields)
    }

    /// Writes a whole answer; the future completes once it is written (or failed).
    private func writeComplete(status: Int, headers: [(String, String)], body: [UInt8], requestID: String, version: HTTPVersion,
                               context: ChannelHandlerContext) -> EventLoopFuture<Void> {
        guard isActive else { return context.eventLoop.makeSucceededVoidFuture() }
        context.write(wrapOutboundOut(.head(responseHead(status: status, headers: headers, requestID: requestID, contentLength: body.count,
                                                         version: version))), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: body)))), promise: nil)
        return context.writeAndFlush(wrapOutboundOut(.end(nil)))
    }

    private func finishServing(context: ChannelHandlerContext) {
        state = .idle
        guard isActive else { return }
        if closeAfterServing {
            // Whatever the client sent after its last request is not served.
            queued.removeAll()
            context.close(promise: nil)
            return
        }
        drain(context: context)
    }
}
