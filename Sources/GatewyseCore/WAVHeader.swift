/// The 44-byte RIFF/WAVE header of 16-bit little-endian PCM. A stream whose length is not known
/// when the header goes out says `0xFFFFFFFF` for the RIFF and data sizes — the convention
/// streamed WAV (OpenAI's `/audio/speech` among them) uses, which players and `AudioDuration`
/// read as "until the end".
public enum WAVHeader {
    public static let streamingSize: UInt32 = 0xFFFF_FFFF

    /// - Parameter dataBytes: the PCM's length, or nil when still unknown (streaming).
    public static func pcm16(sampleRate: Int, channels: Int = 1, dataBytes: Int? = nil) -> [UInt8] {
        func le32(_ value: UInt32) -> [UInt8] { [UInt8(value & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value >> 16 & 0xFF), UInt8(value >> 24 & 0xFF)] }
        func le16(_ value: Int) -> [UInt8] { [UInt8(value & 0xFF), UInt8(value >> 8 & 0xFF)] }
        let blockAlign = channels * 2
        let data = dataBytes.map { UInt32(clamping: $0) } ?? streamingSize
        let riff = dataBytes.map { UInt32(clamping: $0 + 36) } ?? streamingSize
        var out = Array("RIFF".utf8) + le32(riff) + Array("WAVEfmt ".utf8)
        out += le32(16) + le16(1) + le16(channels) + le32(UInt32(clamping: sampleRate)) + le32(UInt32(clamping: sampleRate * blockAlign))
        out += le16(blockAlign) + le16(16)
        out += Array("data".utf8) + le32(data)
        return out
    }
}
