import GatewyseCore
import GatewyseStorage
import Synchronization

/// The live requests feed (the dashboard's "Live requests", `GET /api/admin/requests/live`):
/// each completed request, as it completes, to every subscriber allowed to see its tenant.
///
/// A completion observer on the request path: with nobody watching (the usual case) it costs one
/// relaxed atomic load per request; with watchers, the usage record of the event (built only
/// then) goes to each matching subscriber's bounded buffer. A subscriber that reads slowly
/// loses the oldest entries, never holds a request up. This replica's requests only: on several
/// replicas, each feed shows what its replica served (the usage report sums them all).
public final class RequestFeed: CompletionObserver, Sendable {
    /// What a subscriber receives.
    public enum Event: Sendable {
        /// First, at once: the subscription is in place.
        case connected
        case request(UsageRecord)
        /// Nothing happened for a while: lets the transport find out whether the client is still there.
        case heartbeat
    }

    private struct Subscriber: Sendable {
        let tenants: UsageTenants
        let continuation: AsyncStream<Event>.Continuation
    }

    /// Entries a subscriber may fall behind by before the oldest are dropped.
    public static let buffer = 256

    private let watching = Atomic<Int>(0)
    private let state = Mutex<(next: Int, closed: Bool, subscribers: [Int: Subscriber])>((0, false, [:]))
    private let clock: @Sendable () -> Int64

    public init(clock: @escaping @Sendable () -> Int64 = UnixClock.milliseconds) {
        self.clock = clock
    }

    /// How many subscribers are connected.
    public var subscriberCount: Int { watching.load(ordering: .relaxed) }

    public func requestCompleted(_ event: CompletionEvent) {
        guard watching.load(ordering: .relaxed) > 0 else { return }
        // The usage recorder mints its own record id; the feed's records carry none.
        guard let record = UsageRecord(event, id: "", time: clock()) else { return }
        let targets = state.withLock { state in
            state.subscribers.values.filter { $0.tenants.includes(record.tenantID) }.map(\.continuation)
        }
        for continuation in targets { continuation.yield(.request(record)) }
    }

    /// The requests of `tenants` from now on, until the subscriber stops reading or `close()`.
    public func subscribe(tenants: UsageTenants) -> AsyncStream<Event> {
        let (stream, continuation) = AsyncStream<Event>.makeStream(bufferingPolicy: .bufferingNewest(Self.buffer))
        let id: Int? = state.withLock { state in
            guard !state.closed else { return nil }
            state.next += 1
            state.subscribers[state.next] = Subscriber(tenants: tenants, continuation: continuation)
            return state.next
        }
        guard let id else {
            continuation.finish()
            return stream
        }
        watching.add(1, ordering: .relaxed)
        continuation.yield(.connected)
        continuation.onTermination = { [weak self] _ in self?.remove(id) }
        return stream
    }

    /// Sends a heartbeat to every subscriber.
    public func heartbeat() {
        for continuation in state.withLock({ $0.subscribers.values.map(\.continuation) }) { continuation.yield(.heartbeat) }
    }

    /// Ends every subscription and refuses new ones (the process is draining: open feeds must
    /// not hold the shutdown up).
    public func close() {
        let all = state.withLock { state in
            state.closed = true
            return state.subscribers.values.map(\.continuation)
        }
        for continuation in all { continuation.finish() }
    }

    private func remove(_ id: Int) {
        let removed = state.withLock { $0.subscribers.removeValue(forKey: id) != nil }
        if removed { watching.subtract(1, ordering: .relaxed) }
    }
}

extension UsageTenants {
    /// Whether a record of `tenantID` belongs to this view.
    public func includes(_ tenantID: String) -> Bool {
        switch self {
        case .all: true
        case .one(let id): id == tenantID
        }
    }
}
