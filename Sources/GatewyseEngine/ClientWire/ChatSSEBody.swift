import GatewyseCore
import GatewyseProviders

/// How a client format writes a chat stream as Server-Sent Events.
protocol ChatSSEFraming: Sendable {
    mutating func encode(_ chunk: ChatChunk, into out: inout [UInt8])
    /// A failure after the stream started, reported in-band as the client's SDK expects it.
    func encode(error: GatewayError, into out: inout [UInt8])
    /// What ends a complete stream (`data: [DONE]`, `message_stop`).
    mutating func finish(into out: inout [UInt8])
}

/// OpenAI's framing: `data: <chunk>` events, `data: {"error":…}` for a failure (the OpenAI SDKs
/// raise it as `APIError`) without `[DONE]`, and `data: [DONE]` at the end. `encodeChunk`
/// chooses the chunk shape (chat, or legacy completions, which skip some chunks).
struct OpenAISSEFraming: ChatSSEFraming {
    let encodeChunk: @Sendable (ChatChunk) -> JSONValue?

    static let chat = OpenAISSEFraming { OpenAIChatWire.encodeChunk($0) }

    func encode(_ chunk: ChatChunk, into out: inout [UInt8]) {
        if let json = encodeChunk(chunk) { SSEEncoder.encodeData(json, into: &out) }
    }

    func encode(error: GatewayError, into out: inout [UInt8]) { SSEEncoder.encodeData(error.openAIBody, into: &out) }

    func finish(into out: inout [UInt8]) { out.append(contentsOf: SSEEncoder.done) }
}

/// The bytes of a chat stream for its client, one batch per upstream read, the same for the
/// engine's `InferenceStream`: `next()` gives what to write
/// and whether it is the last of it (after an in-band error or the framing's end), then nil.
/// A verbatim stream's frames go out as the upstream sent them. Errors other than
/// `GatewayError` (the stream broke below HTTP) are thrown: the caller closes the connection.
final class ChatSSEBody<Framing: ChatSSEFraming> {
    let stream: ChatStream
    var framing: Framing
    private var buffer: [UInt8] = []
    private var done = false
    /// The failure reported in-band at the end, if the stream did not complete.
    private(set) var failure: GatewayError?

    init(stream: ChatStream, framing: Framing) {
        self.stream = stream
        self.framing = framing
        buffer.reserveCapacity(1024)
    }

    /// Ends the stream now with `error` in-band (a drain's deadline passed).
    func abort(_ error: GatewayError) -> (bytes: [UInt8], isLast: Bool)? {
        guard !done else { return nil }
        done = true
        failure = error
        buffer.removeAll(keepingCapacity: true)
        framing.encode(error: error, into: &buffer)
        return (buffer, true)
    }

    func next() async throws -> (bytes: [UInt8], isLast: Bool)? {
        guard !done else { return nil }
        buffer.removeAll(keepingCapacity: true)
        do {
            while true {
                if stream.isVerbatim {
                    guard let frames = try await stream.nextVerbatim() else { break }
                    guard stream.hasEnded else { return (frames, false) }
                    buffer = frames
                    break
                }
                guard let chunks = try await stream.next() else { break }
                for chunk in chunks { framing.encode(chunk, into: &buffer) }
                // The end goes out with the last bytes when they complete the stream (one write).
                if stream.hasEnded { break }
                if !buffer.isEmpty { return (buffer, false) }
            }
            framing.finish(into: &buffer)
        } catch let error as GatewayError {
            failure = error
            buffer.removeAll(keepingCapacity: true)
            framing.encode(error: error, into: &buffer)
        }
        done = true
        return (buffer, true)
    }
}
