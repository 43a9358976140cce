import GatewyseCore
import GatewyseProviders

/// Bedrock's binary event stream: `AWSEventStreamDecoder`, then the Converse stream decoder on
/// the same bytes.
///
/// Random bytes almost never carry valid CRCs, so the input is decoded twice: as it is (the
/// framing checks), and framed — wrapped in a prelude and checksums computed here, its first two
/// bytes giving the headers' length — so that the header reader sees every byte pattern.
/// Property: the decoder yields the same messages (or refuses) whether the bytes arrive whole
/// or cut into pieces.
enum EventStreamFuzzing {
    static func run(_ input: UnsafeBufferPointer<UInt8>) {
        let raw = Array(input)
        let framed = frame(raw)
        for bytes in [raw, framed] {
            let pieces = bytes.withUnsafeBufferPointer { FuzzSplits.pieces(of: $0) }
            let whole = decode([bytes])
            let split = decode(pieces)
            guard whole == split else { fatalError("the event-stream decoder's result depends on how the bytes were split") }
            var converse = BedrockStreamDecoder(providerID: "bedrock", id: "fuzz", created: 0, model: "fuzz")
            for piece in pieces { _ = try? converse.decode(piece) }
        }
    }

    /// The messages, or nil if the decoder refused the stream at some point.
    static func decode(_ pieces: [[UInt8]]) -> [AWSEventStreamMessage]? {
        var decoder = AWSEventStreamDecoder()
        var messages: [AWSEventStreamMessage] = []
        for piece in pieces {
            guard let decoded = try? decoder.feed(piece) else { return nil }
            messages += decoded
        }
        return messages
    }

    /// `input` as one well-checksummed message: bytes 0–1 are the headers' length (cut to
    /// what is there), the rest is headers then payload.
    static func frame(_ input: [UInt8]) -> [UInt8] {
        let body = Array(input.dropFirst(2))
        let declared = input.count >= 2 ? Int(input[0]) << 8 | Int(input[1]) : 0
        let headersLength = min(declared, body.count)
        var out: [UInt8] = []
        append(UInt32(12 + body.count + 4), to: &out)
        append(UInt32(headersLength), to: &out)
        append(checksum(out), to: &out)
        out += body
        append(checksum(out), to: &out)
        return out
    }

    static func append(_ value: UInt32, to out: inout [UInt8]) {
        out += [UInt8(value >> 24), UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)]
    }

    /// CRC-32 (zlib), written out again here so the harness does not trust the decoder's own.
    static func checksum(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 == 1 ? 0xEDB8_8320 ^ (crc >> 1) : crc >> 1 }
        }
        return crc ^ 0xFFFF_FFFF
    }
}
