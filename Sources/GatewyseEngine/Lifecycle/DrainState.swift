import Synchronization

/// Graceful shutdown as the request path sees it (decisions/0015): once `begin` is called,
/// readiness answers 503, and past the deadline every stream still open ends at its next
/// chunk with an in-band `SHUTTING_DOWN` error, so the listener's drain finishes in time.
/// Reading it is one atomic load per stream chunk.
public final class DrainState: Sendable {
    private let origin = ContinuousClock.now
    /// Nanoseconds after `origin`; `Int64.max` while not draining.
    private let deadline = Atomic<Int64>(.max)
    private let started = Atomic<Bool>(false)
    /// Streams open now (`InferenceStream`s not yet released): what a drain waits for.
    private let streams = Atomic<Int>(0)

    /// Rung when the drain begins: what waits for it need not poll `isDraining` (decisions/0037).
    public let began = Doorbell()

    public init() {}

    public var isDraining: Bool { started.load(ordering: .relaxed) }

    /// Starts the drain: streams still open after `timeout` are ended.
    public func begin(timeout: Duration) {
        guard started.compareExchange(expected: false, desired: true, ordering: .relaxed).exchanged else { return }
        deadline.store(Self.nanoseconds(ContinuousClock.now - origin + timeout), ordering: .relaxed)
        began.ring()
    }

    /// Whether the drain's deadline has passed.
    public var isPastDeadline: Bool {
        let deadline = deadline.load(ordering: .relaxed)
        guard deadline != .max else { return false }
        return Self.nanoseconds(ContinuousClock.now - origin) >= deadline
    }

    public var openStreams: Int { streams.load(ordering: .relaxed) }

    func streamOpened() { streams.add(1, ordering: .relaxed) }
    func streamClosed() { streams.subtract(1, ordering: .relaxed) }

    private static func nanoseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return seconds &* 1_000_000_000 &+ attoseconds / 1_000_000_000
    }
}
