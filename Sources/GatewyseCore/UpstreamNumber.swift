/// The one place where a number an upstream sent — a delay in a header or an error body, a count
/// in a rate-limit header or a usage object — becomes a value the gateway computes with.
///
/// Upstreams (and whatever proxy sits in front of them) can send anything: `Retry-After: 1e30`,
/// `-1`, `nan`, a 400-digit count. Swift traps on an out-of-range `Int(_: Double)` and on integer
/// overflow, so a number taken at its word can kill the process that serves every tenant. Every
/// function here is total: what cannot be a delay or a count is ignored (`nil`), and what is
/// merely absurd is clamped to a documented ceiling, far above anything real and low enough that
/// the arithmetic done with it afterwards (sums of a few counts, `now + delay`, seconds to
/// milliseconds) cannot overflow.
public enum UpstreamNumber {
    /// The longest wait believed, in seconds: one day. No provider asks for longer (the longest
    /// real hint is a daily quota's reset); a client told to wait more would rather be told to
    /// come back tomorrow.
    public static let maximumDelay: Double = 86_400

    /// The largest count believed (tokens or requests): 2^50 ≈ 1.1 × 10^15, about a thousand
    /// times any daily quota, and small enough that adding a few thousand of them stays in `Int`.
    public static let maximumCount = 1 << 50

    // MARK: - Delays

    /// A delay in seconds: `nil` unless finite and non-negative, then at most `maximumDelay`.
    public static func delay(_ seconds: Double?) -> Double? {
        guard let seconds, seconds.isFinite, seconds >= 0 else { return nil }
        return min(seconds, maximumDelay)
    }

    /// A delay written as plain decimal seconds (`7`, `1.5`, ` 30 `): digits with at most one
    /// '.', spaces around. Signs, exponents, `inf`, `nan` and HTTP-dates are not delays here.
    public static func delay(decimalSeconds text: Substring) -> Double? {
        delay(decimal(text))
    }

    /// A delay written in milliseconds (Azure's `retry-after-ms`), as seconds.
    public static func delay(decimalMilliseconds text: Substring) -> Double? {
        decimal(text).flatMap { delay($0 / 1_000) }
    }

    /// A delay as the whole seconds of a `Retry-After` header the gateway sends: rounded up (a
    /// client that comes back early only earns another 429), within `0...maximumDelay`.
    public static func wholeSeconds(_ seconds: Double) -> Int {
        Int(clamped(seconds).rounded(.up))
    }

    /// The `Retry-After` header value for a delay: `wholeSeconds` as text.
    public static func retryAfterValue(_ seconds: Double) -> String {
        String(wholeSeconds(seconds))
    }

    /// A delay as a `Duration` to sleep for, to the millisecond above, within
    /// `0...maximumDelay`.
    public static func duration(_ seconds: Double) -> Duration {
        .milliseconds(Int((clamped(seconds) * 1_000).rounded(.up)))
    }

    /// A wait the gateway is about to act on, within `0...maximumDelay`: NaN and negative are no
    /// wait, infinity the longest.
    private static func clamped(_ seconds: Double) -> Double {
        seconds.isNaN ? 0 : min(max(seconds, 0), maximumDelay)
    }

    // MARK: - Counts

    /// A count written as decimal digits (`x-ratelimit-remaining-tokens: 5000`), spaces around;
    /// more than `maximumCount` reads as `maximumCount`. Signs, fractions and anything else:
    /// `nil`.
    public static func count(_ text: Substring) -> Int? {
        let bytes = trimmed(text)
        guard !bytes.isEmpty else { return nil }
        var value = 0
        for byte in bytes {
            guard byte >= 0x30, byte <= 0x39 else { return nil }
            // Stays below maximumCount · 10 + 9, far inside Int.
            value = min(value * 10 + Int(byte - 0x30), maximumCount)
        }
        return value
    }

    /// A count in a JSON body (a usage object's token counts): any JSON number, negative read as
    /// 0, a fraction rounded down, more than `maximumCount` (`1e30`,
    /// `99999999999999999999`) read as `maximumCount`. Not a number: `nil`.
    public static func count(_ value: JSONValue?) -> Int? {
        guard case .number(let lexeme) = value else { return nil }
        if let exact = Int(lexeme) { return min(max(exact, 0), maximumCount) }
        guard let approximate = Double(lexeme), !approximate.isNaN else { return nil }
        if approximate <= 0 { return 0 }
        if approximate >= Double(maximumCount) { return maximumCount }
        return Int(approximate.rounded(.down))
    }

    /// `a + b` for counts, stopping at `maximumCount` instead of overflowing: accumulated usage
    /// (a free-tier ledger's window) goes on growing with every answer.
    public static func sum(_ a: Int, _ b: Int) -> Int {
        let (total, overflow) = max(a, 0).addingReportingOverflow(max(b, 0))
        return overflow ? maximumCount : min(total, maximumCount)
    }

    // MARK: - Text

    /// Digits with at most one '.', at least one digit, spaces and tabs around; a value too long
    /// for a `Double` reads as the largest finite one (callers clamp it).
    static func decimal(_ text: Substring) -> Double? {
        let bytes = trimmed(text)
        var digits = 0
        var points = 0
        for byte in bytes {
            if byte == UInt8(ascii: ".") { points += 1; continue }
            guard byte >= 0x30, byte <= 0x39 else { return nil }
            digits += 1
        }
        // Checked first, so that `Double(_:)` — correctly rounded — never sees its own extras
        // (`inf`, `nan`, `1e3`, `0x1p3`).
        guard digits > 0, points <= 1, let value = Double(Substring(bytes)) else { return nil }
        return value.isFinite ? value : .greatestFiniteMagnitude
    }

    private static func trimmed(_ text: Substring) -> Substring.UTF8View {
        var bytes = text.utf8
        while let first = bytes.first, first == 0x20 || first == 0x09 { bytes.removeFirst() }
        while let last = bytes.last, last == 0x20 || last == 0x09 { bytes.removeLast() }
        return bytes
    }
}
