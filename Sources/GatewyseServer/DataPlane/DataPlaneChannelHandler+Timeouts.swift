import GatewyseCore
import NIOCore
import NIOHTTP1

/// The connection's clock. At most one deadline is pending at a time, because a connection is in
/// one phase at a time: idle between requests, receiving a head, receiving a body, or lingering
/// after an early answer. A client that stalls in any phase loses the connection without
/// holding anything else up (issue 10: slowloris, bodies that never end, idle sockets).
extension DataPlaneChannelHandler {
    enum DeadlineKind {
        /// No request in progress and no byte of one: close after `idleTimeout`.
        case idle
        /// Bytes of a head arrived, the head is not complete: close after `headerTimeout`.
        case header
        /// A head arrived, its body is not complete: 408 (or close) after `bodyTimeout`.
        case body
        /// An early answer was written and the output closed: the unread rest of the request is
        /// drained briefly, so that closing does not reset the connection under the answer.
        case linger
    }

    /// Seconds to drain a refused request's unread bytes before closing for good.
    static let lingerSeconds = 2.0

    func startDeadline(_ kind: DeadlineKind, context: ChannelHandlerContext) {
        cancelDeadline()
        let seconds: Double = switch kind {
        case .idle: settings.idleTimeout
        case .header: settings.headerTimeout
        case .body: settings.bodyTimeout
        case .linger: Self.lingerSeconds
        }
        let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
        let timer = context.eventLoop.scheduleTask(in: .milliseconds(Int64(seconds * 1000))) {
            self.deadlinePassed(kind, context: bound.value)
        }
        deadline = (kind, timer)
    }

    func cancelDeadline() {
        deadline?.timer.cancel()
        deadline = nil
    }

    /// Between requests, with nothing queued or being written.
    func becameIdle(context: ChannelHandlerContext) {
        headStarted = false
        startDeadline(.idle, context: context)
    }

    func headArrived(context: ChannelHandlerContext) {
        headStarted = false
        cancelDeadline()
    }

    /// Every socket read passes here, including reads that completed no request part: that is how
    /// a head arriving byte by byte is seen before it is complete.
    func channelReadComplete(context: ChannelHandlerContext) {
        if case .idle = state, forwardedInFlightIsZero, queuedIsEmpty, !headStarted, isActive {
            headStarted = true
            startDeadline(.header, context: context)
        }
        context.fireChannelReadComplete()
    }

    private func deadlinePassed(_ kind: DeadlineKind, context: ChannelHandlerContext) {
        deadline = nil
        guard isActive else { return }
        switch (kind, state) {
        case (.body, .collecting(let collected)):
            logger.info("request body too slow", metadata: ["request_id": "\(collected.exchange.context.requestID)"])
            answer(engine.refuse(collected.exchange, .requestTimeout), requestID: collected.exchange.context.requestID, head: collected.head,
                   readsOn: false, context: context)
        case (.idle, .idle), (.header, .idle), (.body, .forwarding), (.body, .discarding), (.linger, _):
            context.close(promise: nil)
        default:
            // The phase moved on (a request is being served): its own end re-arms the clock.
            break
        }
    }

    /// After an early answer: close the output, drain what the client still sends for a moment,
    /// then close.
    func closeAfterAnswer(context: ChannelHandlerContext) {
        guard isActive else { return }
        context.close(mode: .output, promise: nil)
        startDeadline(.linger, context: context)
    }
}
