import GatewyseEngine
import NIOCore
import NIOHTTP1

/// Runs one HTTP/1.1 exchange at a time on a pooled upstream connection. Everything happens on
/// the channel's event loop; the caller gets the response head through a continuation and the
/// body through an `UpstreamBodyStream`.
final class UpstreamHTTPHandler: ChannelDuplexHandler, @unchecked Sendable {
    // @unchecked: state is only touched on the channel's event loop.
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundIn = HTTPClientRequestPart
    typealias OutboundOut = HTTPClientRequestPart

    /// One request in flight. Confined to the channel's event loop like the handler.
    final class Exchange: @unchecked Sendable {
        typealias Answer = UnsafeContinuation<(HTTPResponseHead, UpstreamBodyStream), any Error>
        /// The caller, waiting for the head; nil once told, so it is resumed exactly once (the
        /// only two places that resume it clear it, on the one event loop). Not an
        /// `EventLoopPromise`: its future, the callback that `get()` adds and the continuation
        /// behind it were allocations more per request, and the future's generic metadata was
        /// looked up when it was made and again when it was freed; not a checked continuation,
        /// whose canary is one more allocation.
        private var caller: Answer?
        var body: UpstreamBodyStream?
        var receivedAnything = false
        var keepAlive = true
        let idleTimeout: TimeAmount
        /// When the whole exchange must be over, whatever the activity.
        let deadline: NIODeadline
        var lastActivity: NIODeadline

        init(caller: Answer, idleTimeout: TimeAmount, deadline: NIODeadline) {
            self.caller = caller
            self.idleTimeout = idleTimeout
            self.deadline = deadline
            self.lastActivity = .now()
        }

        /// The nearer of the two limits: the first-byte (idle) timeout after the last
        /// activity, and the whole exchange's deadline.
        var nextLimit: NIODeadline { min(lastActivity + idleTimeout, deadline) }

        func deliver(_ head: HTTPResponseHead, _ body: UpstreamBodyStream) {
            caller?.resume(returning: (head, body))
            caller = nil
        }

        /// Tells a caller still waiting for the head; one already answered hears through the body.
        func fail(_ error: any Error) {
            caller?.resume(throwing: error)
            caller = nil
        }
    }

    private var exchange: Exchange?
    /// The connection's one timer, which watches both limits of whichever exchange is running
    /// when it fires. It outlives exchanges: an exchange that starts while it is armed to fire
    /// no later than that exchange's nearer limit arms nothing, and the timer re-arms for the
    /// remainder when it fires early. A schedule and a cancel per exchange (an allocation, a
    /// future, and a linear search of the loop's timer queue to cancel) cost ~1 µs per request;
    /// now a connection schedules about once per first-byte timeout.
    private var armed: (at: NIODeadline, timer: Scheduled<Void>)?
    private var readPending = false
    private var paused = false
    /// Called when an exchange ends cleanly and the connection can serve another.
    var onReusable: ((Channel) -> Void)?
    #if DEBUG
    /// Tests only: every exchange and body stream, to check that none outlives its request.
    var live: LiveObjects?
    #endif

    // MARK: Starting an exchange (on the event loop)

    func start(context: ChannelHandlerContext, head: HTTPRequestHead, body: ByteBuffer,
               idleTimeout: TimeAmount, deadline: NIODeadline, answer: Exchange.Answer) {
        precondition(exchange == nil, "one exchange at a time per connection")
        // Closed in the meantime (the caller's task was cancelled, or the upstream hung up while
        // the start was queued): fail now, not at the first-byte timeout.
        guard context.channel.isActive else {
            answer.resume(throwing: UpstreamTransportError.connectionClosed)
            return
        }
        let exchange = Exchange(caller: answer, idleTimeout: idleTimeout, deadline: deadline)
        self.exchange = exchange
        watch(until: exchange.nextLimit, context: context)
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        context.read()
    }

    /// Makes sure the timer fires by `at`.
    private func watch(until at: NIODeadline, context: ChannelHandlerContext) {
        if let armed, armed.at <= at { return }
        armed?.timer.cancel()
        let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
        let timer = context.eventLoop.scheduleTask(deadline: at) { [weak self] () -> Void in
            self?.timerFired(at, context: loopBound.value)
        }
        armed = (at, timer)
    }

