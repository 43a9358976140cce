/// An amount of US dollars, exact: a whole number of nano-dollars (10⁻⁹ USD). Prices and costs
/// are never `Double`: a budget summed over millions of requests must come out to the cent, and
/// a price such as $0.15 per million tokens is 0.15 nano-dollars… per token, so nano-dollars per
/// *million* tokens (`ModelPrice`) keep every price with up to nine decimals exact. Arithmetic
/// saturates at the bounds instead of trapping (±9.2 billion USD).
public struct Money: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var nanos: Int64

    public init(nanos: Int64) {
        self.nanos = nanos
    }

    public static let zero = Money(nanos: 0)
    public static let max = Money(nanos: .max)
    static let nanosPerDollar: Int64 = 1_000_000_000

    /// A decimal amount of dollars as written (`"0.15"`, `"12"`, `"1e-3"` is refused): exact, up to
    /// nine decimals; nil for anything else (more decimals, a sign other than a leading `-`,
    /// exponent notation, overflow).
    public init?(usd text: some StringProtocol) {
        var digits = Substring(text)
        var negative = false
        if digits.first == "-" { negative = true; digits = digits.dropFirst() }
        let parts = digits.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        guard let whole = parts.first, !whole.isEmpty || parts.count == 2 else { return nil }
        let fraction = parts.count == 2 ? parts[1] : ""
        guard fraction.count <= 9, !(whole.isEmpty && fraction.isEmpty),
              whole.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }), fraction.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }) else { return nil }
        var value: Int64 = 0
        for byte in whole.utf8 {
            let (times, o1) = value.multipliedReportingOverflow(by: 10)
            let (plus, o2) = times.addingReportingOverflow(Int64(byte - 48))
            guard !o1, !o2 else { return nil }
            value = plus
        }
        let (dollars, overflow) = value.multipliedReportingOverflow(by: Self.nanosPerDollar)
        guard !overflow else { return nil }
        var fractionNanos: Int64 = 0
        var scale: Int64 = 100_000_000
        for byte in fraction.utf8 {
            fractionNanos += Int64(byte - 48) * scale
            scale /= 10
        }
        let (total, o3) = dollars.addingReportingOverflow(fractionNanos)
        guard !o3 else { return nil }
        nanos = negative ? -total : total
    }

    /// From a literal or a configuration number already read as `Double`: rounded to the nearest
    /// nano-dollar, which is exact for every amount written with up to nine decimals.
    public init(approximating usd: Double) {
        let scaled = (usd * Double(Self.nanosPerDollar)).rounded()
        if scaled.isNaN { nanos = 0 } else if scaled >= Double(Int64.max) { nanos = .max } else if scaled <= Double(Int64.min) { nanos = .min } else {
            nanos = Int64(scaled)
        }
    }

    /// For ranking only (least-cost routing), never for accounting.
    public var approximateUSD: Double { Double(nanos) / Double(Self.nanosPerDollar) }

    /// `12.340000001` style: every significant decimal, no exponent.
    public var description: String {
        let magnitude = nanos.magnitude
        let whole = magnitude / UInt64(Self.nanosPerDollar), fraction = magnitude % UInt64(Self.nanosPerDollar)
        var text = (nanos < 0 ? "-" : "") + String(whole)
        if fraction != 0 {
            var digits = String(fraction)
            digits = String(repeating: "0", count: 9 - digits.count) + digits
            while digits.last == "0" { digits.removeLast() }
            text += "." + digits
        }
        return text
    }

    public static func < (lhs: Money, rhs: Money) -> Bool { lhs.nanos < rhs.nanos }

    public static func + (lhs: Money, rhs: Money) -> Money {
        let (sum, overflow) = lhs.nanos.addingReportingOverflow(rhs.nanos)
        return overflow ? (rhs.nanos > 0 ? .max : Money(nanos: .min)) : Money(nanos: sum)
    }

    public static func += (lhs: inout Money, rhs: Money) { lhs = lhs + rhs }

    public static func - (lhs: Money, rhs: Money) -> Money { lhs + Money(nanos: rhs.nanos == .min ? .max : -rhs.nanos) }

    /// `self × count / divisor`, rounded half away from zero, computed in 128 bits so that a price
    /// per million tokens times any token count cannot overflow on the way.
    public func scaled(by count: Int, dividedBy divisor: Int64) -> Money {
        precondition(divisor > 0)
        let product = nanos.multipliedFullWidth(by: Int64(clamping: count))
        let negative = (product.high < 0)
        // |product| as a 128-bit magnitude.
        var high = UInt64(bitPattern: product.high), low = product.low
        if negative {
            low = ~low &+ 1
            high = ~high &+ (low == 0 ? 1 : 0)
        }
        let d = UInt64(divisor)
        guard high < d else { return negative ? Money(nanos: .min) : .max }
        let (quotient, remainder) = d.dividingFullWidth((high, low))
        var rounded = quotient
        if remainder >= d - remainder { rounded += 1 }
        guard rounded <= UInt64(Int64.max) else { return negative ? Money(nanos: .min) : .max }
        return Money(nanos: negative ? -Int64(rounded) : Int64(rounded))
    }
}

extension Money: ExpressibleByFloatLiteral, ExpressibleByIntegerLiteral {
    /// `0.15` in source: the literal's decimal value, to the nano-dollar.
    public init(floatLiteral value: Double) { self.init(approximating: value) }
    public init(integerLiteral value: Int64) {
        let (n, overflow) = value.multipliedReportingOverflow(by: Self.nanosPerDollar)
        nanos = overflow ? (value > 0 ? .max : .min) : n
    }
}
