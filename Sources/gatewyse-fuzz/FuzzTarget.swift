import Foundation

/// The parsers fuzzed, one per input format an outsider controls: request and answer bodies
/// (`json`), upstream SSE streams and the stream decoders on top (`sse`), Bedrock's binary
/// event stream (`eventstream`), the configuration file (`config`) and audio uploads' multipart
/// forms (`multipart`).
///
/// Each harness checks properties, not just "no crash": whatever the parser accepts must
/// survive a round trip, and a stream decoder must produce the same events however the bytes
/// are split. A violated property is a `fatalError`, which libFuzzer reports as a crash.
enum FuzzTarget: String, CaseIterable, Sendable {
    case json
    case sse
    case eventstream
    case config
    case multipart

    /// From `GATEWYSE_FUZZ_TARGET`; read once.
    static let selected: FuzzTarget = {
        let name = ProcessInfo.processInfo.environment["GATEWYSE_FUZZ_TARGET"] ?? ""
        guard let target = FuzzTarget(rawValue: name) else {
            fatalError("GATEWYSE_FUZZ_TARGET must be one of \(allCases.map(\.rawValue)), got \"\(name)\"")
        }
        return target
    }()

    func run(_ input: UnsafeBufferPointer<UInt8>) {
        switch self {
        case .json: JSONFuzzing.run(input)
        case .sse: SSEFuzzing.run(input)
        case .eventstream: EventStreamFuzzing.run(input)
        case .config: ConfigurationFuzzing.run(input)
        case .multipart: MultipartFuzzing.run(input)
        }
    }
}

/// Chunk sizes for splitting an input, derived from the input itself so that a crash
/// reproduces from the saved file alone: 1 to 64 bytes, from a small linear congruential
/// sequence seeded with the input's length and first byte.
struct FuzzSplits: Sequence, IteratorProtocol {
    private var state: UInt32

    init(seed input: UnsafeBufferPointer<UInt8>) {
        state = UInt32(truncatingIfNeeded: input.count) &* 2_654_435_761 &+ UInt32(input.first ?? 0)
    }

    mutating func next() -> Int? {
        state = state &* 1_664_525 &+ 1_013_904_223
        return Int(state >> 26) + 1
    }

    /// `input` cut into consecutive pieces of these sizes.
    static func pieces(of input: UnsafeBufferPointer<UInt8>) -> [[UInt8]] {
        var pieces: [[UInt8]] = []
        var start = 0
        var sizes = FuzzSplits(seed: input)
        while start < input.count, let size = sizes.next() {
            let end = Swift.min(start + size, input.count)
            pieces.append(Array(input[start..<end]))
            start = end
        }
        return pieces
    }
}
