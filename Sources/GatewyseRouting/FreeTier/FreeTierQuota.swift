/// What a quota counts.
public enum QuotaMetric: String, Sendable, Hashable, CaseIterable, Codable {
    case requests
    case tokens
}

/// The window a quota resets on. Windows are fixed and aligned to UTC (a minute starts at :00, a
/// day at 00:00 UTC, a month on the 1st), which is how the providers in the reference describe
/// their per-minute/day/month limits; when an upstream's reset header says otherwise, the ledger
/// takes the upstream's boundary (`FreeTierLedger.correct`).
public enum QuotaWindow: String, Sendable, Hashable, CaseIterable, Codable {
    case minute, hour, day, month

    /// Nominal length in seconds (a month counts as 31 days), used to match reset headers to
    /// windows.
    public var nominalLength: Double {
        switch self {
        case .minute: 60
        case .hour: 3_600
        case .day: 86_400
        case .month: 31 * 86_400
        }
    }

    /// The window that contains `now` (Unix seconds): `start ≤ now < end`.
    public func interval(containing now: Double) -> (start: Double, end: Double) {
        switch self {
        case .minute, .hour, .day:
            let length = nominalLength
            let start = (now / length).rounded(.down) * length
            return (start, start + length)
        case .month:
            return UTCCalendar.monthInterval(containing: now)
        }
    }
}

/// One declared limit: at most `limit` of `metric` per `window`.
public struct QuotaLimit: Sendable, Hashable {
    public var metric: QuotaMetric
    public var window: QuotaWindow
    public var limit: Int

    public init(_ metric: QuotaMetric, per window: QuotaWindow, limit: Int) {
        self.metric = metric
        self.window = window
        self.limit = limit
    }
}

/// The free quota of one provider credential (or one model of it, where the provider counts per
/// model): every limit applies at once, and the credential is exhausted while any is used up.
public struct FreeTierQuota: Sendable, Hashable {
    public var limits: [QuotaLimit]

    public init(_ limits: [QuotaLimit]) {
        self.limits = limits
    }

    public init(requestsPerMinute: Int? = nil, requestsPerHour: Int? = nil, requestsPerDay: Int? = nil, requestsPerMonth: Int? = nil,
                tokensPerMinute: Int? = nil, tokensPerHour: Int? = nil, tokensPerDay: Int? = nil, tokensPerMonth: Int? = nil) {
        var limits: [QuotaLimit] = []
        func add(_ metric: QuotaMetric, _ window: QuotaWindow, _ value: Int?) {
            if let value { limits.append(QuotaLimit(metric, per: window, limit: value)) }
        }
        add(.requests, .minute, requestsPerMinute)
        add(.requests, .hour, requestsPerHour)
        add(.requests, .day, requestsPerDay)
        add(.requests, .month, requestsPerMonth)
        add(.tokens, .minute, tokensPerMinute)
        add(.tokens, .hour, tokensPerHour)
        add(.tokens, .day, tokensPerDay)
        add(.tokens, .month, tokensPerMonth)
        self.limits = limits
    }
}
