import GatewyseCore

/// Seconds since 1970 of an RFC 3339 timestamp (`2026-11-24T12:00:07Z`,
/// `2026-11-24T12:00:07.250+01:00`), as Anthropic writes its `anthropic-ratelimit-*-reset`
/// headers (providers.md §2): the core's parser, leniently (a space for the `T`, a leap second),
/// with the fraction of a second kept.
enum RFC3339Timestamp {
    static func secondsSince1970(_ text: String) -> Double? {
        Timestamp.parse(rfc3339: text, lenient: true).map { Double($0.seconds) + $0.fraction }
    }
}
