import GatewyseCore
import Synchronization

/// What a routing decision depends on besides the request: who asks, for what, which model, and
/// the versions of the two things that change under it. Health and configuration changes make
/// new keys, so stale decisions are never hit and age out of the LRU; the invalidation methods
/// free them eagerly.
public struct RouteDecisionKey: Sendable, Hashable {
    public var tenant: String
    public var capability: Capability
    public var model: String
    /// `HealthTracker.healthEpoch(at:)` when the decision was made.
    public var healthEpoch: UInt64
    /// Bumped by the engine on every configuration load or admin change.
    public var configVersion: UInt64

    public init(tenant: String, capability: Capability, model: String, healthEpoch: UInt64, configVersion: UInt64) {
        self.tenant = tenant
        self.capability = capability
        self.model = model
        self.healthEpoch = healthEpoch
        self.configVersion = configVersion
    }
}

/// A thread-safe bounded LRU of routing decisions. `Value` is whatever the engine caches:
/// usually the resolved candidate list (the strategy then runs per request), or a finished plan
/// for strategies where `RoutingStrategyKind.isPlanCacheable`.
public final class RouteDecisionCache<Value: Sendable>: Sendable {
    private let cache: Mutex<LRUCache<RouteDecisionKey, Value>>
    public let capacity: Int

    public init(capacity: Int = 1_024) {
        self.capacity = capacity
        self.cache = Mutex(LRUCache(capacity: capacity))
    }

    public func value(for key: RouteDecisionKey) -> Value? {
        cache.withLock { $0.value(for: key) }
    }

    public func setValue(_ value: Value, for key: RouteDecisionKey) {
        cache.withLock { _ = $0.setValue(value, for: key) }
    }

    public var count: Int { cache.withLock { $0.count } }

    /// Drops everything (a configuration reload).
    public func invalidateAll() {
        cache.withLock { $0.removeAll() }
    }

    /// Drops one tenant's decisions (its routes were edited).
    public func invalidate(tenant: String) {
        cache.withLock { lru in lru.removeAll { $0.tenant == tenant } }
    }

    /// Drops decisions made under an older health epoch or configuration version: they can no
    /// longer be hit, only take room.
    public func invalidate(olderThanHealthEpoch healthEpoch: UInt64, configVersion: UInt64) {
        cache.withLock { lru in lru.removeAll { $0.healthEpoch < healthEpoch || $0.configVersion < configVersion } }
    }
}
