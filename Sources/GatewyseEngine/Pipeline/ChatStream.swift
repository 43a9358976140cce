import GatewyseCore
import GatewyseProviders

/// A started chat stream: upstream bytes in, unified chunks out, one `next()` at a time so the
/// client's pace sets the upstream's (backpressure). Tracks usage and finish for metering.
///
/// A stream opened for an OpenAI-format client from an OpenAI-format upstream may instead be
/// *verbatim* (`isVerbatim`): `nextVerbatim()` hands on the upstream's own SSE frames, read by a
/// `VerbatimStreamFilter` for usage and finish, instead of chunks.
///
/// A failure the upstream reports inside the stream is thrown once what came before it has been
/// handed on: when the decoder (or filter) returns chunks together with a `failure`, they are
/// returned first and the failure is thrown by the following call.
public final class ChatStream: @unchecked Sendable {
    // @unchecked: owned by the single task that serves the response; never shared.
    private let body: any UpstreamBody
    private var decoder: any ChatStreamDecoder
    private var verbatim: (any VerbatimStreamFilter)?
    public let providerID: String
    /// Put in chunks whose provider does not name the model (Bedrock, Cohere).
    let upstreamModel: String
    /// Whether the client asked for the usage chunk (`stream_options.include_usage`).
    let includeUsage: Bool
    /// The upstream's own usage, once it reported it.
    public private(set) var usage: Usage?
    public private(set) var finishReason: FinishReason?
    /// UTF-8 bytes of generated text handed on so far: what `UsageEstimate` counts when the
    /// upstream's usage never came (a client that left first, an upstream that reports none).
    public private(set) var producedBytes = 0
    private var ended = false
    /// A failure met in the same read as chunks still to be delivered; thrown by the next call.
    private var pendingFailure: GatewayError?

    init(body: any UpstreamBody, decoder: any ChatStreamDecoder, verbatim: (any VerbatimStreamFilter)? = nil,
         providerID: String, upstreamModel: String, includeUsage: Bool) {
        self.body = body
        self.decoder = decoder
        self.verbatim = verbatim
        self.providerID = providerID
        self.upstreamModel = upstreamModel
        self.includeUsage = includeUsage
    }

    public var isVerbatim: Bool { verbatim != nil }

    /// Input usage the upstream reported before its final usage (Anthropic's `message_start`).
    public var promptUsage: Usage? { isVerbatim ? nil : decoder.promptUsage }

    /// The upstream stream is complete and nothing is left to report: the next call returns nil.
    /// Lets the caller write the stream's end together with the last bytes.
    public var hasEnded: Bool { ended && pendingFailure == nil }

    /// The next SSE bytes for the client, as the upstream framed them (without `[DONE]`), or nil
    /// when the stream has ended. Only for a verbatim stream. Throws like `next()`.
    public func nextVerbatim() async throws -> [UInt8]? {
        guard var filter = verbatim else { return nil }
        try throwPendingFailure()
        while !ended {
            guard let bytes = try await readUpstream() else {
                ended = true
                if !filter.isFinished, filter.finishReason == nil { throw interrupted }
                return nil
            }
            let out = try filter.filter(bytes)
            usage = filter.usage ?? usage
            producedBytes = filter.producedBytes
            finishReason = filter.finishReason ?? finishReason
            verbatim = filter
            if filter.isFinished { ended = true }
            if let failure = filter.failure { return try fail(failure, after: out) }
            if !out.isEmpty { return out }
        }
        return nil
    }

    private var interrupted: GatewayError {
        GatewayError(status: 502, code: "UPSTREAM_STREAM_INTERRUPTED", type: "api_error",
                     message: "Provider '\(providerID)' closed the stream before it was complete.")
    }

    /// The next chunks for the client, or nil when the stream has ended. Throws a
    /// `GatewayError` when the upstream fails mid-stream.
    public func next() async throws -> [ChatChunk]? {
        try throwPendingFailure()
        while !ended {
            guard let bytes = try await readUpstream() else {
                ended = true
                if !decoder.isFinished, finishReason == nil { throw interrupted }
                return nil
            }
            var chunks = try decoder.decode(bytes)
            if decoder.isFinished { ended = true }
            chunks = meter(chunks)
            if let failure = decoder.failure { return try fail(failure, after: chunks) }
            if !chunks.isEmpty { return chunks }
        }
        return nil
    }

    /// Ends the stream on `failure`: throws it now when nothing precedes it, else returns what
    /// does and keeps the failure for the next call.
    private func fail<Output: Collection>(_ failure: GatewayError, after output: Output) throws(GatewayError) -> Output {
        ended = true
        if output.isEmpty { throw failure }
        pendingFailure = failure
        return output
    }

    private func throwPendingFailure() throws(GatewayError) {
        guard let failure = pendingFailure else { return }
        pendingFailure = nil
        throw failure
    }

    private func readUpstream() async throws -> [UInt8]? {
        do {
            return try await body.next()
        } catch let error as UpstreamTransportError {
            throw error == .timedOut
                ? GatewayError.upstreamTimeout(providerID)
                : GatewayError(status: 502, code: "UPSTREAM_STREAM_INTERRUPTED", type: "api_error",
                               message: "Provider '\(providerID)' stream was interrupted.")
        }
    }

    /// Records usage and finish reason; hides usage from clients that did not ask for it (the
    /// gateway asks upstreams for it regardless, to meter every stream).
    private func meter(_ chunks: [ChatChunk]) -> [ChatChunk] {
        var out: [ChatChunk] = []
        out.reserveCapacity(chunks.count)
        for var chunk in chunks {
            if chunk.model.isEmpty { chunk.model = upstreamModel }
            if let usage = chunk.usage { self.usage = usage }
            for choice in chunk.choices {
                if let reason = choice.finishReason { finishReason = reason }
                producedBytes += Self.textBytes(choice.delta)
            }
            if !includeUsage, chunk.usage != nil {
                chunk.usage = nil
                if chunk.choices.isEmpty { continue }
            }
            out.append(chunk)
        }
        return out
    }

    /// Generated text in a delta, in UTF-8 bytes (O(1) per native string).
    static func textBytes(_ delta: ChatDelta) -> Int {
        var bytes = (delta.content?.utf8.count ?? 0) + (delta.reasoningContent?.utf8.count ?? 0) + (delta.refusal?.utf8.count ?? 0)
        for call in delta.toolCalls ?? [] { bytes += (call.name?.utf8.count ?? 0) + (call.arguments?.utf8.count ?? 0) }
        return bytes
    }
}
