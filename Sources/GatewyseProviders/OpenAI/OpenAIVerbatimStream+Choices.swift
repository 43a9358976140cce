#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import GatewyseCore

extension OpenAIVerbatimStreamFilter {
    /// What the verbatim path reads of a frame's `choices` value.
    struct ChoicesSeen: Equatable {
        var finishReason: FinishReason?
        /// Bytes of generated text: the string values of `content`, `reasoning_content`,
        /// `reasoning`, `refusal`, and a tool call's `name` and `arguments`, as the JSON spells
        /// them (an escape such as `\n` counts two bytes: the count feeds a rough estimate, and
        /// decoding escapes would cost more than it is worth on the hot path).
        var textBytes = 0
    }

    /// What a key of `choices` means to the scan.
    private enum KeyRole { case finishReason, text, other }

    private static let quote = UInt8(ascii: "\""), backslash = UInt8(ascii: "\\"), colon = UInt8(ascii: ":")

    /// One pass over the bytes of `choices`, run on every frame of every verbatim stream: each
    /// `"key": "string"` pair is checked against the few keys read. Strings are crossed eight
    /// bytes at a time (`JSONByteScan`), keys told apart by length before their bytes are
    /// compared. No allocation but the finish reason's string.
    static func scan(choices: UnsafeBufferPointer<UInt8>) -> ChoicesSeen {
        var seen = ChoicesSeen()
        guard let base = choices.baseAddress else { return seen }
        let count = choices.count
        var i = 0
        while true {
            // The next string: outside strings only structure, numbers and literals come first.
            i = nextQuote(base, from: i, count: count)
            guard i < count else { break }
            let keyStart = i + 1
            let keyEnd = stringEnd(base, from: keyStart, count: count)
            guard keyEnd < count else { break }
            var j = skipSpace(base, from: keyEnd + 1, count: count)
            // A string not followed by ':' is a value of a key not read (or an array item).
            guard j < count, base[j] == colon else { i = keyEnd + 1; continue }
            j = skipSpace(base, from: j + 1, count: count)
            guard j < count, base[j] == quote else { i = j; continue }
            let valueStart = j + 1
            let valueEnd = stringEnd(base, from: valueStart, count: count)
            // An unterminated value counts nothing (the skimmer accepted the frame, so it never is).
            guard valueEnd < count else { break }
            switch role(of: UnsafeRawBufferPointer(start: base + keyStart, count: keyEnd - keyStart)) {
            case .finishReason:
                seen.finishReason = FinishReason(rawValue: String(decoding: UnsafeBufferPointer(start: base + valueStart, count: valueEnd - valueStart), as: UTF8.self))
            case .text:
                seen.textBytes += valueEnd - valueStart
            case .other:
                break
            }
            i = valueEnd + 1
        }
        return seen
    }

    /// `finish_reason`, one of the text keys, or another key: by length first, then the bytes.
    private static func role(of key: UnsafeRawBufferPointer) -> KeyRole {
        switch key.count {
        case 4: return matches(key, "name") ? .text : .other
        case 7: return matches(key, "content") || matches(key, "refusal") ? .text : .other
        case 9: return matches(key, "reasoning") || matches(key, "arguments") ? .text : .other
        case 13: return matches(key, "finish_reason") ? .finishReason : .other
        case 17: return matches(key, "reasoning_content") ? .text : .other
        default: return .other
        }
    }

    private static func matches(_ key: UnsafeRawBufferPointer, _ name: StaticString) -> Bool {
        guard let start = key.baseAddress else { return name.utf8CodeUnitCount == 0 }
        return memcmp(start, name.utf8Start, name.utf8CodeUnitCount) == 0
    }

    /// The index of the next quote at or after `start` (`count` when there is none).
    private static func nextQuote(_ base: UnsafePointer<UInt8>, from start: Int, count: Int) -> Int {
        var index = start, passed: UInt64 = 0
        while index < count {
            // Stops at quotes, backslashes and control bytes; only a quote ends the search.
            index = JSONByteScan.plainRunEnd(base, from: index, count: count, seen: &passed)
            guard index < count else { break }
            if base[index] == quote { return index }
            index += 1
        }
        return count
    }

    /// The index of the quote closing a string whose first byte is at `start` (`count` or past
    /// it when the string is not closed).
    private static func stringEnd(_ base: UnsafePointer<UInt8>, from start: Int, count: Int) -> Int {
        var index = start, passed: UInt64 = 0
        while index < count {
            index = JSONByteScan.plainRunEnd(base, from: index, count: count, seen: &passed)
            guard index < count else { break }
            switch base[index] {
            case quote: return index
            case backslash: index += 2
            default: index += 1
            }
        }
        return index
    }

    private static func skipSpace(_ base: UnsafePointer<UInt8>, from start: Int, count: Int) -> Int {
        var i = start
        while i < count, base[i] == 0x20 || base[i] == 0x0A || base[i] == 0x0D || base[i] == 0x09 { i += 1 }
        return i
    }
}
