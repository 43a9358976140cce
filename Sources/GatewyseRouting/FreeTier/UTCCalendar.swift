/// Calendar-month boundaries in UTC from Unix seconds, without Foundation: the civil-date
/// conversions of Howard Hinnant's "chrono-Compatible Low-Level Date Algorithms" (proleptic
/// Gregorian, exact for all representable dates).
enum UTCCalendar {
    static let secondsPerDay = 86_400.0

    static func monthInterval(containing now: Double) -> (start: Double, end: Double) {
        let day = Int64((now / secondsPerDay).rounded(.down))
        let (year, month, _) = civil(fromDays: day)
        let start = Double(days(fromYear: year, month: month, day: 1)) * secondsPerDay
        let (nextYear, nextMonth) = month == 12 ? (year + 1, Int64(1)) : (year, month + 1)
        let end = Double(days(fromYear: nextYear, month: nextMonth, day: 1)) * secondsPerDay
        return (start, end)
    }

    /// Days since 1970-01-01 → (year, month 1–12, day 1–31).
    static func civil(fromDays days: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1_460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let shiftedMonth = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * shiftedMonth + 2) / 5 + 1
        let month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    /// (year, month 1–12, day) → days since 1970-01-01.
    static func days(fromYear year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let shiftedMonth = month > 2 ? month - 3 : month + 9
        let dayOfYear = (153 * shiftedMonth + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }
}
