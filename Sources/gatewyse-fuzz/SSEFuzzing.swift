import GatewyseCore
import GatewyseProviders

/// Upstream SSE streams: `SSEDecoder`, then every adapter's stream decoder and the verbatim
/// filter on the same bytes.
///
/// Property: the decoder yields the same events whether the stream arrives whole or cut into
/// pieces anywhere (network reads split lines, CR LF pairs and UTF-8 sequences at random).
enum SSEFuzzing {
    static let request = ChatRequest(model: "fuzz", messages: [ChatMessage(role: .user, content: .text("hi"))])

    static func run(_ input: UnsafeBufferPointer<UInt8>) {
        let pieces = FuzzSplits.pieces(of: input)
        var whole = SSEDecoder()
        var split = SSEDecoder()
        guard var all = try? whole.feed(buffer: input) else { fatalError("the SSE decoder refused a short stream") }
        if let last = whole.finish() { all.append(last) }
        var events: [SSEEvent] = []
        for piece in pieces {
            guard let decoded = try? split.feed(piece) else { fatalError("the SSE decoder refused a short stream") }
            events += decoded
        }
        if let last = split.finish() { events.append(last) }
        guard events == all else { fatalError("the SSE decoder's events depend on how the stream was split") }

        for adapter in FuzzAdapters.all {
            var decoder = adapter.makeChatStreamDecoder(for: request)
            for piece in pieces { _ = try? decoder.decode(piece) }
            if var filter = adapter.makeVerbatimStreamFilter(for: request) {
                for piece in pieces { _ = try? filter.filter(piece) }
            }
        }
    }
}
