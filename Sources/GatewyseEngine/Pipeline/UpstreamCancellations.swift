import GatewyseProviders
import Synchronization

/// The cancel calls of upstream jobs the gateway gave up on (a Replicate prediction whose
/// client left, whose deadline passed or whose attempt failed over), waiting for the server's
/// `UpstreamCancellationService` to send them. A queue rather than a call on the spot: a client
/// that leaves cancels the task serving it, and a cancelled task starts no upstream call; nor
/// should a failover wait for one. Bounded: past `capacity` the oldest call is dropped and
/// counted (the job then runs to its end upstream, as it would have without the call).
public final class UpstreamCancellations: Sendable {
    private struct State {
        var queue: [UpstreamRequest] = []
        var dropped = 0
        var submitted = 0
    }
    private let state = Mutex(State())
    public let capacity: Int
    /// Rung by every `submit`: the service that sends the calls waits on it (decisions/0037).
    public let waiting = Doorbell()

    public init(capacity: Int = 1_024) {
        self.capacity = max(capacity, 1)
    }

    public func submit(_ request: UpstreamRequest) {
        state.withLock {
            if $0.queue.count >= capacity {
                $0.queue.removeFirst()
                $0.dropped += 1
            }
            $0.queue.append(request)
            $0.submitted += 1
        }
        waiting.ring()
    }

    /// Every call waiting, oldest first; the queue is empty afterwards.
    public func take() -> [UpstreamRequest] {
        state.withLock { state in
            defer { state.queue.removeAll(keepingCapacity: true) }
            return state.queue
        }
    }

    /// Calls waiting now.
    public var pendingCount: Int { state.withLock { $0.queue.count } }
    /// Calls submitted since start (sent or not).
    public var submittedCount: Int { state.withLock { $0.submitted } }
    /// Calls dropped because the queue was full.
    public var droppedCount: Int { state.withLock { $0.dropped } }
}
