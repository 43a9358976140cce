import GatewyseCore
import Testing

/// Every number an upstream sends is read by `UpstreamNumber` / `RetryAfterHeader` /
/// `GoDuration`: garbage is ignored, absurd values clamped, nothing traps.
@Suite("Upstream numbers are read totally")
struct UpstreamNumberTests {
    static let day = UpstreamNumber.maximumDelay

    @Test("Retry-After in seconds: plain decimals read, absurd ones clamped to a day", arguments: [
        ("7", 7.0), ("1.5", 1.5), (" 30 ", 30), ("0", 0), (".5", 0.5),
        ("99999999999999999999", day), ("86401", day), (String(repeating: "9", count: 400), day),
    ] as [(String, Double)])
    func retryAfterSeconds(value: String, seconds: Double) {
        #expect(RetryAfterHeader.seconds(in: [("Retry-After", value)]) == seconds)
    }

    @Test("Retry-After values that are not delays are ignored", arguments: [
        "1e30", "-1", "nan", "NaN", "inf", "-inf", "infinity", "", "   ", "abc", "1.2.3", "0x10", "+5", "1e3",
        "Wed, 21 Oct 2026 07:28:00 GMT", "5 s", ".",
    ])
    func retryAfterIgnored(value: String) {
        #expect(RetryAfterHeader.seconds(in: [("retry-after", value)]) == nil)
        #expect(RetryAfterHeader.seconds(in: [("retry-after-ms", value)]) == nil)
    }

    @Test("retry-after-ms wins over retry-after; an invalid value does not undo a valid one")
    func millisecondsWin() {
        #expect(RetryAfterHeader.seconds(in: [("Retry-After", "5"), ("RETRY-AFTER-MS", "1500")]) == 1.5)
        #expect(RetryAfterHeader.seconds(in: [("retry-after", "5"), ("retry-after-ms", "-1")]) == 5)
        #expect(RetryAfterHeader.seconds(in: [("retry-after", "5"), ("retry-after", "nan")]) == 5)
        #expect(RetryAfterHeader.seconds(in: [("retry-after-ms", "99999999999999999999")]) == Self.day)
        #expect(RetryAfterHeader.seconds(in: [("retry-afterx", "5"), ("x-retry-after", "5")]) == nil)
    }

    @Test("the client's Retry-After is whole seconds, rounded up, within 0…one day", arguments: [
        (0.2, "1"), (7, "7"), (7.01, "8"), (0, "0"), (-1, "0"), (.nan, "0"), (.infinity, "86400"),
        (-.infinity, "0"), (1e30, "86400"), (.greatestFiniteMagnitude, "86400"),
    ] as [(Double, String)])
    func retryAfterValue(seconds: Double, header: String) {
        #expect(UpstreamNumber.retryAfterValue(seconds) == header)
    }

    @Test("a retry wait becomes a Duration without trapping", arguments: [
        (1.5, Duration.milliseconds(1_500)), (0.0004, .milliseconds(1)), (-3, .zero), (.nan, .zero),
        (.infinity, .seconds(86_400)), (1e30, .seconds(86_400)),
    ] as [(Double, Duration)])
    func sleepDuration(seconds: Double, duration: Duration) {
        #expect(UpstreamNumber.duration(seconds) == duration)
    }

    @Test("Go durations: absurd values clamped, malformed ones ignored")
    func goDurations() {
        #expect(GoDuration.seconds("9999999999h") == Self.day)
        #expect(GoDuration.seconds(String(repeating: "9", count: 400) + "h") == Self.day)
        #expect(GoDuration.seconds(String(repeating: "9", count: 400)) == Self.day)
        #expect(GoDuration.seconds("99999999999999999999ns") == Self.day)
        #expect(GoDuration.seconds("6m0s") == 360)
        for garbage in ["", "-1s", "nan", "infs", "1e30s", "abc", "1.5.5s"] {
            #expect(GoDuration.seconds(garbage) == nil, "\(garbage)")
        }
    }

    @Test("header counts: digits only, clamped to maximumCount", arguments: [
        ("5000", 5000), (" 0 ", 0), ("99999999999999999999", UpstreamNumber.maximumCount),
        ("9223372036854775808", UpstreamNumber.maximumCount),
    ] as [(String, Int)])
    func headerCounts(text: String, count: Int) {
        #expect(UpstreamNumber.count(text[...]) == count)
    }

    @Test("header counts that are not counts are ignored", arguments: ["", "-1", "1.5", "1e3", "abc", "nan", "+3"])
    func headerCountsIgnored(text: String) {
        #expect(UpstreamNumber.count(text[...]) == nil)
    }

    @Test("body counts: any JSON number, negative as 0, fractions down, absurd clamped", arguments: [
        ("12", 12), ("12.9", 12), ("1.5e3", 1500), ("-1", 0), ("-1e400", 0), ("1e30", UpstreamNumber.maximumCount),
        ("1e400", UpstreamNumber.maximumCount), ("99999999999999999999", UpstreamNumber.maximumCount),
        ("9223372036854775807", UpstreamNumber.maximumCount), ("-9223372036854775808", 0),
    ] as [(String, Int)])
    func bodyCounts(lexeme: String, count: Int) {
        #expect(UpstreamNumber.count(JSONValue.number(lexeme)) == count)
    }

    @Test("a body value that is not a number is no count")
    func bodyCountsIgnored() {
        #expect(UpstreamNumber.count(JSONValue.string("12")) == nil)
        #expect(UpstreamNumber.count(JSONValue.null) == nil)
        #expect(UpstreamNumber.count(nil) == nil)
    }

    @Test("counts add without overflowing")
    func sums() {
        #expect(UpstreamNumber.sum(Int.max, Int.max) == UpstreamNumber.maximumCount)
        #expect(UpstreamNumber.sum(UpstreamNumber.maximumCount, 1) == UpstreamNumber.maximumCount)
        #expect(UpstreamNumber.sum(-5, 3) == 3)
        #expect(Usage(promptTokens: Int.max, completionTokens: 1).totalTokens == UpstreamNumber.maximumCount)
    }
}

@Suite("Money")
struct MoneyTests {
    @Test("decimal text is read exactly, up to nine decimals; anything else is refused")
    func parse() {
        #expect(Money(usd: "0.15")?.nanos == 150_000_000)
        #expect(Money(usd: "12")?.nanos == 12_000_000_000)
        #expect(Money(usd: ".5")?.nanos == 500_000_000)
        #expect(Money(usd: "0.000000001")?.nanos == 1)
        #expect(Money(usd: "-1.25")?.nanos == -1_250_000_000)
        for bad in ["", ".", "1e-3", "0.0000000001", "abc", "1.2.3", "+1", "99999999999", " 1"] { #expect(Money(usd: bad) == nil, "\(bad)") }
        #expect(Money(usd: "0.0375")?.description == "0.0375")
        #expect(Money(nanos: -1).description == "-0.000000001")
    }

    @Test("scaling rounds half up in 128 bits")
    func scale() {
        #expect(Money(nanos: 3).scaled(by: 1, dividedBy: 2) == Money(nanos: 2))
        #expect(Money(nanos: 37_500_000).scaled(by: 1, dividedBy: 1_000_000) == Money(nanos: 38))
        #expect(Money(usd: "100")!.scaled(by: 1_000_000_000, dividedBy: 1_000_000) == Money(usd: "100000"))
        #expect(Money(nanos: -3).scaled(by: 1, dividedBy: 2) == Money(nanos: -2))
    }
}
