import GatewyseCore

/// The rate-limit facts an upstream response carries, read from its headers: `retry-after`
/// (seconds) and `retry-after-ms`, and OpenAI-style `x-ratelimit-{limit,remaining,reset}-
/// {requests,tokens}` (providers.md §1 OpenAI and §5 Groq), optionally with a window suffix
/// `-minute|-hour|-day|-month` (Cerebras' variant, §16). Reset values are Go durations
/// (`GoDuration`). Every number goes through GatewyseCore's total readers (`RetryAfterHeader`,
/// `GoDuration`, `UpstreamNumber.count`), the same ones the failure classifier uses: garbage is
/// ignored, absurd values are clamped, nothing traps.
///
/// Used twice: the retry policy waits `suggestedRetryDelay`, and the free-tier tracker corrects
/// its local counts from `observations`.
public struct RateLimitHeaders: Sendable, Hashable {
    /// What the upstream says about one counter.
    public struct Observation: Sendable, Hashable {
        public var metric: QuotaMetric
        /// Named by the header suffix; `nil` for the plain OpenAI names, whose window the reset
        /// time reveals (Groq's plain request headers are per day, token headers per minute).
        public var window: QuotaWindow?
        public var limit: Int?
        public var remaining: Int?
        /// Seconds until the counter resets.
        public var resetAfter: Double?

        public init(metric: QuotaMetric, window: QuotaWindow? = nil, limit: Int? = nil, remaining: Int? = nil, resetAfter: Double? = nil) {
            self.metric = metric
            self.window = window
            self.limit = limit
            self.remaining = remaining
            self.resetAfter = resetAfter
        }
    }

    public var observations: [Observation]
    /// From `retry-after-ms` (preferred, finer) or `retry-after`, in seconds.
    public var retryAfter: Double?

    public init(observations: [Observation] = [], retryAfter: Double? = nil) {
        self.observations = observations
        self.retryAfter = retryAfter
    }

    /// Concrete rather than generic: called across modules, a generic iteration over the
    /// header tuples was not specialized and boxed every element (five allocations per answer).
    public init(_ headers: [(String, String)]) {
        var observations: [Observation] = []
        var retryAfterSeconds: Double?
        var retryAfterMilliseconds: Double?
        for (rawName, value) in headers {
            // Most headers of an answer are neither: skip them before lowercasing anything.
            guard let first = rawName.utf8.first, first | 0x20 == UInt8(ascii: "x") || first | 0x20 == UInt8(ascii: "r") else { continue }
            if let kind = RetryAfterHeader.kind(of: rawName) {
                let seconds = RetryAfterHeader.seconds(kind, value)
                switch kind {
                case .seconds: retryAfterSeconds = seconds ?? retryAfterSeconds
                case .milliseconds: retryAfterMilliseconds = seconds ?? retryAfterMilliseconds
                }
                continue
            }
            let name = Self.lowercasedIfNeeded(rawName)
            guard let field = Self.fields[name] else { continue }
            let index: Int
            if let existing = observations.firstIndex(where: { $0.metric == field.metric && $0.window == field.window }) {
                index = existing
            } else {
                observations.append(Observation(metric: field.metric, window: field.window))
                index = observations.count - 1
            }
            switch field.kind {
            case .limit: observations[index].limit = UpstreamNumber.count(value[...])
            case .remaining: observations[index].remaining = UpstreamNumber.count(value[...])
            case .reset: observations[index].resetAfter = GoDuration.seconds(value)
            }
        }
        self.observations = observations
        self.retryAfter = retryAfterMilliseconds ?? retryAfterSeconds
    }

    /// How long to wait before the same upstream can be expected to accept a request:
    /// `retryAfter` when sent, otherwise the longest reset among counters reported as used up,
    /// otherwise `nil` (no hint: the retry policy backs off on its own).
    public var suggestedRetryDelay: Double? {
        if let retryAfter { return retryAfter }
        var delay: Double?
        for observation in observations where observation.remaining == 0 {
            if let reset = observation.resetAfter, reset > (delay ?? -1) { delay = reset }
        }
        return delay
    }

    private enum Kind: Sendable { case limit, remaining, reset }

    private struct Field: Sendable {
        var kind: Kind
        var metric: QuotaMetric
        var window: QuotaWindow?
    }

    /// Every recognized `x-ratelimit-*` name, built once: lookup is one hash of the header name.
    private static let fields: [String: Field] = {
        var table: [String: Field] = [:]
        let kinds: [(String, Kind)] = [("limit", .limit), ("remaining", .remaining), ("reset", .reset)]
        let windows: [QuotaWindow?] = [nil, .minute, .hour, .day, .month]
        for (kindName, kind) in kinds {
            for metric in QuotaMetric.allCases {
                for window in windows {
                    let suffix = window.map { "-\($0.rawValue)" } ?? ""
                    table["x-ratelimit-\(kindName)-\(metric.rawValue)\(suffix)"] = Field(kind: kind, metric: metric, window: window)
                }
            }
        }
        return table
    }()

    /// Header names usually arrive lowercase (HTTP/2 requires it); only allocate when they do not.
    private static func lowercasedIfNeeded(_ name: String) -> String {
        name.utf8.contains(where: { $0 >= 65 && $0 <= 90 }) ? name.lowercased() : name
    }
}
