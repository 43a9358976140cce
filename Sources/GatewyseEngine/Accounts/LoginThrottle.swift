import Synchronization

/// Failed sign-ins per client address. The account lockout stops guessing one account's
/// password; this stops one address guessing a common password across many accounts (password
/// spraying), which never trips any account's lockout. Past `limit` failures within `window`
/// the address is refused (429) before any password is checked, until its oldest counted failure
/// leaves the window. Successes do not clear it: one hit does not excuse the misses.
///
/// Counted in this process's memory (per replica; a load balancer that spreads one address over
/// N replicas lets it try N times the limit), and bounded: at most `maxAddresses` addresses are
/// tracked, the idle ones forgotten first.
final class LoginThrottle: Sendable {
    let limit: Int
    /// Seconds.
    let window: Int64
    private let failures = Mutex<[String: [Int64]]>([:])
    static let maxAddresses = 65_536

    init(limit: Int, window: Int64) {
        self.limit = limit
        self.window = window
    }

    /// Seconds until `address` may try again, or nil when it may now.
    func retryAfter(_ address: String, now: Int64) -> Int64? {
        failures.withLock { failures in
            guard let times = failures[address] else { return nil }
            let recent = times.filter { $0 > now - window }
            guard recent.count >= limit, let oldest = recent.first else { return nil }
            return max(1, oldest + window - now)
        }
    }

    func recordFailure(_ address: String, now: Int64) {
        failures.withLock { failures in
            if failures[address] == nil, failures.count >= Self.maxAddresses {
                failures = failures.filter { $0.value.last.map { $0 > now - window } ?? false }
                if failures.count >= Self.maxAddresses { failures.removeAll(keepingCapacity: true) }
            }
            var times = (failures[address] ?? []).filter { $0 > now - window }
            times.append(now)
            failures[address] = Array(times.suffix(limit))
        }
    }
}
