import GatewyseCore
import GatewyseStorage
import Synchronization

/// A key's (`rateLimits.*`) or a tenant's (`settings.rateLimits`) request and token rates, as
/// the request path reads them: nil is "no limit". Built once per reload.
public struct RateLimitSet: Sendable, Equatable {
    public var requestsPerMinute: Int?
    public var requestsPerDay: Int?
    public var tokensPerDay: Int?

    public init(requestsPerMinute: Int? = nil, requestsPerDay: Int? = nil, tokensPerDay: Int? = nil) {
        // Zero and below mean "unlimited" (admin-api.md §4 settings: 0 = unlimited).
        self.requestsPerMinute = requestsPerMinute.flatMap { $0 > 0 ? $0 : nil }
        self.requestsPerDay = requestsPerDay.flatMap { $0 > 0 ? $0 : nil }
        self.tokensPerDay = tokensPerDay.flatMap { $0 > 0 ? $0 : nil }
    }

    public var isEmpty: Bool { requestsPerMinute == nil && requestsPerDay == nil && tokensPerDay == nil }
}

/// Who a rate limit counts: one key, or every key of a tenant.
public struct RateLimitSubject: Sendable, Hashable {
    public enum Kind: Sendable, Hashable { case apiKey, tenant }
    public var kind: Kind
    public var tenantID: String
    public var id: String
}

/// Request and token rates of this process, in memory (ARCHITECTURE §6). Requests per minute
/// count in a sliding window: the previous calendar minute's count weighted by how much of it
/// still overlaps the last 60 s, plus the current minute's — two integers per subject. Its
/// bound: never more than the limit within one calendar minute, and at most twice the limit
/// over any 60 s straddling two (requests bunched at the end of one minute and the start of the
/// next); for steady traffic it tracks an exact sliding log closely. Requests and tokens per day count in UTC days, like the
/// budgets and the usage reports, so the day's counts can be rebuilt from the usage records
/// after a restart. A request is counted when admitted; its tokens when it completes, so a token
/// limit refuses the requests after the one that reached it.
///
/// Across replicas (`share`, decisions/0018) each process counts what it serves and, every
/// sync interval, writes its counts to the shared store and reads the other replicas' back:
/// a limit sees the others' requests at most one sync interval late, so the whole can pass a
/// limit by at most what the other replicas admit in one interval (about 100 ms).
public final class RateLimiter: Sendable {
    /// The other replicas' counts, as of the last sync, for the windows they were read for.
    struct Others: Sendable {
        var minuteStart: Int64 = 0
        var currentMinute: Int64 = 0
        var previousMinute: Int64 = 0
        var dayStart: Int64 = 0
        var day: Int64 = 0
        var dayTokens: Int64 = 0
    }

    struct Counters: Sendable {
        var minuteStart: Int64 = 0
        var currentMinute: Int64 = 0
        var previousMinute: Int64 = 0
        var dayStart: Int64 = 0
        var day: Int64 = 0
        var dayTokens: Int64 = 0
        var others = Others()

        /// The current minute's count, every replica's.
        var allCurrentMinute: Int64 { currentMinute &+ (others.minuteStart == minuteStart ? others.currentMinute : 0) }

        /// The previous minute's count, every replica's (the others' read while it was current, if so).
        var allPreviousMinute: Int64 {
            let theirs: Int64 = switch others.minuteStart {
            case minuteStart: others.previousMinute
            case minuteStart - 60_000: others.currentMinute
            default: 0
            }
            return previousMinute &+ theirs
        }

        var allDay: Int64 { day &+ (others.dayStart == dayStart ? others.day : 0) }
        var allDayTokens: Int64 { dayTokens &+ (others.dayStart == dayStart ? others.dayTokens : 0) }

        /// Moves the windows to `now`.
        mutating func roll(now: Int64) {
            let minute = now - now % 60_000
            if minute != minuteStart {
                previousMinute = minute - minuteStart == 60_000 ? currentMinute : 0
                currentMinute = 0
                minuteStart = minute
            }
            let today = BudgetPeriod.day.start(now)
            if today != dayStart {
                day = 0
                dayTokens = 0
                dayStart = today
            }
        }

        /// The sliding-window estimate of the requests in the last 60 s.
        func lastMinute(now: Int64) -> Int64 {
            let elapsed = now - minuteStart
            return allCurrentMinute + (allPreviousMinute * (60_000 - elapsed) + 59_999) / 60_000
        }
    }

