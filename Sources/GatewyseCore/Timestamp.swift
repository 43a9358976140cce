/// RFC 3339 UTC timestamps for the admin API and the audit log (admin-api.md §1), written
/// without Foundation so that the same instant always spells the same bytes (the audit hash
/// depends on it).
public enum Timestamp {
    /// `2026-12-05T03:30:00Z`.
    public static func rfc3339(seconds: Int64) -> String {
        let (date, time) = civil(seconds: seconds)
        return date + "T" + time + "Z"
    }

    /// `2026-12-05T03:30:00.123Z`: milliseconds always written, so entries sort as text.
    public static func rfc3339(milliseconds: Int64) -> String {
        let seconds = milliseconds >= 0 ? milliseconds / 1000 : (milliseconds - 999) / 1000
        let millis = Int(milliseconds - seconds * 1000)
        let (date, time) = civil(seconds: seconds)
        return date + "T" + time + "." + pad(millis, 3) + "Z"
    }

    /// Unix seconds of an RFC 3339 timestamp with `Z` or an offset; nil when malformed.
    public static func seconds(rfc3339 text: String) -> Int64? {
        parse(rfc3339: text, lenient: false)?.seconds
    }

    /// An RFC 3339 timestamp's whole Unix seconds and the fraction of a second after them; nil
    /// when malformed. `lenient` also takes what upstreams send in headers: a space for the `T`
    /// and a leap second (`:60`); the admin API and the audit log parse strictly.
    public static func parse(rfc3339 text: String, lenient: Bool) -> (seconds: Int64, fraction: Double)? {
        let bytes = Array(text.utf8)
        guard bytes.count >= 20 else { return nil }
        func number(_ range: Range<Int>) -> Int? {
            var value = 0
            for i in range {
                guard i < bytes.count, bytes[i] >= 0x30, bytes[i] <= 0x39 else { return nil }
                value = value * 10 + Int(bytes[i] - 0x30)
            }
            return value
        }
        let separator = bytes[10] == UInt8(ascii: "T") || bytes[10] == UInt8(ascii: "t") || (lenient && bytes[10] == UInt8(ascii: " "))
        guard let year = number(0..<4), bytes[4] == UInt8(ascii: "-"), let month = number(5..<7), bytes[7] == UInt8(ascii: "-"),
              let day = number(8..<10), separator,
              let hour = number(11..<13), bytes[13] == UInt8(ascii: ":"), let minute = number(14..<16), bytes[16] == UInt8(ascii: ":"),
              let second = number(17..<19), (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60,
              second < 60 || (lenient && second == 60)
        else { return nil }
        var i = 19
        var fraction = 0.0
        if i < bytes.count, bytes[i] == UInt8(ascii: ".") {
            i += 1
            var scale = 0.1
            while i < bytes.count, bytes[i] >= 0x30, bytes[i] <= 0x39 {
                fraction += Double(bytes[i] - 0x30) * scale
                scale /= 10
                i += 1
            }
        }
        guard i < bytes.count else { return nil }
        var offset = 0
        switch bytes[i] {
        case UInt8(ascii: "Z"), UInt8(ascii: "z"):
            guard i + 1 == bytes.count else { return nil }
        case UInt8(ascii: "+"), UInt8(ascii: "-"):
            guard i + 6 == bytes.count, let h = number(i + 1..<i + 3), bytes[i + 3] == UInt8(ascii: ":"), let m = number(i + 4..<i + 6) else { return nil }
            offset = (h * 3600 + m * 60) * (bytes[i] == UInt8(ascii: "+") ? 1 : -1)
        default:
            return nil
        }
        let days = daysSince1970(year: year, month: month, day: day)
        return (Int64(days * 86_400 + hour * 3600 + minute * 60 + second - offset), fraction)
    }

    /// Howard Hinnant's `days_from_civil`.
    static func daysSince1970(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// Howard Hinnant's `civil_from_days`, then the time of day.
    private static func civil(seconds: Int64) -> (date: String, time: String) {
        var days = Int(seconds / 86_400)
        var secondOfDay = Int(seconds % 86_400)
        if secondOfDay < 0 { secondOfDay += 86_400; days -= 1 }
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        let date = pad(year, 4) + "-" + pad(month, 2) + "-" + pad(day, 2)
        let time = pad(secondOfDay / 3600, 2) + ":" + pad(secondOfDay / 60 % 60, 2) + ":" + pad(secondOfDay % 60, 2)
        return (date, time)
    }

    private static func pad(_ value: Int, _ width: Int) -> String {
        let text = String(value)
        return text.count >= width ? text : String(repeating: "0", count: width - text.count) + text
    }
}
