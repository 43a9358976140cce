import AsyncHTTPClient
import Foundation
import GatewyseCore
import GatewyseEngine
import GatewyseProviders
import GatewyseRouting
import GatewyseTesting
import NIOCore
import Testing

/// Routing through the real server: failover, breakers, strategies, streams, a provider lost
/// under load.
@Suite("Routing end to end", .serialized)
struct RoutingEndToEndTests {
    static func provider(_ id: String, _ baseURL: String) -> ProviderConfiguration {
        ProviderConfiguration(id: id, entry: ProviderCatalog.entry(forType: "openai-compatible")!, baseURL: baseURL, apiKey: nil)
    }

    static func alias(_ name: String, _ strategy: RoutingStrategyKindName, _ targets: [(String, String)]) -> ModelAlias {
        ModelAlias(name: name, strategy: strategy.kind, targets: targets.enumerated().map { i, t in
            ModelTarget(provider: t.0, model: t.1, priority: i + 1)
        })
    }

    static func chat(_ gateway: TestGateway, model: String, stream: Bool = false) async throws -> EndToEndTests.Reply {
        try await EndToEndTests.post(gateway, "/v1/chat/completions", body: EndToEndTests.chat(model, stream: stream))
    }

    @Test("fails over across a deployment answering 500, one timing out, and a healthy one")
    func threeWayFailover() async throws {
        let mock = try await MockOpenAIUpstream.start()
        let gateway = try await TestGateway.start(
            extraProviders: [Self.provider("p500", mock.baseURL), Self.provider("pslow", mock.baseURL), Self.provider("pgood", mock.baseURL)],
            extraModels: [Self.alias("three", .failover, [("p500", "error-500"), ("pslow", "slow"), ("pgood", "mock-chat")])])
        defer { Task { await gateway.stop(); await mock.stop() } }
        let reply = try await Self.chat(gateway, model: "three")
        #expect(reply.status == 200)
        #expect(reply.headers["X-Provider"] == ["pgood"])
        // 500 is retried once on its deployment; a timeout moves straight on.
        #expect(reply.headers["X-Gatewyse-Attempts"] == ["4"])
        #expect(mock.requests.map { $0.body?["model"]?.stringValue ?? "" } == ["error-500", "error-500", "slow", "mock-chat"])
    }

    @Test("an open circuit skips the failing deployment until it cools down")
    func circuitBreaker() async throws {
        let mock = try await MockOpenAIUpstream.start()
        let gateway = try await TestGateway.start(
            breakerFailures: 2,
            extraProviders: [Self.provider("p500", mock.baseURL), Self.provider("pgood", mock.baseURL)],
            extraModels: [Self.alias("flaky", .failover, [("p500", "error-500"), ("pgood", "mock-chat")])])
        defer { Task { await gateway.stop(); await mock.stop() } }
        let first = try await Self.chat(gateway, model: "flaky")
        #expect(first.status == 200)
        #expect(first.headers["X-Gatewyse-Attempts"] == ["3"])
        let second = try await Self.chat(gateway, model: "flaky")
        #expect(second.status == 200)
        #expect(second.headers["X-Gatewyse-Attempts"] == ["1"])
        #expect(mock.requests.filter { $0.body?["model"] == "error-500" }.count == 2)
    }

    @Test("round-robin alternates between deployments")
    func roundRobin() async throws {
        let mock = try await MockOpenAIUpstream.start()
        let gateway = try await TestGateway.start(
            extraProviders: [Self.provider("a", mock.baseURL), Self.provider("b", mock.baseURL)],
            extraModels: [Self.alias("rr", .roundRobin, [("a", "mock-chat"), ("b", "mock-chat")])])
        defer { Task { await gateway.stop(); await mock.stop() } }
        var served: [String] = []
        for _ in 0..<6 { served.append(try await Self.chat(gateway, model: "rr").headers["X-Provider"].first ?? "") }
        #expect(served.filter { $0 == "a" }.count == 3)
        #expect(served.filter { $0 == "b" }.count == 3)
        #expect(zip(served, served.dropFirst()).allSatisfy { $0 != $1 })
    }

    @Test("no retry once a stream has started")
    func noRetryAfterStreamStart() async throws {
        let gateway = try await TestGateway.start()
        defer { Task { await gateway.stop() } }
        let reply = try await Self.chat(gateway, model: "mock/truncated-stream", stream: true)
        #expect(reply.body.contains("UPSTREAM_STREAM_INTERRUPTED"))
        #expect(gateway.mock.requests.count == 1)
    }

    @Test("a provider stopped in the middle of a load run costs clients nothing")
    func providerLostUnderLoad() async throws {
        let first = try await MockOpenAIUpstream.start()
        let second = try await MockOpenAIUpstream.start()
        let gateway = try await TestGateway.start(
            extraProviders: [Self.provider("one", first.baseURL), Self.provider("two", second.baseURL)],
            extraModels: [Self.alias("pair", .roundRobin, [("one", "mock-chat"), ("two", "mock-chat")])])
        defer { Task { await gateway.stop(); await first.stop() } }
        @Sendable func batch(_ count: Int, stopSecondAfter delay: Duration? = nil) async throws -> [Int] {
            try await withThrowingTaskGroup(of: Int?.self) { group in
                if let delay {
                    group.addTask {
                        try await Task.sleep(for: delay)
                        await second.stop()
                        return nil
                    }
                }
                for _ in 0..<count { group.addTask { try await Self.chat(gateway, model: "pair").status } }
                var all: [Int] = []
                for try await status in group { if let status { all.append(status) } }
                return all
            }
        }
        var statuses = try await batch(40)
        let servedBySecond = second.requests.count
        statuses += try await batch(80, stopSecondAfter: .milliseconds(20))
        statuses += try await batch(40)
        #expect(servedBySecond > 0)
        #expect(statuses.count == 160)
        #expect(statuses.allSatisfy { $0 == 200 }, "\(statuses.filter { $0 != 200 })")
    }
}

/// Spelled out so the test file needs no import of GatewyseRouting.
enum RoutingStrategyKindName {
    case failover, roundRobin
    var kind: GatewyseRouting.RoutingStrategyKind {
        switch self {
        case .failover: .failover
        case .roundRobin: .roundRobin
        }
    }
}
