/// A fixed set of ASCII keywords matched case-insensitively at word starts in UTF-8 text, built
/// once (static) so classifying a request allocates nothing. A trailing `…` makes a keyword a
/// prefix; otherwise it must end at a word boundary too.
struct ASCIIKeywordSet: Sendable {
    private struct Keyword: Sendable {
        var bytes: [UInt8]
        var isPrefix: Bool
        /// Keywords that start with punctuation (``` or #include) need no word start.
        var needsWordStart: Bool
    }

    private let keywords: [Keyword]
    /// Which lowercase first bytes can begin a keyword: most positions are rejected by one load.
    private let firstBytes: [Bool]

    init(_ words: [String]) {
        var keywords: [Keyword] = []
        var first = [Bool](repeating: false, count: 256)
        for word in words {
            let isPrefix = word.hasSuffix("…")
            let bytes = Array((isPrefix ? String(word.dropLast()) : word).utf8).map(Self.lower)
            keywords.append(Keyword(bytes: bytes, isPrefix: isPrefix, needsWordStart: Self.isWordByte(bytes[0])))
            first[Int(bytes[0])] = true
        }
        self.keywords = keywords
        self.firstBytes = first
    }

    func matches(_ text: String, limit: Int) -> Bool {
        if let result = text.utf8.withContiguousStorageIfAvailable({ scan($0, limit: limit) }) { return result }
        // Bridged or otherwise non-contiguous strings: copy the scanned prefix once.
        let bytes = Array(text.utf8.prefix(limit))
        return bytes.withUnsafeBufferPointer { scan($0, limit: limit) }
    }

    private func scan(_ text: UnsafeBufferPointer<UInt8>, limit: Int) -> Bool {
        let end = min(text.count, limit)
        var i = 0
        while i < end {
            let c = Self.lower(text[i])
            if firstBytes[Int(c)] {
                let atWordStart = i == 0 || !Self.isWordByte(text[i - 1])
                for keyword in keywords where keyword.bytes[0] == c {
                    if keyword.needsWordStart && !atWordStart { continue }
                    if matchesKeyword(keyword, in: text, at: i, end: end) { return true }
                }
            }
            i += 1
        }
        return false
    }

    private func matchesKeyword(_ keyword: Keyword, in text: UnsafeBufferPointer<UInt8>, at start: Int, end: Int) -> Bool {
        let count = keyword.bytes.count
        guard start + count <= end else { return false }
        for j in 1..<count where Self.lower(text[start + j]) != keyword.bytes[j] { return false }
        if keyword.isPrefix { return true }
        let after = start + count
        return after >= end || !Self.isWordByte(text[after]) || !Self.isWordByte(keyword.bytes[count - 1])
    }

    @inline(__always) static func lower(_ byte: UInt8) -> UInt8 {
        (byte >= 65 && byte <= 90) ? byte | 0x20 : byte
    }

    /// ASCII letters and digits; every non-ASCII byte counts as a word byte too, so a keyword
    /// glued to an accented letter is not a separate word.
    @inline(__always) static func isWordByte(_ byte: UInt8) -> Bool {
        switch byte {
        case 48...57, 65...90, 97...122, 128...255: true
        default: false
        }
    }
}
