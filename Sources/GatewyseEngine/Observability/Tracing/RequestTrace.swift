import GatewyseCore
import Synchronization

/// One inference request's place in a trace, made at admission by `Tracer.startRequest` only when
/// tracing is on and the request is sampled — or, unsampled, when its client sent a
/// `traceparent` that must still reach the upstream. It names the request span and collects the
/// spans of its upstream attempts (`RouteExecutor`); the completion event carries it to the
/// `Tracer`, which turns both into `SpanRecord`s.
public final class RequestTrace: Sendable {
    public let traceID: TraceID
    /// The request span's id; when not recording, the client's span id, forwarded as it came.
    public let spanID: UInt64
    /// The client's span (from its `traceparent`), or 0 when the request starts the trace.
    public let parentSpanID: UInt64
    /// Whether spans are recorded and exported. A non-recording trace only propagates the
    /// client's context upstream, with the client's flags.
    public let isRecording: Bool
    /// The client's `tracestate`, sent upstream and put in the spans unchanged.
    public let traceState: String?
    let clientSampled: Bool
    let startUnixNanos: UInt64
    /// `gen_ai.operation.name`, from the route.
    let operation: String
    private let attempts = Mutex<[AttemptRecord]>([])

    init(traceID: TraceID, spanID: UInt64, parentSpanID: UInt64, isRecording: Bool, clientSampled: Bool, traceState: String?,
         operation: String, startUnixNanos: UInt64) {
        self.traceID = traceID
        self.spanID = spanID
        self.parentSpanID = parentSpanID
        self.isRecording = isRecording
        self.clientSampled = clientSampled
        self.traceState = traceState
        self.operation = operation
        self.startUnixNanos = startUnixNanos
    }

    /// One upstream attempt, from its start to its answer head (or the end of its body when the
    /// body is read in one go). A stream's attempt that answered ends with the request (`endUnixNanos` 0).
    struct AttemptRecord: Sendable {
        var spanID: UInt64
        var number: Int
        var startUnixNanos: UInt64
        var endUnixNanos: UInt64
        var providerID: String
        var providerType: String
        var model: String
        var status: Int?
        var errorCode: String?
    }

    /// An attempt in progress: its span id (0 when not recording) and start.
    public struct Attempt: Sendable {
        let spanID: UInt64
        let startUnixNanos: UInt64
    }

    /// Starts an attempt span and returns it with the `traceparent` (and `tracestate`) headers its
    /// upstream request carries: this attempt as the parent when recording, else the client's
    /// context unchanged.
    func startAttempt() -> (Attempt, headers: [(String, String)]) {
        let attempt = isRecording ? Attempt(spanID: TraceIDs.spanID(), startUnixNanos: UnixClock.nanoseconds()) : Attempt(spanID: 0, startUnixNanos: 0)
        let context = isRecording ? TraceContext(traceID: traceID, spanID: attempt.spanID, sampled: true)
                                  : TraceContext(traceID: traceID, spanID: spanID, sampled: clientSampled)
        var headers = [("traceparent", context.traceParent)]
        if let traceState { headers.append(("tracestate", traceState)) }
        return (attempt, headers)
    }

    /// Ends an attempt. `endsWithRequest`: the upstream answered 2xx and its body is still to be
    /// relayed (a stream), so the span ends when the request does.
    func finishAttempt(_ attempt: Attempt, candidate: RouteCandidate, status: Int?, errorCode: String?, endsWithRequest: Bool = false) {
        guard isRecording else { return }
        finishAttempt(attempt, providerID: candidate.adapter.providerID, providerType: candidate.providerType, model: candidate.upstreamModel,
                      status: status, errorCode: errorCode, endsWithRequest: endsWithRequest)
    }

    func finishAttempt(_ attempt: Attempt, providerID: String, providerType: String, model: String, status: Int?, errorCode: String?,
                       endsWithRequest: Bool = false) {
        guard isRecording else { return }
        var record = AttemptRecord(spanID: attempt.spanID, number: 0, startUnixNanos: attempt.startUnixNanos,
                                   endUnixNanos: endsWithRequest ? 0 : UnixClock.nanoseconds(), providerID: providerID,
                                   providerType: providerType, model: model, status: status, errorCode: errorCode)
        attempts.withLock {
            record.number = $0.count + 1
            $0.append(record)
        }
    }

    /// The attempts so far, in order.
    var recordedAttempts: [AttemptRecord] { attempts.withLock { $0 } }
}

/// Random trace and span ids (never zero, as W3C requires).
enum TraceIDs {
    static func traceID() -> TraceID {
        var generator = SystemRandomNumberGenerator()
        while true {
            let id = TraceID(high: generator.next(), low: generator.next())
            if id.high != 0 || id.low != 0 { return id }
        }
    }

    static func spanID() -> UInt64 {
        var generator = SystemRandomNumberGenerator()
        while true {
            let id: UInt64 = generator.next()
            if id != 0 { return id }
        }
    }
}
