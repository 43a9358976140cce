import Foundation
import GatewyseTesting
import Testing

@Suite("Data plane: graceful shutdown")
struct DataPlaneShutdownTests {
    @Test("a chat in flight when a graceful shutdown starts is answered in full before its connection closes")
    func chatInFlightFinishes() async throws {
        try await DataPlaneTests.withGateway { gateway in
            try await DataPlaneTests.withConnection(gateway) { connection in
                // The upstream answers after 500 ms; the shutdown starts while the gateway waits on it.
                try await connection.send(DataPlaneTests.chat(gateway, "x", model: "mock/slow-short"))
                try await Task.sleep(for: .milliseconds(150))
                async let shutdown: Void = gateway.gateway.shutdownGracefully()
                let response = try await connection.readResponse(timeout: .seconds(5))
                #expect(response.status == 200)
                #expect(response.text.contains("finally"))
                #expect(try await connection.closedByServer(within: .seconds(3)))
                await shutdown
            }
        }
    }
}
