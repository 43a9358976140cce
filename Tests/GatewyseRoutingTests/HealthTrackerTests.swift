import Testing
@testable import GatewyseRouting

@Suite struct HealthTrackerTests {
    @Test func ewmaWeighsRecentSamples() {
        var ewma = LatencyEWMA(alpha: 0.3)
        #expect(ewma.value == nil)
        ewma.record(0.100)
        #expect(ewma.value == 0.100)
        ewma.record(0.200)
        #expect(approximately(ewma.value!, 0.130))    // 0.1 + 0.3·(0.2 − 0.1)
        ewma.record(0.100)
        #expect(approximately(ewma.value!, 0.121))    // 0.13 + 0.3·(0.1 − 0.13)
        #expect(ewma.sampleCount == 3)
    }

    @Test func errorRateSlidesOutOfTheWindow() {
        var window = ErrorRateWindow(window: 60, bucketCount: 6)
        let t = TestClock.start
        window.record(success: false, at: t)
        window.record(success: true, at: t + 5)
        window.record(success: true, at: t + 25)
        #expect(window.errorRate(at: t + 30) == 1.0 / 3.0)
        #expect(window.errorRate(at: t + 61) == 0) // the bucket holding t..t+10 has left
        #expect(window.counts(at: t + 61).attempts == 1)
    }

    @Test func statusMovesThroughUnknownHealthyDegradedDown() {
        let tracker = HealthTracker()
        let now = TestClock().now
        #expect(tracker.health(of: "x/m", at: now).status == .unknown)
        #expect(tracker.record("x/m", .success(latency: 0.2), at: now).status == .healthy)
        #expect(tracker.record("x/m", .failure, at: now).status == .healthy)
        #expect(tracker.record("x/m", .failure, at: now).status == .degraded) // 2 in a row
        tracker.record("x/m", .failure, at: now)
        tracker.record("x/m", .failure, at: now)
        let opened = tracker.record("x/m", .failure, at: now)
        #expect(opened.status == .down)
        #expect(opened.transition == .opened(until: now + 60))
        #expect(tracker.acquire("x/m", at: now + 1) == .reject(until: now + 60))
    }

    @Test func epochCountsStatusChangesOnly() {
        let tracker = HealthTracker()
        var clock = TestClock()
        #expect(tracker.healthEpoch(at: clock.now) == 0)
        tracker.record("x/m", .success(latency: 0.1), at: clock.now)          // unknown → healthy
        #expect(tracker.healthEpoch(at: clock.now) == 1)
        tracker.record("x/m", .success(latency: 0.3), at: clock.now)          // still healthy
        #expect(tracker.healthEpoch(at: clock.now) == 1)
        for _ in 0..<5 { tracker.record("x/m", .failure, at: clock.now) }     // → degraded → down
        #expect(tracker.healthEpoch(at: clock.now) == 3)
        clock.advance(by: 60)                                                 // cool-down over: half-open
        #expect(tracker.healthEpoch(at: clock.now) == 4)
        #expect(tracker.snapshot(at: clock.now)["x/m"]?.status == .degraded)
        #expect(tracker.acquire("x/m", at: clock.now) == .probe)
        #expect(tracker.acquire("x/m", at: clock.now) == .reject(until: nil))
        let closed = tracker.record("x/m", .success(latency: 0.1), at: clock.now)
        #expect(closed.transition == .closed)
        #expect(closed.status == .healthy)
        #expect(closed.healthEpoch == 5)
    }

    @Test func degradedByErrorRateRecoversWhenFailuresAge() {
        let config = HealthConfiguration(minimumSamples: 4, degradedErrorRate: 0.5, degradedAfterConsecutiveFailures: 10)
        let tracker = HealthTracker(configuration: config)
        var clock = TestClock()
        tracker.record("x/m", .failure, at: clock.now)
        tracker.record("x/m", .success(latency: 0.1), at: clock.now)
        tracker.record("x/m", .failure, at: clock.now)
        let update = tracker.record("x/m", .success(latency: 0.1), at: clock.now)
        #expect(update.status == .degraded)
        clock.advance(by: 61)
        #expect(tracker.snapshot(at: clock.now)["x/m"]?.status == .healthy, "no new outcome needed")
    }

    @Test func snapshotCarriesLatenciesForThePlanner() {
        let tracker = HealthTracker()
        let now = TestClock().now
        tracker.record("x/m", .success(latency: 1.0, timeToFirstToken: 0.2), at: now)
        tracker.record("x/m", .success(latency: 2.0), at: now)
        let health = tracker.snapshot(at: now)["x/m"]
        #expect(approximately(health?.latency ?? 0, 1.3))
        #expect(health?.timeToFirstToken == 0.2)
        #expect(health?.errorRate == 0)
    }

    @Test func unknownDeploymentsAreAllowedAndRemovalBumpsTheEpoch() {
        let tracker = HealthTracker()
        let now = TestClock().now
        #expect(tracker.acquire("never/seen", at: now) == .allow)
        tracker.record("x/m", .failure, at: now)
        let before = tracker.healthEpoch(at: now)
        tracker.remove("x/m")
        #expect(tracker.healthEpoch(at: now) == before + 1)
        #expect(tracker.snapshot(at: now)["x/m"] == nil)
    }

    @Test func concurrentRecordsAreAllCounted() async {
        let tracker = HealthTracker(configuration: HealthConfiguration(breaker: .init(failureThreshold: 1_000_000)))
        let now = TestClock().now
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<8 {
                group.addTask { for _ in 0..<250 { tracker.record("x/m", .failure, at: now) } }
            }
        }
        #expect(tracker.health(of: "x/m", at: now).consecutiveFailures == 2_000)
    }
}

@Suite("Bounded routing state")
struct BoundedRoutingStateTests {
    @Test("health for ever new deployments stays within its bound, keeping the unhealthy ones")
    func healthBound() {
        let tracker = HealthTracker(configuration: HealthConfiguration(), maximumTracked: 100)
        for _ in 0..<10 { tracker.record("sick/model", .failure, at: 1) }
        let sick = tracker.health(of: "sick/model", at: 1).status
        #expect(sick != .healthy && sick != .unknown)
        for i in 0..<10_000 { tracker.record("p/model-\(i)", .success(latency: 0.1, timeToFirstToken: nil), at: 2) }
        #expect(tracker.trackedCount <= 100)
        #expect(tracker.health(of: "sick/model", at: 2).status == sick)
    }

    @Test("round-robin counters for ever new keys stay within their bound")
    func roundRobinBound() {
        let counters = RoundRobinCounters(ttl: 10, maximumKeys: 50)
        #expect(counters.next(for: "kept", at: 0) == 0)
        for i in 0..<5_000 { _ = counters.next(for: "k\(i)", at: 100) }
        #expect(counters.count <= 50)
    }
}
