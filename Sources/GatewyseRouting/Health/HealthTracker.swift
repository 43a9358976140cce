import Synchronization

/// Thread-safe health of every deployment: breaker decisions before an attempt, outcomes after,
/// snapshots for the planner, and a `healthEpoch` that changes whenever any deployment's status
/// does (route decision caches include it in their key).
///
/// All work under the lock is a few arithmetic operations; time-driven changes (a breaker's
/// cool-down ending, errors ageing out) are applied lazily by whichever call first sees a `now`
/// past the earliest pending review, so no timer or background task is needed.
public final class HealthTracker: Sendable {
    public let configuration: HealthConfiguration
    private let state: Mutex<State>

    private struct State: ~Copyable {
        var deployments: [String: DeploymentHealthState] = [:]
        /// What `snapshot` hands out, kept current entry by entry so taking a snapshot is a
        /// copy-on-write reference, not a rebuild.
        var published: [String: DeploymentHealth] = [:]
        var epoch: UInt64 = 0
        /// The earliest time any deployment's status could change without a new outcome.
        var nextReview: Double = .infinity
    }

    /// Most deployments tracked at once. Clients create deployments by naming any
    /// `provider/model`, so the table is bounded: past it, recording a new one forgets a
    /// healthy (else any) other, whose health simply starts over as unknown.
    public let maximumTracked: Int

    public init(configuration: HealthConfiguration = HealthConfiguration(), maximumTracked: Int = 10_000) {
        self.configuration = configuration
        self.maximumTracked = max(1, maximumTracked)
        self.state = Mutex(State())
    }

    /// Whether `id` may be called now. Unknown deployments are allowed without being stored.
    public func acquire(_ id: String, at now: Double) -> CircuitBreaker.Decision {
        state.withLock { state in
            Self.advance(&state, to: now)
            guard var entry = state.deployments[id] else { return .allow }
            let before = entry.status
            let decision = entry.acquire(at: now)
            Self.store(entry, id: id, previous: before, in: &state, at: now)
            return decision
        }
    }

    /// Records what an attempt taught us and returns the resulting status change, if any.
    @discardableResult
    public func record(_ id: String, _ outcome: AttemptOutcome, at now: Double) -> HealthUpdate {
        state.withLock { state in
            Self.advance(&state, to: now)
            // Every attempt comes here: the known deployment's state is changed where it lies
            // (one hash of the id, not three).
            if let position = state.deployments.index(forKey: id) {
                let before = state.deployments.values[position].status
                let transition = state.deployments.values[position].record(outcome, at: now)
                let entry = state.deployments.values[position]
                Self.publish(entry, id: id, previous: before, in: &state, at: now)
                return HealthUpdate(previousStatus: before, status: entry.status, transition: transition, healthEpoch: state.epoch)
            }
            if state.deployments.count >= maximumTracked { Self.evictOne(from: &state) }
            var entry = DeploymentHealthState(configuration: configuration)
            let before = entry.status
            let transition = entry.record(outcome, at: now)
            Self.store(entry, id: id, previous: before, in: &state, at: now)
            return HealthUpdate(previousStatus: before, status: entry.status, transition: transition, healthEpoch: state.epoch)
        }
    }

    /// Every tracked deployment's health at `now`, for the planner.
    public func snapshot(at now: Double) -> HealthSnapshot {
        state.withLock { state in
            Self.advance(&state, to: now)
            return HealthSnapshot(state.published)
        }
    }

    public func health(of id: String, at now: Double) -> DeploymentHealth {
        state.withLock { state in
            Self.advance(&state, to: now)
            return state.published[id] ?? DeploymentHealth()
        }
    }

    /// Increments whenever any deployment's status changes (including changes caused by time
    /// passing, applied at `now`).
    public func healthEpoch(at now: Double) -> UInt64 {
        state.withLock { state in
            Self.advance(&state, to: now)
            return state.epoch
        }
    }

    /// Forgets a deployment that left the configuration.
    public func remove(_ id: String) {
        state.withLock { state in
            if state.deployments.removeValue(forKey: id) != nil {
                state.published.removeValue(forKey: id)
                state.epoch &+= 1
            }
        }
    }

    /// How many deployments have state now (at most `maximumTracked`).
    public var trackedCount: Int { state.withLock { $0.deployments.count } }

    /// Only on the overflow path (a client naming ever new models): a linear scan is fine.
    private static func evictOne(from state: inout State) {
        let victim = state.deployments.first { $0.value.status == .healthy || $0.value.status == .unknown }?.key
            ?? state.deployments.keys.first
        guard let victim else { return }
        state.deployments.removeValue(forKey: victim)
        state.published.removeValue(forKey: victim)
        state.epoch &+= 1
    }

    private static func store(_ entry: DeploymentHealthState, id: String, previous: HealthStatus, in state: inout State, at now: Double) {
        state.deployments[id] = entry
        publish(entry, id: id, previous: previous, in: &state, at: now)
    }

    /// What the planner reads of a deployment whose state is already stored.
    private static func publish(_ entry: DeploymentHealthState, id: String, previous: HealthStatus, in state: inout State, at now: Double) {
        state.published[id] = entry.health(at: now)
        if entry.status != previous { state.epoch &+= 1 }
        if let review = entry.nextReview(after: now), review < state.nextReview { state.nextReview = review }
    }

    private static func advance(_ state: inout State, to now: Double) {
        guard now >= state.nextReview else { return }
        var next = Double.infinity
        for id in Array(state.deployments.keys) {
            guard var entry = state.deployments[id] else { continue }
            let before = entry.status
            entry.advance(to: now)
            state.deployments[id] = entry
            if entry.status != before {
                state.epoch &+= 1
                state.published[id] = entry.health(at: now)
            }
            if let review = entry.nextReview(after: now), review < next { next = review }
        }
        state.nextReview = next
    }
}

/// The effect of one recorded outcome.
public struct HealthUpdate: Sendable, Hashable {
    public var previousStatus: HealthStatus
    public var status: HealthStatus
    public var transition: CircuitBreaker.Transition?
    /// The epoch after this update.
    public var healthEpoch: UInt64

    public var statusChanged: Bool { previousStatus != status }
}
