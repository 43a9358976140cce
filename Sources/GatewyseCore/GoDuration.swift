/// Parses Go `time.Duration` strings — the format of OpenAI's and Groq's
/// `x-ratelimit-reset-requests` / `-tokens` headers (`1s`, `6m0s`, `250ms`, `1h2m3.5s`;
/// providers.md §1 "Errors and limits") — into seconds.
///
/// Accepted: one or more `<decimal><unit>` pairs with units `ns`, `us`, `µs`, `μs`, `ms`, `s`,
/// `m`, `h`; a lone `0`; and, because some servers send plain seconds in the same headers, a bare
/// decimal number. Surrounding spaces are ignored. Negative or malformed values give `nil`;
/// absurd ones (`9999999999h`, hundreds of digits) are clamped to `UpstreamNumber.maximumDelay`,
/// since the result is a wait the gateway computes with and passes on.
/// Works on UTF-8 bytes and allocates nothing.
public enum GoDuration {
    public static func seconds(_ text: String) -> Double? {
        seconds(text[...])
    }

    public static func seconds(_ text: Substring) -> Double? {
        var bytes = text.utf8
        while let first = bytes.first, first == 0x20 || first == 0x09 { bytes.removeFirst() }
        while let last = bytes.last, last == 0x20 || last == 0x09 { bytes.removeLast() }
        if bytes.first == UInt8(ascii: "+") { bytes.removeFirst() }
        guard !bytes.isEmpty else { return nil }

        var total = 0.0
        var sawUnit = false
        var pairs = 0
        while !bytes.isEmpty {
            guard let number = parseDecimal(&bytes) else { return nil }
            var unit: UInt32 = 0
            var unitLength = 0
            while let byte = bytes.first, !isDecimalByte(byte) {
                guard unitLength < 3 else { return nil }
                unit = unit << 8 | UInt32(byte)
                unitLength += 1
                bytes.removeFirst()
            }
            pairs += 1
            if unitLength == 0 {
                // A bare number: plain seconds, but only as the whole value ("5", not "1m5").
                guard pairs == 1, bytes.isEmpty else { return nil }
                return clamped(number)
            }
            guard let scale = scale(ofUnit: unit) else { return nil }
            total += number * scale
            sawUnit = true
        }
        return sawUnit ? clamped(total) : nil
    }

    /// Digits alone can overflow a `Double` to infinity: that is still "very long", not garbage.
    private static func clamped(_ seconds: Double) -> Double? {
        UpstreamNumber.delay(seconds.isNaN ? nil : min(seconds, .greatestFiniteMagnitude))
    }

    private static func isDecimalByte(_ byte: UInt8) -> Bool {
        (byte >= 0x30 && byte <= 0x39) || byte == 0x2E
    }

    /// Digits with at most one '.', at least one digit.
    private static func parseDecimal(_ bytes: inout Substring.UTF8View) -> Double? {
        var value = 0.0
        var fractionScale = 0.0
        var digits = 0
        while let byte = bytes.first, isDecimalByte(byte) {
            if byte == 0x2E {
                guard fractionScale == 0 else { return nil }
                fractionScale = 0.1
            } else {
                let digit = Double(byte - 0x30)
                if fractionScale == 0 {
                    value = value * 10 + digit
                } else {
                    value += digit * fractionScale
                    fractionScale /= 10
                }
                digits += 1
            }
            bytes.removeFirst()
        }
        return digits > 0 ? value : nil
    }

    /// Units packed big-endian into a UInt32 so matching is one switch.
    private static func scale(ofUnit unit: UInt32) -> Double? {
        switch unit {
        case 0x68: 3_600             // h
        case 0x6D: 60                // m
        case 0x73: 1                 // s
        case 0x6D73: 1e-3            // ms
        case 0x7573: 1e-6            // us
        case 0xC2B573: 1e-6          // µs (U+00B5 MICRO SIGN)
        case 0xCEBC73: 1e-6          // μs (U+03BC GREEK SMALL LETTER MU)
        case 0x6E73: 1e-9            // ns
        default: nil
        }
    }
}
