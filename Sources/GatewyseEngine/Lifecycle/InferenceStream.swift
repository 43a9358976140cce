import GatewyseCore
import GatewyseProviders
import GatewyseRouting

/// A started streaming answer, as the bytes its client reads: the transport calls `next()` and
/// writes what comes back until `isLast`, awaiting each write so a slow client slows the
/// upstream read (backpressure). It completes its exchange when the stream ends — finished,
/// failed in-band, or broken below HTTP — or, when the transport lets go of it early (the client
/// left), as `clientGone`; releasing it also releases the upstream body, which cancels the
/// upstream call. A stream that ends without the upstream's usage is billed for what it
/// produced, estimated (`UsageEstimate`).
public final class InferenceStream: @unchecked Sendable {
    // @unchecked: owned by the single task that serves the response.
    private enum Framed {
        case openAI(ChatSSEBody<OpenAISSEFraming>)
        case anthropic(ChatSSEBody<AnthropicStreamEncoder>)
        /// Speech: the upstream's audio bytes as they arrive (`AudioRelay`).
        case audio(AudioRelay)
    }

    private let body: Framed
    private let chat: ChatStream!
    private let exchange: InferenceExchange
    private let attempts: Int
    private let price: ModelPrice?
    /// Kept for the estimate of its prompt, computed only if the upstream's usage never comes.
    private let request: ChatRequest!
    /// Graceful shutdown: past its deadline the stream ends at its next chunk.
    private let drain: DrainState

    init(_ attempted: RouteExecutor.Attempted<ChatStream>, request: ChatRequest, endpoint: InferenceEndpoint, exchange: InferenceExchange,
         drain: DrainState) {
        self.drain = drain
        drain.streamOpened()
        chat = attempted.value
        switch endpoint {
        case .messages: body = .anthropic(ChatSSEBody(stream: chat, framing: AnthropicStreamEncoder()))
        case .completions: body = .openAI(ChatSSEBody(stream: chat, framing: OpenAISSEFraming { LegacyCompletionsWire.encodeChunk($0) }))
        default: body = .openAI(ChatSSEBody(stream: chat, framing: .chat))
        }
        self.exchange = exchange
        attempts = attempted.attempts
        price = attempted.price
        var request = request
        request.clientBody = nil  // only the messages are estimated from; the body's bytes need not live on
        self.request = request
    }

    /// A speech answer: the audio relayed as it arrives, its usage the characters spoken.
    init(speech attempted: RouteExecutor.Attempted<MediaAnswer<any UpstreamBody>>, request: SpeechRequest, unitCost: Money?,
         exchange: InferenceExchange, drain: DrainState) {
        self.drain = drain
        drain.streamOpened()
        body = .audio(AudioRelay(body: attempted.value.value, providerID: attempted.providerID, upstreamModel: attempted.upstreamModel,
                                 media: MediaUsage(characters: request.characters), unitCost: unitCost))
        chat = nil
        self.request = nil
        self.exchange = exchange
        attempts = attempted.attempts
        price = attempted.price
    }

    deinit {
        end(.clientGone)
        drain.streamClosed()
    }

    /// The next bytes and whether they end the stream, or nil after the end. Throws when the
    /// stream broke below HTTP: the transport then closes the connection.
    public func next() async throws -> (bytes: [UInt8], isLast: Bool)? {
        do {
            let out: (bytes: [UInt8], isLast: Bool)?
            let failure: GatewayError?
            let stopping = drain.isPastDeadline
            switch body {
            case .openAI(let framed):
                if stopping { out = framed.abort(.shuttingDown) } else { out = try await framed.next() }
                failure = framed.failure
            case .anthropic(let framed):
                if stopping { out = framed.abort(.shuttingDown) } else { out = try await framed.next() }
                failure = framed.failure
            case .audio(let relay):
                out = try await relay.next()
                failure = nil
            }
            guard let out else { return nil }
            exchange.markFirstByte()
            if out.isLast { end(failure.map { .streamFailed(code: $0.code) } ?? .streamFinished) }
            return out
        } catch {
            end(error is CancellationError || Task.isCancelled ? .clientGone : .streamFailed(code: "UPSTREAM_STREAM_INTERRUPTED"))
            throw error
        }
    }

    /// The client is gone: the stream ends here (the upstream call is cancelled when the stream
    /// is released).
    public func abandon() {
        end(.clientGone)
    }

    private func end(_ outcome: CompletionEvent.Outcome) {
        guard !exchange.isCompleted else { return }
        if case .audio(let relay) = body {
            exchange.complete(outcome, providerID: relay.providerID, upstreamModel: relay.upstreamModel, attempts: attempts, price: price,
                              media: relay.media, unitCost: relay.unitCost)
            return
        }
        if let usage = chat.usage {
            exchange.complete(outcome, providerID: chat.providerID, upstreamModel: chat.upstreamModel, attempts: attempts, usage: usage, price: price,
                              finishReason: chat.finishReason)
            return
        }
        let estimate = UsageEstimate.usage(request: request, reportedPrompt: chat.promptUsage, producedBytes: chat.producedBytes)
        exchange.complete(outcome, providerID: chat.providerID, upstreamModel: chat.upstreamModel, attempts: attempts, usage: estimate,
                          usageEstimated: true, price: price, finishReason: chat.finishReason)
    }
}