    let counters = Mutex<[RateLimitSubject: Counters]>([:])
    let sharing = Mutex<RateLimitSharing?>(nil)
    /// Unix milliseconds.
    let clock: @Sendable () -> Int64

    public init(clock: @escaping @Sendable () -> Int64 = UnixClock.milliseconds) {
        self.clock = clock
    }

    /// Counts one request for each subject, or throws 429 `RATE_LIMIT_EXCEEDED` with
    /// `Retry-After` (counting nothing then). The headers describe the tightest limit.
    func admit(_ subjects: [(RateLimitSubject, RateLimitSet)]) throws(GatewayError) -> RateLimitAnswerHeaders {
        let now = clock()
        let result: Result<RateLimitAnswerHeaders, GatewayError> = counters.withLock { counters in
            var headers = RateLimitAnswerHeaders()
            for (subject, limits) in subjects {
                var entry = counters[subject] ?? Counters()
                entry.roll(now: now)
                counters[subject] = entry
                if let limit = limits.requestsPerMinute, entry.lastMinute(now: now) + 1 > Int64(limit) {
                    return .failure(Self.exceeded(subject, "\(limit) requests per minute", limit: limit, unit: "requests",
                                                  retryAfter: Self.secondsUntilFree(entry, limit: limit, now: now)))
                }
                if let limit = limits.requestsPerDay, entry.allDay + 1 > Int64(limit) {
                    return .failure(Self.exceeded(subject, "\(limit) requests per day", limit: limit, unit: "requests",
                                                  retryAfter: Self.secondsToNextDay(now)))
                }
                if let limit = limits.tokensPerDay, entry.allDayTokens >= Int64(limit) {
                    return .failure(Self.exceeded(subject, "\(limit) tokens per day", limit: limit, unit: "tokens",
                                                  retryAfter: Self.secondsToNextDay(now)))
                }
            }
            for (subject, limits) in subjects {
                guard var entry = counters[subject] else { continue }
                entry.currentMinute += 1
                entry.day += 1
                counters[subject] = entry
                headers.narrow(limits: limits, counters: entry, now: now)
            }
            return .success(headers)
        }
        switch result {
        case .success(let headers): return headers
        case .failure(let error): throw error
        }
    }

    /// Adds a completed request's tokens to each subject's day.
    func addTokens(_ tokens: Int64, to subjects: [RateLimitSubject]) {
        guard tokens > 0 else { return }
        let now = clock()
        counters.withLock { counters in
            for subject in subjects {
                var entry = counters[subject] ?? Counters()
                entry.roll(now: now)
                entry.dayTokens &+= tokens
                counters[subject] = entry
            }
        }
    }

    /// The subjects this process has not counted yet, for their day's counts to be loaded
    /// from the usage records (`load`).
    func unseen(_ subjects: [RateLimitSubject]) -> [RateLimitSubject] {
        counters.withLock { counters in subjects.filter { counters[$0] == nil } }
    }

    /// Starts counting subjects not seen yet from zero (shared: their other replicas' counts
    /// arrive with the next sync).
    func register(_ subjects: [RateLimitSubject]) {
        let now = clock()
        counters.withLock { counters in
            for subject in subjects where counters[subject] == nil {
                var entry = Counters()
                entry.roll(now: now)
                counters[subject] = entry
            }
        }
    }

    /// Adds what the usage records say a subject served today.
    func load(_ subject: RateLimitSubject, requests: Int64, tokens: Int64) {
        let now = clock()
        counters.withLock { counters in
            var entry = counters[subject] ?? Counters()
            entry.roll(now: now)
            entry.day &+= requests
            entry.dayTokens &+= tokens
            counters[subject] = entry
        }
    }

    /// The refusal, with the limit that refused in OpenAI's headers (nothing left, reset at the wait).
    static func exceeded(_ subject: RateLimitSubject, _ what: String, limit: Int, unit: String, retryAfter: Int64) -> GatewayError {
        let who = subject.kind == .apiKey ? "This API key" : "Tenant '\(subject.tenantID)'"
        return GatewayError(status: 429, code: "RATE_LIMIT_EXCEEDED", type: "rate_limit_error",
                            message: "\(who) is limited to \(what); retry in \(retryAfter) s.",
                            headers: [("Retry-After", String(retryAfter)), ("x-ratelimit-limit-\(unit)", String(limit)),
                                      ("x-ratelimit-remaining-\(unit)", "0"),
                                      ("x-ratelimit-reset-\(unit)", RateLimitAnswerHeaders.duration(retryAfter * 1000))])
    }

