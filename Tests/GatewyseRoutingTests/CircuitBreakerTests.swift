import Testing
@testable import GatewyseRouting

@Suite struct CircuitBreakerTests {
    @Test func opensAfterFiveConsecutiveFailures() {
        var breaker = CircuitBreaker()
        let clock = TestClock()
        for _ in 0..<4 { #expect(breaker.recordFailure(at: clock.now) == nil) }
        #expect(breaker.phase == .closed)
        #expect(breaker.acquire(at: clock.now) == .allow)
        #expect(breaker.recordFailure(at: clock.now) == .opened(until: clock.now + 60))
        #expect(breaker.phase == .open)
        #expect(breaker.acquire(at: clock.now + 59.9) == .reject(until: clock.now + 60))
    }

    @Test func aSuccessResetsTheConsecutiveCount() {
        var breaker = CircuitBreaker()
        let now = TestClock().now
        for _ in 0..<4 { breaker.recordFailure(at: now) }
        breaker.recordSuccess(at: now)
        for _ in 0..<4 { breaker.recordFailure(at: now) }
        #expect(breaker.phase == .closed)
    }

    @Test func halfOpenAllowsExactlyOneProbeThenClosesOnSuccess() {
        var breaker = CircuitBreaker()
        var clock = TestClock()
        for _ in 0..<5 { breaker.recordFailure(at: clock.now) }
        clock.advance(by: 60)
        #expect(breaker.acquire(at: clock.now) == .probe)
        #expect(breaker.phase == .halfOpen)
        #expect(breaker.acquire(at: clock.now) == .reject(until: nil), "only one probe at a time")
        #expect(breaker.recordSuccess(at: clock.now) == .closed)
        #expect(breaker.phase == .closed)
        #expect(breaker.consecutiveFailures == 0)
        #expect(breaker.acquire(at: clock.now) == .allow)
    }

    @Test func aFailedProbeOpensForAnotherPeriod() {
        var breaker = CircuitBreaker()
        var clock = TestClock()
        for _ in 0..<5 { breaker.recordFailure(at: clock.now) }
        clock.advance(by: 61)
        #expect(breaker.acquire(at: clock.now) == .probe)
        #expect(breaker.recordFailure(at: clock.now) == .opened(until: clock.now + 60))
        #expect(breaker.acquire(at: clock.now + 30) == .reject(until: clock.now + 60))
        #expect(breaker.acquire(at: clock.now + 60) == .probe)
    }

    @Test func anIgnoredProbeFreesTheSlot() {
        var breaker = CircuitBreaker()
        var clock = TestClock()
        for _ in 0..<5 { breaker.recordFailure(at: clock.now) }
        clock.advance(by: 60)
        #expect(breaker.acquire(at: clock.now) == .probe)
        breaker.recordIgnored(at: clock.now)
        #expect(breaker.phase == .halfOpen)
        #expect(breaker.acquire(at: clock.now) == .probe)
    }

    @Test func aLostProbeTimesOut() {
        var breaker = CircuitBreaker(configuration: .init(failureThreshold: 1, openDuration: 10, probeTimeout: 5))
        var clock = TestClock()
        breaker.recordFailure(at: clock.now)
        clock.advance(by: 10)
        #expect(breaker.acquire(at: clock.now) == .probe)
        #expect(breaker.acquire(at: clock.now + 4) == .reject(until: nil))
        #expect(breaker.acquire(at: clock.now + 5) == .probe)
    }

    @Test func thresholdsAreConfigurable() {
        var breaker = CircuitBreaker(configuration: .init(failureThreshold: 2, openDuration: 5))
        let now = TestClock().now
        breaker.recordFailure(at: now)
        #expect(breaker.recordFailure(at: now) == .opened(until: now + 5))
        #expect(breaker.advance(to: now + 5) == .halfOpened)
    }

    @Test func aLateSuccessDoesNotCloseAnOpenBreaker() {
        var breaker = CircuitBreaker()
        let now = TestClock().now
        for _ in 0..<5 { breaker.recordFailure(at: now) }
        #expect(breaker.recordSuccess(at: now + 1) == nil)
        #expect(breaker.phase == .open)
    }
}
