import GatewyseCore

/// Traces of inference requests (decisions/0019): decides at admission whether a request is
/// sampled (`startRequest`) and, as a `CompletionObserver`, turns the completion event and the
/// attempts its `RequestTrace` collected into spans for the exporter's queue. Exists only when
/// an endpoint is configured; with tracing off the engine holds no tracer and pays one branch.
///
/// Sampling follows OpenTelemetry's `parentbased_traceidratio` (or `traceidratio` when
/// `parentBased` is off): a request whose client sent a `traceparent` follows the client's
/// sampled flag; one that starts a trace is sampled when its trace id falls under the ratio,
/// the way every OpenTelemetry SDK decides (the low 63 bits of the id), so a downstream
/// sampler with the same ratio agrees.
public final class Tracer: CompletionObserver {
    public let queue: SpanQueue
    private let ratio: Double
    private let parentBased: Bool
    /// `ratio` × 2^63: trace ids whose low 63 bits fall below are sampled.
    private let threshold: UInt64

    public init(settings: TracingSettings) {
        queue = SpanQueue(capacity: settings.queueCapacity, batchSize: settings.batchSize)
        ratio = min(max(settings.effectiveSampleRatio, 0), 1)
        parentBased = settings.effectiveParentBased
        threshold = ratio >= 1 ? .max : UInt64(ratio * Double(UInt64(1) << 63))
    }

    private func sampled(_ traceID: TraceID) -> Bool {
        ratio >= 1 || (traceID.low & 0x7FFF_FFFF_FFFF_FFFF) < threshold
    }

    /// The request's trace, or nil when it is neither sampled nor carries a client context to
    /// pass on. `traceParent` and `traceState` are the client's headers as the transport read them.
    public func startRequest(endpoint: InferenceEndpoint, traceParent: String?, traceState: String?) -> RequestTrace? {
        let parent = traceParent.flatMap(TraceContext.init(traceParent:))
        // `tracestate` means nothing without a valid `traceparent` (W3C §3.3).
        let state = parent == nil ? nil : traceState.flatMap { $0.isEmpty || $0.utf8.count > 512 ? nil : $0 }
        let traceID: TraceID
        let isSampled: Bool
        if let parent {
            traceID = parent.traceID
            isSampled = parentBased ? parent.sampled : sampled(traceID)
        } else {
            guard ratio > 0 else { return nil }
            traceID = TraceIDs.traceID()
            isSampled = sampled(traceID)
            guard isSampled else { return nil }
        }
        guard isSampled else {
            // Not recorded here: the upstream still joins the client's trace, under the client's span.
            return RequestTrace(traceID: traceID, spanID: parent!.spanID, parentSpanID: 0, isRecording: false, clientSampled: parent!.sampled,
                                traceState: state, operation: "", startUnixNanos: 0)
        }
        return RequestTrace(traceID: traceID, spanID: TraceIDs.spanID(), parentSpanID: parent?.spanID ?? 0, isRecording: true,
                            clientSampled: true, traceState: state, operation: SpanNames.operation(endpoint),
                            startUnixNanos: UnixClock.nanoseconds())
    }

    public func requestCompleted(_ event: CompletionEvent) {
        guard let trace = event.trace, trace.isRecording else { return }
        queue.push(SpanBuilder.spans(of: event, trace: trace, endUnixNanos: UnixClock.nanoseconds()))
    }
}