    static func secondsToNextDay(_ now: Int64) -> Int64 {
        max(1, (BudgetPeriod.day.end(now) - now + 999) / 1000)
    }

    /// Whole seconds until the sliding window has room for one more request.
    static func secondsUntilFree(_ counters: Counters, limit: Int, now: Int64) -> Int64 {
        for seconds in Int64(1)...120 {
            var later = counters
            later.roll(now: now + seconds * 1000)
            if later.lastMinute(now: now + seconds * 1000) + 1 <= Int64(limit) { return seconds }
        }
        return 120
    }
}

/// OpenAI's `x-ratelimit-*` headers (admin-api.md §6) for the tightest of a request's limits.
public struct RateLimitAnswerHeaders: Sendable, Equatable {
    var requests: (limit: Int64, remaining: Int64, resetMilliseconds: Int64)?
    var tokens: (limit: Int64, remaining: Int64, resetMilliseconds: Int64)?

    public static func == (lhs: RateLimitAnswerHeaders, rhs: RateLimitAnswerHeaders) -> Bool { lhs.fields.elementsEqual(rhs.fields, by: ==) }

    var isEmpty: Bool { requests == nil && tokens == nil }

    mutating func narrow(limits: RateLimitSet, counters: RateLimiter.Counters, now: Int64) {
        if let limit = limits.requestsPerMinute {
            let remaining = max(0, Int64(limit) - counters.lastMinute(now: now))
            take(&requests, (Int64(limit), remaining, max(1000, 60_000 / Int64(limit))))
        }
        if let limit = limits.requestsPerDay {
            take(&requests, (Int64(limit), max(0, Int64(limit) - counters.allDay), BudgetPeriod.day.end(now) - now))
        }
        if let limit = limits.tokensPerDay {
            take(&tokens, (Int64(limit), max(0, Int64(limit) - counters.allDayTokens), BudgetPeriod.day.end(now) - now))
        }
    }

    private func take(_ slot: inout (limit: Int64, remaining: Int64, resetMilliseconds: Int64)?, _ candidate: (Int64, Int64, Int64)) {
        if let current = slot, current.remaining <= candidate.1 { return }
        slot = (candidate.0, candidate.1, candidate.2)
    }

    /// The header fields, in OpenAI's names; reset times in OpenAI's duration style (`1s`, `6m0s`).
    public var fields: [(String, String)] {
        var out: [(String, String)] = []
        append(to: &out)
        return out
    }

    /// Appends the header fields to an answer's headers in place: every governed answer carries
    /// them, and building them as an array first and appending that cost a retain and a release
    /// per header, and more when the answer's array then grew twice.
    func append(to headers: inout [(String, String)]) {
        headers.reserveCapacity(headers.count + (requests == nil ? 0 : 3) + (tokens == nil ? 0 : 3))
        if let requests {
            headers.append(("x-ratelimit-limit-requests", String(requests.limit)))
            headers.append(("x-ratelimit-remaining-requests", String(requests.remaining)))
            headers.append(("x-ratelimit-reset-requests", Self.duration(requests.resetMilliseconds)))
        }
        if let tokens {
            headers.append(("x-ratelimit-limit-tokens", String(tokens.limit)))
            headers.append(("x-ratelimit-remaining-tokens", String(tokens.remaining)))
            headers.append(("x-ratelimit-reset-tokens", Self.duration(tokens.resetMilliseconds)))
        }
    }

    /// Written digit by digit (`DecimalDigits`) into a small string (stored inline, up to 15
    /// bytes): interpolation, and even appending `String(n)` pieces, allocated on every governed
    /// answer. Resets of 100,000 hours and more (never a rate limit's) are interpolated.
    static func duration(_ milliseconds: Int64) -> String {
        let seconds = max(1, (milliseconds + 999) / 1000)
        let hours = seconds / 3600, minutes = seconds % 3600 / 60, rest = seconds % 60
        guard hours < 100_000 else { return "\(hours)h\(minutes)m\(rest)s" }
        return String(unsafeUninitializedCapacity: 15) { buffer in
            var position = 0
            let start = buffer.baseAddress.unsafelyUnwrapped
            func write(_ value: Int64, _ unit: Unicode.Scalar) {
                position += DecimalDigits.write(UInt64(value), to: start + position)
                start[position] = UInt8(ascii: unit)
                position += 1
            }
            if hours > 0 { write(hours, "h") }
            if hours > 0 || minutes > 0 { write(minutes, "m") }
            write(rest, "s")
            return position
        }
    }
}
