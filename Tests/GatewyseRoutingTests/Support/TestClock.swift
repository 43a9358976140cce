/// Manual time for state machines that take `now`: starts at a fixed Unix time and only moves
/// when a test says so.
struct TestClock {
    /// 2026-11-24T00:00:00Z, a UTC midnight, so day-window arithmetic in tests stays readable.
    static let start: Double = 1_795_478_400

    private(set) var now: Double

    init(now: Double = TestClock.start) {
        self.now = now
    }

    mutating func advance(by seconds: Double) {
        now += seconds
    }
}
