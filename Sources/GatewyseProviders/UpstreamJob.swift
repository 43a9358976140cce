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

/// A request that takes several upstream calls (AssemblyAI's transcripts, Replicate's
/// predictions). The adapter's first request (`makeTranscriptionRequest`, `makeImageRequest`,
/// `makeVideoRequest`) is the first call; `next` is given each 2xx answer in turn, the first
/// one included. A failure inside the job (a transcript whose status is `error`, a prediction
/// that `failed`, an answer that does not parse) is thrown as an `UpstreamFailure`, so the
/// route executor may try the next provider as for any failed attempt.
public protocol UpstreamJob<Value>: Sendable {
    associatedtype Value: Sendable
    mutating func next(status: Int, headers: [(String, String)], body: [UInt8]) throws(UpstreamFailure) -> UpstreamJobStep<Value>
    /// The call that stops the work upstream if the gateway gives up on it (the client left,
    /// the deadline passed, a later call failed): Replicate's `POST /predictions/{id}/cancel`,
    /// known once the provider named the job and until it ended. Nil when the provider has no
    /// such call (the default) or nothing is running.
    var cancellation: UpstreamRequest? { get }
    /// Every call that stops the work, in the order they are sent. A job that may be in one of
    /// two places upstream needs two (ComfyUI: `POST /queue {delete}` while the prompt waits,
    /// `POST /interrupt {prompt_id}` once it runs — the gateway cannot know which without asking).
    /// Defaults to `cancellation` alone.
    var cancellations: [UpstreamRequest] { get }
}

extension UpstreamJob {
    public var cancellation: UpstreamRequest? { nil }
    public var cancellations: [UpstreamRequest] { cancellation.map { [$0] } ?? [] }
}

/// A transcription that is a job (AssemblyAI).
public typealias TranscriptionJob = UpstreamJob<TranscriptionResponse>