    private func timerFired(_ at: NIODeadline, context: ChannelHandlerContext) {
        // A timer replaced by an earlier one may still run once: the current one decides.
        guard armed?.at == at else { return }
        armed = nil
        // Idle in the pool: nothing to watch until the next exchange arms it again.
        guard let exchange else { return }
        if exchange.nextLimit > NIODeadline.now() {
            watch(until: exchange.nextLimit, context: context)
        } else {
            failExchange(context: context, error: UpstreamTransportError.timedOut)
        }
    }

    // MARK: Inbound

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard let exchange else {
            // Bytes from an idle connection answer no request: the connection is out of step.
            context.close(promise: nil)
            return
        }
        exchange.lastActivity = .now()
        exchange.receivedAnything = true
        switch unwrapInboundIn(data) {
        case .head(let head):
            exchange.keepAlive = head.isKeepAlive
            let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
            let eventLoop = context.eventLoop
            // The handler strongly, on purpose: it lives as long as its channel, and lets go of
            // the exchange when it ends. Never the exchange, which holds the stream: that cycle
            // leaked every exchange. Its stream stands for it in the check below.
            let stream = UpstreamBodyStream { stream, consumerGone in
                if consumerGone {
                    eventLoop.execute {
                        // The client went away mid-body: this connection cannot be reused.
                        // Only this exchange's: the connection may already serve the next one.
                        if self.exchange?.body === stream { self.failExchange(context: loopBound.value, error: CancellationError()) }
                    }
                } else {
                    // Apart, so that this frequent one does not hold the stream until it runs.
                    eventLoop.execute { self.resume(context: loopBound.value) }
                }
            }
            exchange.body = stream
            #if DEBUG
            live?.track(exchange)
            live?.track(stream)
            #endif
            exchange.deliver(head, stream)
        case .body(let buffer):
            if exchange.body?.append(buffer) == false { paused = true }
        case .end:
            // Back in the pool before the reader hears of the end: a caller on another thread
            // that sends its next request at once then finds this connection idle.
            finishExchange(context: context, exchange: exchange)
            exchange.body?.finish()
        }
    }

    /// Reading stays on between exchanges, while the connection idles in the pool: dropping and
    /// re-adding the socket's read interest would cost two `epoll_ctl` calls per request, and an
    /// upstream closing an idle connection is noticed at once instead of on its next use.
    func channelReadComplete(context: ChannelHandlerContext) {
        if !paused { context.read() }
    }

    func read(context: ChannelHandlerContext) {
        if paused { readPending = true } else { context.read() }
    }

    private func resume(context: ChannelHandlerContext) {
        guard paused else { return }
        paused = false
        if readPending { readPending = false }
        context.read()
    }

    func channelInactive(context: ChannelHandlerContext) {
        failExchange(context: context, error: UpstreamTransportError.connectionClosed)
        // Every way a connection ends comes through here: its timer would otherwise hold the
        // channel's context until it fired.
        armed?.timer.cancel()
        armed = nil
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        failExchange(context: context, error: error is UpstreamTransportError ? error : UpstreamTransportError.connectionClosed)
        context.close(promise: nil)
    }

    // MARK: Ending

    private func finishExchange(context: ChannelHandlerContext, exchange: Exchange) {
        self.exchange = nil
        paused = false
        if exchange.keepAlive, context.channel.isActive {
            onReusable?(context.channel)
        } else {
            context.close(promise: nil)
        }
    }

    private func failExchange(context: ChannelHandlerContext, error: any Error) {
        guard let exchange else { return }
        self.exchange = nil
        // A connection closed before any response byte: on a reused connection the upstream
        // most likely dropped it while idle, and the request can be sent again.
        let transportError: any Error = (error as? UpstreamTransportError) == .connectionClosed && !exchange.receivedAnything
            ? ClosedBeforeResponse() : error
        exchange.fail(transportError)
        exchange.body?.fail(transportError)
        context.close(promise: nil)
    }

}

/// The connection closed before any byte of the response arrived.
struct ClosedBeforeResponse: Error {}
