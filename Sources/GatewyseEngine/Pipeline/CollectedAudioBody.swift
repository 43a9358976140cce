/// Audio the gateway already holds whole (a job's output file, fetched inside the attempt),
/// read by the audio relay like any upstream body: one chunk, then the end.
final class CollectedAudioBody: UpstreamBody, @unchecked Sendable {
    // @unchecked: owned by one task at a time — the attempt, then the task serving the response.
    private var audio: [UInt8]?

    init(_ audio: [UInt8]) {
        self.audio = audio
    }

    func next() async throws -> [UInt8]? {
        defer { audio = nil }
        return audio
    }
}
