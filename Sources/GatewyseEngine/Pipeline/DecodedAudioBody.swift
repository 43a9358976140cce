import GatewyseCore
import GatewyseProviders

/// A speech answer decoded into audio as it arrives (`SpeechStreamDecoder`), read like any
/// upstream body by the audio relay: each upstream chunk goes through the decoder, and what it
/// makes is handed on at once. `readFirstAudio` reads, inside the attempt, until the first audio
/// is ready, so an answer that fails before it is a failed attempt (failover) rather than a
/// broken stream.
final class DecodedAudioBody: UpstreamBody, @unchecked Sendable {
    // @unchecked: owned by one task at a time — the attempt, then the task serving the response.
    private let upstream: any UpstreamBody
    private var decoder: any SpeechStreamDecoder
    /// Audio decoded but not handed on yet (the first audio, read inside the attempt).
    private var pending: [UInt8] = []
    private var finished = false

    init(upstream: any UpstreamBody, decoder: any SpeechStreamDecoder) {
        self.upstream = upstream
        self.decoder = decoder
    }

    /// Reads until the decoder has made audio. Throws the decoder's `UpstreamFailure` (the route
    /// executor's failed attempt) or the transport's error.
    func readFirstAudio() async throws {
        pending = try await decodeNext() ?? []
    }

    func next() async throws -> [UInt8]? {
        if !pending.isEmpty {
            defer { pending = [] }
            return pending
        }
        return try await decodeNext()
    }

    /// The next non-empty audio, or nil after the end.
    private func decodeNext() async throws -> [UInt8]? {
        while !finished {
            guard let chunk = try await upstream.next() else {
                finished = true
                let rest = try decoder.finish()
                return rest.isEmpty ? nil : rest
            }
            let audio = try decoder.decode(chunk)
            if !audio.isEmpty { return audio }
        }
        return nil
    }
}
