/// Finding the bytes a JSON string cannot hold as they are — a quote, a backslash, a control
/// character — eight bytes at a time: the parser and the skimmer scan string contents with it,
/// and the writer looks for what to escape with it.
///
/// Why: scanning string contents byte by byte was the parser's largest cost on a chat body
/// (most of a request's bytes are message text), the skimmer's on an upstream answer, and the
/// writer's on every journal line; `make bench-wire` measures the decode. Each test is the classic
/// "has a zero byte" bit trick on the word XORed with the byte looked for; its lowest flagged
/// byte is always a true match (a false one needs a borrow from a true one below it), and only
/// that one is used.
public enum JSONByteScan {
    /// The index of the first quote, backslash or control character at or after `start` in
    /// `base[0..<count]`, or the start of the last few bytes (fewer than eight), which the
    /// caller's byte loop finishes. `seen` collects the bytes passed over (OR-ed), so a caller
    /// can tell whether any was 0x80 or above.
    @inlinable @inline(__always)
    public static func plainRunEnd(_ base: UnsafePointer<UInt8>, from start: Int, count: Int, seen: inout UInt64) -> Int {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let high: UInt64 = 0x8080_8080_8080_8080
        var index = start
        while index &+ 8 <= count {
            let word = UInt64(littleEndian: UnsafeRawPointer(base + index).loadUnaligned(as: UInt64.self))
            let quote = word ^ (ones &* 0x22)
            let backslash = word ^ (ones &* 0x5C)
            let stops = (((quote &- ones) & ~quote) | ((backslash &- ones) & ~backslash) | ((word &- ones &* 0x20) & ~word)) & high
            if stops != 0 {
                let plainBytes = stops.trailingZeroBitCount / 8
                // Only the bytes before the stop were passed over.
                seen |= word & ((1 &<< UInt64(plainBytes &* 8)) &- 1)
                return index &+ plainBytes
            }
            seen |= word
            index &+= 8
        }
        return index
    }

    public static let highBits: UInt64 = 0x8080_8080_8080_8080
}

extension JSONParser.Cursor {
    /// `JSONByteScan.plainRunEnd` over the document; `nonASCII` is set when a byte passed over
    /// is 0x80 or above.
    @inline(__always)
    func stringRunEnd(from start: Int, nonASCII: inout Bool) -> Int {
        guard let base = bytes.baseAddress else { return start }
        var seen: UInt64 = 0
        let end = JSONByteScan.plainRunEnd(base, from: start, count: bytes.count, seen: &seen)
        if seen & JSONByteScan.highBits != 0 { nonASCII = true }
        return end
    }
}
