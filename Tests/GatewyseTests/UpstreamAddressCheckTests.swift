import GatewyseCore
import GatewyseEngine
import GatewyseProviders
import GatewyseTesting
import Testing

/// The SSRF check at connect time: a host *name* is judged by the addresses it resolves to, with
/// the provider's own policy. `localhost` resolves to a loopback address on every machine (the
/// configuration and the admin API refuse the name itself; a public-looking name that resolves
/// to 127.0.0.1 or 10.x is the real threat, and is judged the same way).
@Suite("Upstream addresses are checked when connecting", .serialized)
struct UpstreamAddressCheckTests {
    static func named(port: Int, id: String, allowPrivate: Bool) -> ProviderConfiguration {
        var provider = ProviderConfiguration(id: id, entry: ProviderCatalog.entry(forType: "openai")!, baseURL: "http://localhost:\(port)/v1",
                                             apiKey: Secret(TestGateway.providerKey))
        provider.allowPrivateNetwork = allowPrivate
        return provider
    }

    @Test("a name resolving to loopback is refused for a provider that may not reach private networks, and used by one that may")
    func loopbackNameJudgedByItsAddresses() async throws {
        let mock = try await MockOpenAIUpstream.start()
        let port = mock.port
        let gateway = try await TestGateway.start(extraProviders: [Self.named(port: port, id: "public-name", allowPrivate: false),
                                                                   Self.named(port: port, id: "private-ok", allowPrivate: true)])
        defer { Task { await gateway.stop(); await mock.stop() } }
        try await DataPlaneTests.withConnection(gateway) { connection in
            try await connection.send(DataPlaneTests.chat(gateway, "x", model: "public-name/mock-chat"))
            let refused = try await connection.readResponse()
            #expect(refused.status == 502 && refused.errorCode == "UPSTREAM_UNAVAILABLE", "\(refused.text)")
            #expect(refused.text.contains("may not reach"))
        }
        #expect(mock.requests.isEmpty, "the refused provider's upstream was reached")
        try await DataPlaneTests.withConnection(gateway) { connection in
            try await connection.send(DataPlaneTests.chat(gateway, "y", model: "private-ok/mock-chat"))
            #expect(try await connection.readResponse().status == 200)
        }
        #expect(mock.requests.count == 1)
    }
}
