/// A credential that must never be printed (ARCHITECTURE rule 10): its descriptions say
/// `<redacted>`, so string interpolation into a log line or an error cannot leak it.
public struct Secret: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible {
    /// The plaintext. Read it only where it goes onto the wire.
    public let revealed: String

    public init(_ value: String) { revealed = value }

    public var description: String { "<redacted>" }
    public var debugDescription: String { "<redacted>" }
    public var isEmpty: Bool { revealed.isEmpty }
}

extension Secret {
    /// Removes every occurrence of this secret (and of its 8+ character prefixes that providers
    /// echo back, such as "sk-abc12***") from text that may reach a client or a log.
    public func scrub(_ text: String) -> String {
        guard revealed.count >= 8 else { return text }
        var result = text.replacingOccurrences(of: revealed, with: "<redacted>")
        let prefix = String(revealed.prefix(8))
        result = result.replacingOccurrences(of: prefix, with: "<redacted>")
        return result
    }
}

extension String {
    /// Foundation-free literal replacement, so GatewyseCore does not need Foundation for it.
    func replacingOccurrences(of target: String, with replacement: String) -> String {
        guard !target.isEmpty, contains(target) else { return self }
        var result = ""
        var remainder = self[...]
        while let range = remainder.firstRange(of: target) {
            result += remainder[..<range.lowerBound]
            result += replacement
            remainder = remainder[range.upperBound...]
        }
        result += remainder
        return result
    }
}
