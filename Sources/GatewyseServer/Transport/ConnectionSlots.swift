import GatewyseEngine
import NIOConcurrencyHelpers
import NIOCore

/// Caps the connections open to one upstream origin (`upstream.max_connections_per_host`), across
/// event loops: a request that needs a new connection past the cap waits, in arrival order, for
/// one to close — at most the connect timeout, then it fails as a connect failure would (and the
/// route executor fails over). A burst of clients cannot open thousands of sockets to one
/// provider, nor exhaust the gateway's own file descriptors.
final class ConnectionSlots: Sendable {
    let limit: Int

    private struct Waiter {
        var id: UInt64
        var continuation: CheckedContinuation<Void, any Error>
        var timer: Scheduled<Void>?
    }

    private struct PerOrigin {
        var open = 0
        var waiters: [Waiter] = []
    }

    private struct State {
        var origins: [NIOUpstreamTransport.Origin: PerOrigin] = [:]
        var nextID: UInt64 = 0
    }

    private let state = NIOLockedValueBox(State())

    init(limit: Int) {
        self.limit = max(1, limit)
    }

    /// Takes a slot for a new connection to `origin`, waiting up to `timeout` seconds for one.
    /// `onWait` runs when the request has to wait (the transport frees an idle connection).
    func acquire(_ origin: NIOUpstreamTransport.Origin, timeout: Double, on loop: any EventLoop,
                 onWait: @Sendable () -> Void) async throws {
        let id: UInt64? = state.withLockedValue { state in
            if state.origins[origin, default: PerOrigin()].open < limit, state.origins[origin]?.waiters.isEmpty ?? true {
                state.origins[origin, default: PerOrigin()].open += 1
                return nil
            }
            state.nextID &+= 1
            return state.nextID
        }
        guard let id else { return }
        onWait()
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                // Decided and queued in one critical section: a slot freed in between is not lost.
                let granted: Bool = state.withLockedValue { state in
                    var entry = state.origins[origin, default: PerOrigin()]
                    defer { state.origins[origin] = entry }
                    if entry.open < limit, entry.waiters.isEmpty {
                        entry.open += 1
                        return true
                    }
                    entry.waiters.append(Waiter(id: id, continuation: continuation, timer: nil))
                    return false
                }
                if granted { continuation.resume(); return }
                let timer = loop.scheduleTask(in: .milliseconds(Int64(timeout * 1000))) {
                    self.abandon(origin, id: id, with: UpstreamTransportError.connectFailed("too many connections to the host; none freed in time"))
                }
                let stillWaiting = state.withLockedValue { state -> Bool in
                    guard let index = state.origins[origin]?.waiters.firstIndex(where: { $0.id == id }) else { return false }
                    state.origins[origin]?.waiters[index].timer = timer
                    return true
                }
                if !stillWaiting { timer.cancel() }
                // Cancelled before it was queued: `onCancel` found nothing to remove.
                if Task.isCancelled { self.abandon(origin, id: id, with: CancellationError()) }
            }
        } onCancel: {
            self.abandon(origin, id: id, with: CancellationError())
        }
    }

    /// A waiter that gives up (timeout, cancellation) leaves the queue; if it already got its
    /// slot in the meantime, nothing happens here.
    private func abandon(_ origin: NIOUpstreamTransport.Origin, id: UInt64, with error: any Error) {
        let waiter: Waiter? = state.withLockedValue { state in
            guard let index = state.origins[origin]?.waiters.firstIndex(where: { $0.id == id }) else { return nil }
            return state.origins[origin]?.waiters.remove(at: index)
        }
        waiter?.timer?.cancel()
        waiter?.continuation.resume(throwing: error)
    }

    /// A connection to `origin` closed (or never opened): its slot goes to the first waiter.
    func release(_ origin: NIOUpstreamTransport.Origin) {
        let waiter: Waiter? = state.withLockedValue { state in
            guard var entry = state.origins[origin] else { return nil }
            defer { state.origins[origin] = entry.open == 0 && entry.waiters.isEmpty ? nil : entry }
            if entry.waiters.isEmpty {
                entry.open = max(0, entry.open - 1)
                return nil
            }
            return entry.waiters.removeFirst()  // the slot passes on: `open` is unchanged
        }
        waiter?.timer?.cancel()
        waiter?.continuation.resume()
    }

    /// Whether requests wait for a connection to `origin`: an idle connection is then closed
    /// rather than pooled, so its slot serves them (pooled connections belong to one loop).
    func hasWaiters(_ origin: NIOUpstreamTransport.Origin) -> Bool {
        state.withLockedValue { !($0.origins[origin]?.waiters.isEmpty ?? true) }
    }

    func openConnections(to origin: NIOUpstreamTransport.Origin) -> Int {
        state.withLockedValue { $0.origins[origin]?.open ?? 0 }
    }
}
