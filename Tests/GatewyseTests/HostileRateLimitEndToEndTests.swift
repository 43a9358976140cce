import GatewyseCore
import GatewyseTesting
import Testing

/// The whole path — transport, adapter, `RouteExecutor`'s reset hint and retry decision — with an
/// upstream whose 429 carries numbers past any `Int` (`Retry-After: 1e30`, a `9999999999h`
/// reset, a 20-digit `Retry-After`): the gateway answers the client's 429 with a clamped
/// `Retry-After` and keeps serving.
@Suite("Hostile rate-limit headers end to end", .serialized)
struct HostileRateLimitEndToEndTests {
    @Test("a 429 with absurd hints is answered 429 with a day's Retry-After, and the gateway keeps serving", arguments: [
        "mock/error-429-absurd", "mock/error-429-huge",
    ])
    func absurdHints(model: String) async throws {
        let gateway = try await TestGateway.start()
        defer { Task { await gateway.stop() } }
        let limited = try await EndToEndTests.post(gateway, "/v1/chat/completions", body: EndToEndTests.chat(model))
        #expect(limited.status == 429)
        #expect(limited.code == "UPSTREAM_RATE_LIMITED")
        #expect(limited.headers["Retry-After"] == ["86400"])
        // A wait of a day is answered, not waited out: one attempt.
        #expect(limited.headers["X-Gatewyse-Attempts"] == ["1"])
        let served = try await EndToEndTests.post(gateway, "/v1/chat/completions", body: EndToEndTests.chat("mock-chat"))
        #expect(served.status == 200)
    }
}
