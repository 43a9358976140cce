import GatewyseCore
import GatewyseProviders
import GatewyseRouting
import Logging

/// `POST /api/admin/providers/{id}/test`: one small chat (`max_tokens: 1`) to the provider with
/// the gateway's own upstream client and adapter, so the test exercises exactly what a request
/// would: base URL, credentials, headers, wire format.
public struct ProviderProber: Sendable {
    public struct Outcome: Sendable, Equatable {
        public var ok: Bool
        /// The upstream's HTTP status, or the gateway's for a failure below HTTP.
        public var status: Int
        public var latencyMs: Int
        public var message: String
    }

    let executor: RouteExecutor
    let logger = Logger(label: "gatewyse.admin.probe")

    public init(executor: RouteExecutor) {
        self.executor = executor
    }

    public func probe(_ provider: ProviderConfiguration, model: String, tenantID: String) async -> Outcome {
        let adapter = ProviderRegistry.makeAdapter(for: provider)
        let route = ResolvedRoute(strategy: .failover, candidates: [
            RouteCandidate(adapter: adapter, upstreamModel: model, deployment: Deployment(providerID: provider.id, model: model)),
        ])
        var request = ChatRequest(model: provider.id + "/" + model, messages: [.user("ping")])
        request.maxTokens = 1
        let started = ContinuousClock.now
        do {
            let answer = try await executor.chat(request, route: route, tenantID: tenantID, logger: logger)
            return Outcome(ok: true, status: 200, latencyMs: Self.milliseconds(since: started),
                           message: "\(answer.value.model) answered in \(answer.attempts) attempt(s)")
        } catch let error as GatewayError {
            return Outcome(ok: false, status: error.status, latencyMs: Self.milliseconds(since: started), message: error.message)
        } catch {
            return Outcome(ok: false, status: 502, latencyMs: Self.milliseconds(since: started), message: "The provider could not be reached.")
        }
    }

    static func milliseconds(since start: ContinuousClock.Instant) -> Int {
        let elapsed = ContinuousClock.now - start
        return Int(elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000)
    }
}
