import GatewyseCore

/// What a provider whose API is a job to follow (upload → create → poll: providers.md §0
/// "Job / async pattern") asks for after each 2xx answer: another call — after a pause, when
/// it is a poll — or the finished value. A state machine fed the answers' bytes (ARCHITECTURE
/// rule 5): no I/O, no clock, tested with recorded answers; the engine's `RouteExecutor` sends
/// the calls, bounded by the request's deadline and cancelled with it.
public enum UpstreamJobStep<Value: Sendable>: Sendable {
    case send(UpstreamRequest, afterSeconds: Double)
    case finished(Value)
}

/// A transcription that takes several upstream calls (AssemblyAI). The adapter's
/// `makeTranscriptionRequest` is the first call; `next` is given each 2xx answer in turn, the
/// first one included. A failure inside the job (a transcript whose status is `error`, an
/// answer that does not parse) is thrown as an `UpstreamFailure`, so the route executor may
/// try the next provider as for any failed attempt.
public protocol TranscriptionJob: Sendable {
    mutating func next(status: Int, headers: [(String, String)], body: [UInt8]) throws(UpstreamFailure) -> UpstreamJobStep<TranscriptionResponse>
}
