import Synchronization

/// Caps the inference requests in flight across the process (`server.max_in_flight`): past it a
/// request is refused at once with 503 `OVERLOADED` and `Retry-After`, instead of queueing work
/// the gateway cannot finish in time. A slot is taken at admission and given back by the
/// request's completion event, which fires exactly once.
final class InFlightLimiter: Sendable {
    let limit: Int
    private let count = Atomic<Int>(0)

    init(limit: Int) {
        self.limit = limit
    }

    var inFlight: Int { count.load(ordering: .relaxed) }

    /// Takes a slot, or returns false when all are taken.
    func acquire() -> Bool {
        let after = count.wrappingAdd(1, ordering: .acquiringAndReleasing).newValue
        if after <= limit { return true }
        count.wrappingSubtract(1, ordering: .acquiringAndReleasing)
        return false
    }

    func release() {
        count.wrappingSubtract(1, ordering: .acquiringAndReleasing)
    }
}
