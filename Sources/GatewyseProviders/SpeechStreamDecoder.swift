import GatewyseCore

/// Turns a speech provider's answer into the audio the client asked for, as it arrives: a state
/// machine fed the upstream's bytes in pieces split anywhere (ARCHITECTURE rule 5). For
/// providers whose answer is not the audio itself — Gemini streams events of base64 PCM
/// (`GeminiSpeechDecoder`) — where a relay of the bytes would not do.
///
/// Failures are `UpstreamFailure`s so the route executor can tell them apart: one thrown before
/// any audio came out is a failed attempt (the next candidate is tried); after that the client
/// already has audio, and the stream breaks.
public protocol SpeechStreamDecoder: Sendable {
    /// The audio that `bytes` completes (possibly none yet).
    mutating func decode(_ bytes: [UInt8]) throws(UpstreamFailure) -> [UInt8]
    /// At the end of the upstream's answer: what is still held, or why the answer is not whole
    /// (no audio at all, a frame cut short).
    mutating func finish() throws(UpstreamFailure) -> [UInt8]
}
