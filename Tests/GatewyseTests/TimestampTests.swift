import GatewyseCore
@testable import GatewyseProviders
import Testing

/// RFC 3339 parsing: strict for the admin API and the audit log, lenient for upstream headers
/// (Anthropic's rate-limit resets), one parser for both.
@Suite("RFC 3339 timestamps")
struct TimestampTests {
    @Test("strict parsing takes Z and offsets, round-trips what the gateway writes, and refuses a space or a leap second")
    func strict() {
        #expect(Timestamp.seconds(rfc3339: "1970-01-01T00:00:00Z") == 0)
        #expect(Timestamp.seconds(rfc3339: "2026-12-05T03:30:00Z") == 1_796_441_400)
        #expect(Timestamp.seconds(rfc3339: "2026-12-05T04:30:00+01:00") == 1_796_441_400)
        #expect(Timestamp.seconds(rfc3339: "2026-12-05t03:30:00.999z") == 1_796_441_400)
        #expect(Timestamp.seconds(rfc3339: Timestamp.rfc3339(seconds: 1_796_441_400)) == 1_796_441_400)
        #expect(Timestamp.seconds(rfc3339: Timestamp.rfc3339(milliseconds: 1_796_441_400_123)) == 1_796_441_400)
        for malformed in ["2026-12-05 03:30:00Z", "2026-12-05T03:30:60Z", "2026-13-05T03:30:00Z", "2026-12-05T03:30:00",
                          "2026-12-05T03:30:00+0100", "2026-12-05T03:30:00Zx", "not a time at all....", ""] {
            #expect(Timestamp.seconds(rfc3339: malformed) == nil, "\(malformed)")
        }
    }

    @Test("lenient parsing (upstream headers) also takes a space and a leap second, and keeps the fraction")
    func lenient() throws {
        #expect(RFC3339Timestamp.secondsSince1970("2026-11-24T12:00:07.250+01:00") == 1_795_518_007.25)
        #expect(RFC3339Timestamp.secondsSince1970("2026-11-24 11:00:07Z") == 1_795_518_007)
        #expect(RFC3339Timestamp.secondsSince1970("2026-11-24T11:00:60Z") == 1_795_518_060)
        #expect(RFC3339Timestamp.secondsSince1970("2026-11-24T11:00:61Z") == nil)
        let parts = try #require(Timestamp.parse(rfc3339: "2026-11-24T11:00:07.5Z", lenient: false))
        #expect(parts.seconds == 1_795_518_007 && parts.fraction == 0.5)
    }
}
