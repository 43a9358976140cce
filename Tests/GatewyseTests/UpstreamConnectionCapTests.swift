import GatewyseCore
import GatewyseEngine
import GatewyseTesting
import Synchronization
import Testing

@Suite("Upstream connection cap", .serialized)
struct UpstreamConnectionCapTests {
    @Test("past upstream.max_connections_per_host requests wait for a connection instead of opening more, and all are answered")
    func capQueues() async throws {
        let gateway = try await TestGateway.start(firstByteTimeout: 5) { configuration in
            configuration.upstream.maxConnectionsPerHost = 2
            configuration.upstream.connectTimeout = 5
        }
        defer { Task { await gateway.stop() } }
        let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
            for index in 0..<6 {
                group.addTask {
                    try await DataPlaneTests.withConnection(gateway) { connection in
                        try await connection.send(DataPlaneTests.chat(gateway, "n\(index)", model: "mock/slow-short"))
                        return try await connection.readResponse().status
                    }
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(statuses == Array(repeating: 200, count: 6))
        // Counted at the mock as exchanges held at once (sampling its open sockets raced its own
        // view of connections the gateway had already closed and replaced, under load).
        #expect(gateway.mock.peakConcurrentSlowAnswers <= 2)
        #expect(gateway.mock.peakConcurrentSlowAnswers >= 1)
    }

    @Test("a request that cannot get a connection within the connect timeout fails as an unreachable upstream would")
    func capTimesOut() async throws {
        let gateway = try await TestGateway.start(firstByteTimeout: 5) { configuration in
            configuration.upstream.maxConnectionsPerHost = 1
            configuration.upstream.connectTimeout = 0.3
        }
        defer { Task { await gateway.stop() } }
        let busy = try await RawHTTPConnection.open(port: gateway.gateway.port)
        try await busy.send(DataPlaneTests.chat(gateway, "x", model: "mock/slow"))
        try await Task.sleep(for: .milliseconds(100))
        try await DataPlaneTests.withConnection(gateway) { connection in
            try await connection.send(DataPlaneTests.chat(gateway, "y"))
            let refused = try await connection.readResponse()
            #expect(refused.status == 502, "\(refused.status) \(refused.text)")
            #expect(refused.errorCode == "UPSTREAM_UNAVAILABLE")
            // Both attempts (the retry included) waited their connect timeout, no longer.
            #expect(refused.header("x-gatewyse-attempts") == "2")
        }
        #expect(try await busy.readResponse().status == 200)
        await busy.close()
    }
}
