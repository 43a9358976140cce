import GatewyseStorage

/// The UTC periods budgets count over (admin-api.md §4): a day from 00:00, an ISO week from
/// Monday 00:00 — cut exactly like the usage reports' (`UsageInterval`), so a budget's count
/// and the usage rows of its period always agree — and a calendar month from the 1st.
public enum BudgetPeriod: Sendable, Hashable {
    case day, week, month

    /// The start of the period that holds `time` (Unix ms).
    public func start(_ time: Int64) -> Int64 {
        switch self {
        case .day: UsageInterval.day.periodStart(time)
        case .week: UsageInterval.week.periodStart(time)
        case .month: Self.monthStart(time)
        }
    }

    /// The start of the next period after the one that holds `time` (Unix ms): when it resets.
    public func end(_ time: Int64) -> Int64 {
        switch self {
        case .day: return start(time) + 86_400_000
        case .week: return start(time) + 604_800_000
        case .month:
            let (year, month) = Self.yearMonth(days: UsageInterval.day.periodStart(time) / 86_400_000)
            return Self.days(year: month == 12 ? year + 1 : year, month: month == 12 ? 1 : month + 1) * 86_400_000
        }
    }

    private static func monthStart(_ time: Int64) -> Int64 {
        let (year, month) = yearMonth(days: UsageInterval.day.periodStart(time) / 86_400_000)
        return days(year: year, month: month) * 86_400_000
    }

    // Howard Hinnant's days-from-civil and civil-from-days (public domain algorithms): exact for
    // every date, no calendar object on the request path.
    static func days(year: Int64, month: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    static func yearMonth(days: Int64) -> (year: Int64, month: Int64) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (month <= 2 ? 1 : 0), month)
    }
}

/// One of a budget's six limits: what it counts and over which period.
public enum BudgetLimit: String, Sendable, Hashable, CaseIterable {
    case dailyUsd, weeklyUsd, monthlyUsd, dailyTokens, monthlyTokens, dailyRequests

    public var period: BudgetPeriod {
        switch self {
        case .dailyUsd, .dailyTokens, .dailyRequests: .day
        case .weeklyUsd: .week
        case .monthlyUsd, .monthlyTokens: .month
        }
    }

    public enum Unit: Sendable { case nanos, tokens, requests }

    public var unit: Unit {
        switch self {
        case .dailyUsd, .weeklyUsd, .monthlyUsd: .nanos
        case .dailyTokens, .monthlyTokens: .tokens
        case .dailyRequests: .requests
        }
    }

    /// The limit's value in its unit, nil when the budget does not set it.
    public func value(in limits: BudgetRecord.Limits) -> Int64? {
        switch self {
        case .dailyUsd: limits.dailyUsd
        case .weeklyUsd: limits.weeklyUsd
        case .monthlyUsd: limits.monthlyUsd
        case .dailyTokens: limits.dailyTokens.map(Int64.init)
        case .monthlyTokens: limits.monthlyTokens.map(Int64.init)
        case .dailyRequests: limits.dailyRequests.map(Int64.init)
        }
    }
}
