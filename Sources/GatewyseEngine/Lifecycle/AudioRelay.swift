import GatewyseCore

/// The bytes of a speech answer, relayed as the upstream produces them: each upstream chunk is
/// handed to the transport as soon as it is read (the next is read only when the transport asks:
/// backpressure), so the client hears the start before the upstream has finished. Its end is an
/// empty last chunk (the transport writes nothing for it but the end of the response).
final class AudioRelay: @unchecked Sendable {
    // @unchecked: owned by the single task that serves the response.
    private let body: any UpstreamBody
    let providerID: String
    let upstreamModel: String
    let media: MediaUsage
    let unitCost: Money?
    private var finished = false

    init(body: any UpstreamBody, providerID: String, upstreamModel: String, media: MediaUsage, unitCost: Money?) {
        self.body = body
        self.providerID = providerID
        self.upstreamModel = upstreamModel
        self.media = media
        self.unitCost = unitCost
    }

    func next() async throws -> (bytes: [UInt8], isLast: Bool)? {
        guard !finished else { return nil }
        while let chunk = try await body.next() {
            if !chunk.isEmpty { return (chunk, false) }
        }
        finished = true
        return ([], true)
    }
}
