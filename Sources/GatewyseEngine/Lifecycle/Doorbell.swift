import Synchronization

/// Wakes a background service's loop when there is work for it, so that the loop need not poll
/// (decisions/0037). The loop waits on `wait(upTo:)`; whoever hands it work calls `ring()`.
/// A ring while nobody waits is kept — one, however many rings — so the next wait returns at
/// once and no ring is lost between a loop's wait and its work.
///
/// Why: the services used to look at their queues every 50–250 ms. Each wake of a sleeping
/// task crosses Dispatch's timer thread and an event loop, and those polls cost an idle gateway
/// ~10 ms of CPU a second, which load paid too (several µs per request at a few thousand per
/// second).
///
/// One waiter at a time (a service's own loop); `ring()` is a lock and a flag, cheap enough for
/// the request path when it rings rarely (once per usage batch, once per cancel call).
public final class Doorbell: Sendable {
    private struct State {
        var rung = false
        /// The waiting loop, with the number of the wait it belongs to.
        var waiter: (wait: UInt64, continuation: CheckedContinuation<Void, Never>)?
        /// Waits whose task was cancelled before their continuation was stored.
        var cancelledWait: UInt64?
        var waits: UInt64 = 0
    }

    private let state = Mutex(State())

    public init() {}

    /// Wakes the waiting loop, or the next wait when none is waiting.
    public func ring() {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard let waiter = state.waiter else {
                state.rung = true
                return nil
            }
            state.waiter = nil
            return waiter.continuation
        }
        waiter?.resume()
    }

    /// Returns when rung (at once if rung since the last wait) or once `timeout` has passed,
    /// whichever comes first. Throws `CancellationError` when the waiting task is cancelled.
    public func wait(upTo timeout: Duration) async throws {
        if state.withLock({ state in
            defer { state.rung = false }
            return state.rung
        }) { return }
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await Task.sleep(for: timeout) }
            group.addTask { await self.rang() }
            // The first to finish decides; a cancelled wait ends both children with the sleep's error.
            _ = try await group.next()
            group.cancelAll()
        }
        try Task.checkCancellation()
    }

    private func rang() async {
        let wait = state.withLock { state in
            state.waits &+= 1
            return state.waits
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let now = state.withLock { state -> Bool in
                    if state.cancelledWait == wait || state.rung {
                        state.rung = false
                        return true
                    }
                    state.waiter = (wait, continuation)
                    return false
                }
                if now { continuation.resume() }
            }
        } onCancel: {
            let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
                guard let waiter = state.waiter, waiter.wait == wait else {
                    // Not stored yet: the continuation sees this and returns at once.
                    state.cancelledWait = wait
                    return nil
                }
                state.waiter = nil
                return waiter.continuation
            }
            waiter?.resume()
        }
    }
}
