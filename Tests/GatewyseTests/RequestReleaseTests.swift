#if DEBUG
@testable import GatewyseEngine
@testable import GatewyseServer
import GatewyseTesting
import Testing

/// Every upstream exchange and its body stream are released once their request is over, however
/// it ended. A retain cycle between the two (the stream's demand callback captured the exchange,
/// which holds the stream) once kept them all alive: ~1.5 KB per request, RSS +30 MB over 20,000
/// chats. The transport's `LiveObjects` (debug builds only) holds them weakly, so a leak fails
/// here instead of showing as slow growth.
@Suite("Per-request objects are released")
struct RequestReleaseTests {
    @Test("after JSON chats, streamed chats and a client that leaves mid-stream, no upstream exchange or body stream is alive")
    func upstreamExchangesReleased() async throws {
        let gateway = try await TestGateway.start()
        defer { Task { await gateway.stop() } }
        let transport = try #require(gateway.gateway.runtime.engine.executor.transport as? NIOUpstreamTransport)
        try await DataPlaneTests.withConnection(gateway) { connection in
            for index in 0..<3 {
                try await connection.send(DataPlaneTests.chat(gateway, "json \(index)"))
                let answer = try await connection.readResponse()
                #expect(answer.status == 200, "\(answer.text)")
                try await connection.send(DataPlaneTests.chat(gateway, "stream \(index)", stream: true))
                let streamed = try await connection.readResponse()
                #expect(streamed.status == 200 && streamed.text.contains("[DONE]"), "\(streamed.text)")
            }
        }
        // A client that leaves once its stream has started: the upstream call is cancelled.
        let leaving = try await RawHTTPConnection.open(port: gateway.gateway.port)
        try await leaving.send(DataPlaneTests.chat(gateway, "x", stream: true, model: "mock/slow-stream"))
        #expect(try await leaving.readHead().status == 200)
        _ = try await leaving.readChunk()
        await leaving.close()
        try await eventually { gateway.mock.abandonedStreams == 1 }

        // Seven upstream exchanges, each with its body stream.
        #expect(transport.liveExchanges.tracked >= 14)
        try await eventually { transport.liveExchanges.alive == 0 }
        #expect(transport.liveExchanges.alive == 0, "exchanges or body streams outlived their requests")
    }
}
#endif
