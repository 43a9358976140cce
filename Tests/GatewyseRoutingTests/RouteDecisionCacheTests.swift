import GatewyseCore
import Testing
@testable import GatewyseRouting

@Suite struct RouteDecisionCacheTests {
    private func key(_ tenant: String, model: String = "gpt", epoch: UInt64 = 0, config: UInt64 = 0) -> RouteDecisionKey {
        RouteDecisionKey(tenant: tenant, capability: .chat, model: model, healthEpoch: epoch, configVersion: config)
    }

    @Test func evictsTheLeastRecentlyUsed() {
        var lru = LRUCache<String, Int>(capacity: 3)
        lru.setValue(1, for: "a")
        lru.setValue(2, for: "b")
        lru.setValue(3, for: "c")
        #expect(lru.value(for: "a") == 1)                // a is now the most recent
        #expect(lru.setValue(4, for: "d") == "b")        // so b goes
        #expect(lru.keysByRecency == ["d", "a", "c"])
        #expect(lru.peek("b") == nil)
        #expect(lru.count == 3)
        lru.setValue(30, for: "c")                       // replacing refreshes too
        #expect(lru.setValue(5, for: "e") == "a")
        #expect(lru.keysByRecency == ["e", "c", "d"])
        #expect(lru.peek("c") == 30)
    }

    @Test func removalFreesASlotThatIsReused() {
        var lru = LRUCache<String, Int>(capacity: 2)
        lru.setValue(1, for: "a")
        lru.setValue(2, for: "b")
        #expect(lru.removeValue(for: "a") == 1)
        #expect(lru.setValue(3, for: "c") == nil)        // no eviction: the freed slot is used
        #expect(lru.keysByRecency == ["c", "b"])
        lru.removeAll()
        #expect(lru.count == 0)
        #expect(lru.keysByRecency.isEmpty)
        lru.setValue(1, for: "x")
        #expect(lru.value(for: "x") == 1)
    }

    @Test func aNewHealthEpochOrConfigVersionMisses() {
        let cache = RouteDecisionCache<[String]>(capacity: 8)
        cache.setValue(["groq/llama"], for: key("t1", epoch: 1, config: 1))
        #expect(cache.value(for: key("t1", epoch: 1, config: 1)) == ["groq/llama"])
        #expect(cache.value(for: key("t1", epoch: 2, config: 1)) == nil)
        #expect(cache.value(for: key("t1", epoch: 1, config: 2)) == nil)
        #expect(cache.value(for: RouteDecisionKey(tenant: "t1", capability: .embeddings, model: "gpt", healthEpoch: 1, configVersion: 1)) == nil)
    }

    @Test func invalidationIsTargeted() {
        let cache = RouteDecisionCache<Int>(capacity: 8)
        cache.setValue(1, for: key("t1", epoch: 1))
        cache.setValue(2, for: key("t2", epoch: 1))
        cache.setValue(3, for: key("t2", epoch: 2))
        cache.invalidate(tenant: "t1")
        #expect(cache.value(for: key("t1", epoch: 1)) == nil)
        #expect(cache.count == 2)
        cache.invalidate(olderThanHealthEpoch: 2, configVersion: 0)
        #expect(cache.value(for: key("t2", epoch: 1)) == nil)
        #expect(cache.value(for: key("t2", epoch: 2)) == 3)
        cache.invalidateAll()
        #expect(cache.count == 0)
    }

    @Test func staysWithinCapacity() {
        let cache = RouteDecisionCache<Int>(capacity: 4)
        for i in 0..<100 { cache.setValue(i, for: key("t\(i)")) }
        #expect(cache.count == 4)
        #expect(cache.value(for: key("t99")) == 99)
        #expect(cache.value(for: key("t95")) == nil)
    }

    @Test func onlyOrderOnlyStrategiesCacheWholePlans() {
        #expect(RoutingStrategyKind.allCases.filter(\.isPlanCacheable) == [.priority, .failover])
    }
}
