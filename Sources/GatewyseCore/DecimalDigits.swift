/// A number's decimal digits written straight into memory, for text built on the request path
/// without allocating: the usage journal's numbers, the rate-limit reset times.
public enum DecimalDigits {
    /// Writes `value`'s digits from `start` on (room for its digits, 20 at most); returns how many.
    @inlinable
    public static func write(_ value: UInt64, to start: UnsafeMutablePointer<UInt8>) -> Int {
        var digits = 1
        var rest = value / 10
        while rest > 0 { digits &+= 1; rest /= 10 }
        var position = digits
        rest = value
        repeat {
            position &-= 1
            start[position] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: rest % 10)
            rest /= 10
        } while rest > 0
        return digits
    }
}
