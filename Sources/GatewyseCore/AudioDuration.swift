/// An audio file's length read from its header, where the header says it without decoding:
/// RIFF/WAVE (the `fmt ` chunk's byte rate and the `data` chunk's size). Used for the usage of
/// a transcription whose answer does not report its duration. Total on any input: a file that
/// is not WAV, or whose header lies, gives nil or a clamped value, never a trap.
public enum AudioDuration {
    public static func milliseconds(ofWAV bytes: ArraySlice<UInt8>) -> Int? {
        guard bytes.count >= 12 else { return nil }
        let base = bytes.startIndex
        func tag(_ offset: Int) -> String { String(decoding: bytes[(base + offset)..<(base + offset + 4)], as: UTF8.self) }
        func le32(_ offset: Int) -> Int {
            Int(bytes[base + offset]) | Int(bytes[base + offset + 1]) << 8 | Int(bytes[base + offset + 2]) << 16 | Int(bytes[base + offset + 3]) << 24
        }
        guard tag(0) == "RIFF", tag(8) == "WAVE" else { return nil }
        var offset = 12
        var byteRate: Int?
        // At most a few dozen chunks are looked at: a header is not a place to spend time.
        for _ in 0..<64 {
            guard offset + 8 <= bytes.count else { return nil }
            let id = tag(offset)
            let size = le32(offset + 4)
            if id == "fmt ", size >= 16, offset + 8 + 12 <= bytes.count {
                byteRate = le32(offset + 8 + 8)
            } else if id == "data" {
                guard let byteRate, byteRate > 0 else { return nil }
                // A streamed WAV says 0 or 0xFFFFFFFF: the bytes present are what counts.
                let present = bytes.count - offset - 8
                let dataBytes = size == 0 || size == 0xFFFF_FFFF ? present : min(size, present)
                return dataBytes * 1000 / byteRate
            }
            let next = offset + 8 + size + (size & 1)
            guard next > offset else { return nil }
            offset = next
        }
        return nil
    }
}
