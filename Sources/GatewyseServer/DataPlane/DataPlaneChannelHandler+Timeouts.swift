import GatewyseCore
import NIOCore
import NIOHTTP1

/// The connection's clock. At most one deadline is pending at a time, because a connection is in
/// one phase at a time: idle between requests, receiving a head, receiving a body, or lingering
/// after an early answer. A client that stalls in any phase loses the connection without
/// holding anything else up (issue 10: slowloris, bodies that never end, idle sockets).
///
/// Setting a deadline costs an assignment, not a timer: timers are armed only when no armed one
/// fires at or before the new deadline, and a timer that fires early re-arms for the deadline then
/// current. On a keep-alive connection that means about one timer per timeout period instead of
/// two or three per request (scheduling and cancelling NIO timers per request measured tens of
/// µs of CPU, and cancelling is linear in the loop's timer count).
extension DataPlaneChannelHandler {
    enum DeadlineKind {
        /// No request in progress and no byte of one: close after `idleTimeout`.
        case idle
        /// Bytes of a head arrived, the head is not complete: close after `headerTimeout`.
        case header
        /// A head arrived, its body is not complete: 408 (or close) after `bodyTimeout`.
        case body
        /// An answer is being written and the client does not take it: close after `idleTimeout`.
        case write
        /// An early answer was written and the output closed: the unread rest of the request is
        /// drained briefly, so that closing does not reset the connection under the answer.
        case linger
    }

    /// Seconds to drain a refused request's unread bytes before closing for good.
    static let lingerSeconds = 2.0

    func startDeadline(_ kind: DeadlineKind, context: ChannelHandlerContext) {
        let seconds: Double = switch kind {
        case .idle, .write: settings.idleTimeout
        case .header: settings.headerTimeout
        case .body: settings.bodyTimeout
        case .linger: Self.lingerSeconds
        }
        let at = NIODeadline.now() + .milliseconds(Int64(seconds * 1000))
        deadline = (kind, at)
        if !armedTimers.contains(where: { $0.at <= at }) { arm(at, context: context) }
    }

    func cancelDeadline() {
        deadline = nil
    }

    /// The connection is gone: its timers go with it (they would keep the handler alive).
    func cancelTimers() {
        deadline = nil
        for armed in armedTimers { armed.timer.cancel() }
        armedTimers.removeAll()
    }

    private func arm(_ at: NIODeadline, context: ChannelHandlerContext) {
        let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
        let timer = context.eventLoop.scheduleTask(deadline: at) { self.timerFired(at, context: bound.value) }
        armedTimers.append((at, timer))
    }

    private func timerFired(_ at: NIODeadline, context: ChannelHandlerContext) {
        armedTimers.removeAll { $0.at == at }
        guard isActive, let current = deadline else { return }
        if current.at <= .now() {
            deadline = nil
            deadlinePassed(current.kind, context: context)
        } else if !armedTimers.contains(where: { $0.at <= current.at }) {
            arm(current.at, context: context)
        }
    }

    /// Between requests, with nothing queued or being written.
    func becameIdle(context: ChannelHandlerContext) {
        headStarted = false
        if quiescePending {
            quiescePending = false
            context.fireUserInboundEventTriggered(ChannelShouldQuiesceEvent())
        }
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
        switch (kind, state) {
        case (.body, .collecting(let collected)):
            logger.info("request body too slow", metadata: ["request_id": "\(collected.exchange.context.requestID)"])
            answer(engine.refuse(collected.exchange, .requestTimeout), requestID: collected.exchange.context.requestID, head: collected.head,
                   readsOn: false, context: context)
        case (.idle, .idle), (.header, .idle), (.body, .forwarding), (.body, .discarding), (.write, _), (.linger, _):
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
