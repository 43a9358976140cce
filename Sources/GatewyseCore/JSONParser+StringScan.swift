extension JSONParser.Cursor {
    /// The index of the first quote, backslash or control character at or after `start` (or
    /// the last few bytes' start, fewer than eight, which the caller's byte loop finishes),
    /// read eight bytes at a time. `nonASCII` is set when a byte before it is 0x80 or above.
    ///
    /// Why: scanning string contents byte by byte was the parser's largest cost on a chat body
    /// (most of a request's bytes are message text) and the skimmer's on an upstream answer;
    /// `make bench-wire` measures it. Each test is the classic "has a zero byte" bit trick on
    /// the word XORed with the byte looked for; its lowest flagged byte is always a true match
    /// (a false one needs a borrow from a true one below it), which is the only one used.
    @inline(__always)
    func stringRunEnd(from start: Int, nonASCII: inout Bool) -> Int {
        guard let base = bytes.baseAddress else { return start }
        let ones: UInt64 = 0x0101_0101_0101_0101
        let high: UInt64 = 0x8080_8080_8080_8080
        var index = start
        var seen: UInt64 = 0
        while index &+ 8 <= bytes.count {
            let word = UInt64(littleEndian: UnsafeRawPointer(base + index).loadUnaligned(as: UInt64.self))
            let quote = word ^ (ones &* 0x22)
            let backslash = word ^ (ones &* 0x5C)
            let stops = (((quote &- ones) & ~quote) | ((backslash &- ones) & ~backslash) | ((word &- ones &* 0x20) & ~word)) & high
            if stops != 0 {
                let plainBytes = stops.trailingZeroBitCount / 8
                // Only the bytes before the stop belong to this run.
                seen |= word & ((1 &<< UInt64(plainBytes &* 8)) &- 1)
                index &+= plainBytes
                break
            }
            seen |= word
            index &+= 8
        }
        if seen & high != 0 { nonASCII = true }
        return index
    }
}
