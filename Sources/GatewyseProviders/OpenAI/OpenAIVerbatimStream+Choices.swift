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

    private static let quote = UInt8(ascii: "\""), backslash = UInt8(ascii: "\\"), colon = UInt8(ascii: ":")
    private static let finishReasonKey = Array("finish_reason".utf8)
    private static let textKeys = ["content", "reasoning_content", "reasoning", "refusal", "name", "arguments"].map { Array($0.utf8) }

    /// One pass over the bytes of `choices`: each `"key": "string"` pair is checked against the
    /// few keys read, by length first. No allocation but the finish reason's string.
    static func scan(choices: UnsafeBufferPointer<UInt8>) -> ChoicesSeen {
        var seen = ChoicesSeen()
        let count = choices.count
        var i = 0
        while i < count {
            guard choices[i] == quote else { i += 1; continue }
            let keyStart = i + 1
            let keyEnd = stringEnd(choices, from: keyStart)
            guard keyEnd < count else { break }
            var j = skipSpace(choices, from: keyEnd + 1)
            // A string not followed by ':' is a value of a key not read (or an array item).
            guard j < count, choices[j] == colon else { i = keyEnd + 1; continue }
            j = skipSpace(choices, from: j + 1)
            guard j < count, choices[j] == quote else { i = j; continue }
            let valueStart = j + 1
            let valueEnd = min(stringEnd(choices, from: valueStart), count)
            let key = UnsafeBufferPointer(rebasing: choices[keyStart..<keyEnd])
            if key.count == finishReasonKey.count, key.elementsEqual(finishReasonKey) {
                seen.finishReason = FinishReason(rawValue: String(decoding: UnsafeBufferPointer(rebasing: choices[valueStart..<valueEnd]), as: UTF8.self))
            } else if textKeys.contains(where: { $0.count == key.count && key.elementsEqual($0) }) {
                seen.textBytes += valueEnd - valueStart
            }
            i = valueEnd + 1
        }
        return seen
    }

    /// The index of the quote closing a string whose first byte is at `start` (past the end
    /// when it is not closed).
    private static func stringEnd(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> Int {
        var end = start
        while end < bytes.count, bytes[end] != quote { end += bytes[end] == backslash ? 2 : 1 }
        return end
    }

    private static func skipSpace(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> Int {
        var i = start
        while i < bytes.count, bytes[i] == 0x20 || bytes[i] == 0x0A || bytes[i] == 0x0D || bytes[i] == 0x09 { i += 1 }
        return i
    }
}
