/// Finds an arithmetic expression (digit, operator, digit) in text: a strong hint of a math task
/// that no keyword catches ("what is 17*23?"). `-` is not an operator here, so dates
/// (2026-11-24) and ranges do not count.
enum ArithmeticScanner {
    static func containsExpression(_ text: String, limit: Int) -> Bool {
        var sawDigit = false
        var sawOperator = false
        for byte in text.utf8.prefix(limit) {
            switch byte {
            case 48...57:
                if sawOperator { return true }
                sawDigit = true
            case 32:
                continue
            case 43, 42, 47, 94, 61: // + * / ^ =
                if sawDigit && !sawOperator { sawOperator = true } else { sawDigit = false; sawOperator = false }
            default:
                sawDigit = false
                sawOperator = false
            }
        }
        return false
    }
}
