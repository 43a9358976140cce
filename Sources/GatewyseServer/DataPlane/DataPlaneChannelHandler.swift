import GatewyseCore
import GatewyseEngine
import GatewyseProviders
import Logging
import NIOCore
import NIOHTTP1

/// Serves every inference route (`InferenceEndpoint`) straight from the channel pipeline, ahead
/// of Hummingbird (docs/decisions/0005 and 0006): the head goes to `InferenceEngine.admit`
/// before any body byte is read (a refusal — 401, 413, 503 — is answered at once), the body is
/// collected here, `InferenceEngine.serve` answers it in one task, and the answer is written
/// back through this handler, without Hummingbird's body streams, router and middleware hops.
/// Every other request passes through untouched to Hummingbird (admin API, models, health).
///
/// It also keeps every connection's clock (`+Timeouts`): a head must arrive within the header
/// timeout of its first byte (slowloris), a body within the body timeout of its head, and a
/// connection idle between requests is closed after the idle timeout.
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

    let engine: InferenceEngine
    let logger: Logger
    let settings: ServerSettings

    enum State {
        case idle
        case collecting(Collected)
        /// An inference request is being answered by the task.
        case serving
        /// Hummingbird has a request's parts; its body and end follow it there.
        case forwarding
        /// Answered before its body was read (refused at admission, or grown past the limit):
        /// its remaining parts are dropped until its end, under the body timeout (`Discard`).
        case discarding(Discard)
    }

    /// A request answered early whose body is being dropped. With `keepAlive`, the connection
    /// goes on once both its end has arrived and the answer is written (what the client sends
    /// next waits in `queued` meanwhile, so a client that never reads cannot pile up answers);
    /// without, it closes after the answer.
    struct Discard {
        var keepAlive: Bool
        var ended = false
        var answerWritten = false
    }

    /// An admitted inference request whose body is arriving.
    struct Collected {
        var exchange: InferenceExchange
        var head: HTTPRequestHead
        var body: ByteBuffer
        /// The endpoint's body limit (audio uploads have their own).
        var limit: Int
    }

    var state = State.idle
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
    /// The task answering the request being served: cancelled when the client goes away, which
    /// cancels the upstream call, streaming or not.
    private var servingTask: Task<Void, Never>?
    /// The connection's one pending deadline (`+Timeouts`), and the timers armed to check it.
    var deadline: (kind: DeadlineKind, at: NIODeadline)?
    var armedTimers: [(at: NIODeadline, timer: Scheduled<Void>)] = []
    /// Graceful shutdown arrived while an inference request was in progress: passed on to
    /// Hummingbird once the connection is idle.
    var quiescePending = false
    /// Bytes have arrived since the connection was last idle, but no head yet.
    var headStarted = false
    /// The peer's address, read once per connection (outer nil: not read yet).
    private var peer: ClientAddress??

    init(runtime: GatewayRuntime, logger: Logger) {
        engine = runtime.engine
        self.logger = logger
        settings = runtime.configuration.server
    }

    static func route(_ head: HTTPRequestHead) -> InferenceEndpoint? {
        head.method == .POST ? InferenceEndpoint(method: "POST", uri: head.uri) : nil
    }

    static func serves(_ head: HTTPRequestHead) -> Bool { route(head) != nil }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { becameIdle(context: context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        becameIdle(context: context)
        context.fireChannelActive()
    }

    // MARK: Inbound

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let part = unwrapInboundIn(data)
        if case .serving = state { queued.append(.part(part)); return }
        if case .discarding(let discard) = state, discard.ended { queued.append(.part(part)); return }
        if !queued.isEmpty { queued.append(.part(part)); return }
        handle(part, context: context)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? ChannelEvent, event == .inputClosed, inferenceInProgress {
            // The client's end of input while its inference request is pending: TCP cannot tell a
            // half-close from a client that left, and a client that left must cancel the upstream
            // call (issue 10), so it is treated as gone, as nginx does (decisions/0006). Closing
            // cancels the serving task (`channelInactive`).
            context.close(promise: nil)
            return
        }
        if let event = event as? ChannelEvent, event == .inputClosed, chatAhead {
            queued.append(.inputClosed)
            return
        }
        if event is ChannelShouldQuiesceEvent, chatAhead {
            // Behind queued parts it keeps its place; otherwise it must not sit in the queue, where
            // it would divert the body still arriving for the request in progress.
            if queued.isEmpty { quiescePending = true } else { queued.append(.quiesce) }
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if case .serving = state { queued.append(.error(error)); return }
        if case .discarding(let discard) = state, discard.ended { queued.append(.error(error)); return }
        if !queued.isEmpty { queued.append(.error(error)); return }
        deliver(error, context: context)
    }

    var forwardedInFlightIsZero: Bool { forwardedInFlight == 0 }

    /// An inference request is being received or answered on this connection.
    private var inferenceInProgress: Bool {
        switch state {
        case .collecting, .serving: true
        case .idle, .forwarding, .discarding: false
        }
    }
    var queuedIsEmpty: Bool { queued.isEmpty }

    /// Whether a chat exchange (collected, served or waiting) comes before anything arriving now.
    private var chatAhead: Bool {
        switch state {
        case .collecting, .serving, .discarding: true
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
        // A body part and the end go to the request being collected, moved out of `state`:
        // matched from `state`, it was copied (its head, buffer and exchange: a retain and a
        // release each) for every part.
        if case .collecting = state {
            switch part {
            case .body(var chunk):
                // Moved out, so the buffer stays uniquely owned while the chunk is appended.
                var collected = takeCollected()
                if collected.body.readableBytes + chunk.readableBytes > collected.limit {
                    // No `Content-Length` announced it (chunked): answered now, the rest discarded.
                    let rendered = engine.refuse(collected.exchange, .bodyTooLarge(limit: collected.limit))
                    answer(rendered, requestID: collected.exchange.context.requestID, head: collected.head, readsOn: false, context: context)
                } else {
                    collected.body.writeBuffer(&chunk)
                    state = .collecting(collected)
                }
                return
            case .end:
                let collected = takeCollected()
                cancelDeadline()
                state = .serving
                serve(collected, context: context)
                return
            case .head:
                break
            }
        }
        switch (state, part) {
        case (.idle, .head(let head)):
            if let endpoint = Self.route(head) {
                // An answer from Hummingbird is still being written: this one waits its turn.
                guard forwardedInFlight == 0 else { queued.append(.part(part)); return }
                headArrived(context: context)
                admit(endpoint, head: head, context: context)
            } else {
                headArrived(context: context)
                // Only when no earlier answer is still being written: a 100 in the middle of one
                // would corrupt it (the client then sends its body after its own timeout).
                if forwardedInFlight == 0 { continueIfExpected(head, context: context) }
                state = .forwarding
                forwardedInFlight += 1
                startDeadline(.body, context: context)
                context.fireChannelRead(wrapInboundOut(part))
            }
        case (.discarding(var discard), .end):
            // Closing: the linger deadline runs on, and nothing more is served here.
            guard discard.keepAlive else { break }
            discard.ended = true
            state = .discarding(discard)
            if discard.answerWritten { finishDiscarding(context: context) }
        case (.discarding, _):
            break
        case (.forwarding, .end):
            cancelDeadline()
            state = .idle
            context.fireChannelRead(wrapInboundOut(part))
        case (.forwarding, _):
            context.fireChannelRead(wrapInboundOut(part))
        default:
            // A part out of order (a body before any head): the HTTP decoder never produces it.
            context.fireChannelRead(wrapInboundOut(part))
        }
    }

    /// The request being collected, moved out of `state`, which is left `.idle`. Only called
    /// in `.collecting`.
    private func takeCollected() -> Collected {
        var taken = State.idle
        swap(&taken, &state)
        guard case .collecting(let collected) = consume taken else { preconditionFailure("takeCollected outside .collecting") }
        return collected
    }

    /// The engine's admission, from the head alone: a refusal is answered before the body is
    /// read; otherwise the body is collected, into a buffer that grows as bytes arrive (never
    /// sized from the client's `Content-Length`).
    private func admit(_ endpoint: InferenceEndpoint, head: HTTPRequestHead, context: ChannelHandlerContext) {
        let requestID = RequestIDMiddleware.acceptedID(head.headers.first(name: "x-request-id")) ?? IDGenerator.requestID()
        var logger = self.logger
        logger[metadataKey: "request_id"] = .string(requestID)
        let declared = head.headers.first(name: "content-length").flatMap { Int($0) }
        let credentials = Credentials(authorization: head.headers.first(name: "authorization"), apiKey: head.headers.first(name: "x-api-key"))
        if peer == nil { peer = .some(ClientAddress(context.channel.remoteAddress)) }
        let clientAddress = peer ?? nil
        // Only the multipart routes read their content type (the form's boundary).
        let contentType = endpoint.takesMultipart ? head.headers.first(name: "content-type") : nil
        let limit = engine.maxBodyBytes(for: endpoint)
        let engineContext = engine.context(for: endpoint, requestID: requestID, logger: logger, clientAddress: clientAddress, contentType: contentType)
        // Trace headers are read only when the engine traces (decisions/0019).
        if engine.tracesRequests {
            engineContext.traceParent = head.headers.first(name: "traceparent")
            engineContext.traceState = head.headers.first(name: "tracestate")
        }
        switch engine.admit(engineContext, credentials: credentials, declaredBodyBytes: declared) {
        case .refused(let status, let headers, let body):
            // The announced body is read and dropped when that is cheap and unambiguous: bounded
            // by the limit, and not held back by `Expect: 100-continue` (the client may never
            // send it). Otherwise the connection ends after the answer.
            let readsOn = (declared ?? 0) <= limit && !Self.expectsContinue(head) && !Self.isChunked(head)
            answer((status, headers, body), requestID: requestID, head: head, readsOn: readsOn, context: context)
        case .admitted(let exchange):
            let initial = min(max(declared ?? 0, 0), Self.initialBodyCapacity)
            state = .collecting(Collected(exchange: exchange, head: head, body: context.channel.allocator.buffer(capacity: initial), limit: limit))
            startDeadline(.body, context: context)
            continueIfExpected(head, context: context)
        }
    }

    /// What a body buffer starts at: a typical chat body fits; larger ones grow as they arrive.
    static let initialBodyCapacity = 16 * 1024

    /// Answers a request whose body was not (wholly) read. `readsOn`: the rest of the body is
    /// read and dropped and the connection goes on; otherwise the connection is closed after the
    /// answer, as the unread body cannot be told apart from a next request.
    func answer(_ rendered: (status: Int, headers: [(String, String)], body: [UInt8]), requestID: String, head: HTTPRequestHead,
                readsOn: Bool, context: ChannelHandlerContext) {
        let keepAlive = readsOn && head.isKeepAlive
        // Closing: what was pipelined behind is not served. Going on: it is, in order, after.
        if !keepAlive { queued.removeAll() }
        state = .discarding(Discard(keepAlive: keepAlive))
        startDeadline(keepAlive ? .body : .write, context: context)
        let written = writeComplete(status: rendered.status, headers: Self.headers(rendered.headers, closing: !keepAlive), body: rendered.body,
                                    requestID: requestID, version: head.version, context: context)
        let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
        written.whenComplete { _ in
            let context = bound.value
            guard case .discarding(var discard) = self.state else { return }
            guard discard.keepAlive else { self.closeAfterAnswer(context: context); return }
            discard.answerWritten = true
            self.state = .discarding(discard)
            if discard.ended { self.finishDiscarding(context: context) }
        }
    }

    /// The early answer is written and the dropped body has ended: the connection goes on.
    private func finishDiscarding(context: ChannelHandlerContext) {
        cancelDeadline()
        state = .idle
        drain(context: context)
        if case .idle = state, queued.isEmpty, forwardedInFlight == 0 { becameIdle(context: context) }
    }

    static func isChunked(_ head: HTTPRequestHead) -> Bool {
        head.headers[canonicalForm: "transfer-encoding"].contains(where: { $0.lowercased().contains("chunked") })
    }

    static func expectsContinue(_ head: HTTPRequestHead) -> Bool {
        head.version == .http1_1 && head.headers[canonicalForm: "expect"].contains(where: { $0.lowercased() == "100-continue" })
    }

    /// `Expect: 100-continue` (RFC 9110 §10.1.1): clients such as curl send the headers of a
    /// large body and wait — a second, for curl — for `100 Continue` before sending it. Neither
    /// NIO nor Hummingbird answers it, so the data plane does, for every route.
    private func continueIfExpected(_ head: HTTPRequestHead, context: ChannelHandlerContext) {
        guard Self.expectsContinue(head) else { return }
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
            if case .discarding(let discard) = state, discard.ended { return }
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
        cancelTimers()
        // The client left: the answer being computed is not wanted any more.
        servingTask?.cancel()
        servingTask = nil
        // A body still arriving: its exchange is released here, completing as `clientGone`.
        if case .collecting = state { state = .idle }
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
            } else if forwardedInFlight == 0, case .idle = state {
                becameIdle(context: context)
            }
        }
    }

    // MARK: Serving

    private func serve(_ collected: Collected, context: ChannelHandlerContext) {
        let head = collected.head, exchange = collected.exchange
        let requestID = exchange.context.requestID
        let body = Array(collected.body.readableBytesView)
        let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
        let eventLoop = context.eventLoop
        let engine = self.engine
        if executor == nil { executor = EventLoopTaskExecutor(loop: eventLoop) }
        // HTTP/1.1 (RFC 9112 §9.6): a request with `Connection: close` (or an HTTP/1.0 request
        // without keep-alive) is the last one; the answer says so and the connection is closed
        // after it (Hummingbird does the same for the requests it serves).
        let closing = !head.isKeepAlive
        let version = head.version
        closeAfterServing = closing
        servingTask = Task(executorPreference: executor) {
            let reply = await engine.serve(exchange, body: .bytes(body))
            switch reply {
            case .complete(let status, let headers, let bytes):
                // Queued even though the task runs on this loop: writing inline measured ~5 µs
                // more CPU per request (decisions/0005), unlike stream writes.
                eventLoop.execute {
                    // A client that does not take its answer loses the connection (`.write`).
                    self.startDeadline(.write, context: bound.value)
                    // The next exchange starts once this answer is written out, so that a close or
                    // an end of input handed to Hummingbird next cannot drop its unwritten bytes.
                    let written = self.writeComplete(status: status, headers: Self.headers(headers, closing: closing), body: bytes, requestID: requestID,
                                                     version: version, context: bound.value)
                    written.whenComplete { _ in self.finishServing(context: bound.value) }
                }
            case .stream(let headers, let stream):
                await self.writeStream(stream, headers: Self.headers(headers, closing: closing), requestID: requestID, version: version,
                                       bound: bound, eventLoop: eventLoop)
                eventLoop.execute { self.finishServing(context: bound.value) }
            }
        }
    }

    /// An answer's headers, with `Connection: close` when the connection ends after it. Passed
    /// through otherwise: `headers + []` made a new array, a retain and a release per header.
    static func headers(_ headers: [(String, String)], closing: Bool) -> [(String, String)] {
        closing ? headers + [("Connection", "close")] : headers
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
    func writeComplete(status: Int, headers: [(String, String)], body: [UInt8], requestID: String, version: HTTPVersion,
                               context: ChannelHandlerContext) -> EventLoopFuture<Void> {
        guard isActive else { return context.eventLoop.makeSucceededVoidFuture() }
        context.write(wrapOutboundOut(.head(responseHead(status: status, headers: headers, requestID: requestID, contentLength: body.count,
                                                         version: version))), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: body)))), promise: nil)
        return context.writeAndFlush(wrapOutboundOut(.end(nil)))
    }

    private func finishServing(context: ChannelHandlerContext) {
        state = .idle
        servingTask = nil
        guard isActive else { return }
        if closeAfterServing {
            // Whatever the client sent after its last request is not served.
            queued.removeAll()
            context.close(promise: nil)
            return
        }
        drain(context: context)
        if case .idle = state, queued.isEmpty, forwardedInFlight == 0 { becameIdle(context: context) }
    }
}
