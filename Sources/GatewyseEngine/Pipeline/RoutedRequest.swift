import GatewyseCore
import GatewyseProviders
import GatewyseRouting

/// What route planning (`RoutingRuntime`) and the attempt loop (`RouteExecutor`) need from a kind
/// of request, so retry, failover and circuit feedback are written once for every capability.
/// Used only as a generic constraint, never as `any`: each kind gets a specialized copy of the
/// loop, and the chat path (the benchmarked hot path) pays no box or witness hop for the others.
protocol RoutedRequest: Sendable {
    /// Names the request kind in round-robin counter keys.
    static var capability: Capability { get }
    var model: String { get }
    /// A stream's latency is recorded as its time to first token too.
    var isStream: Bool { get }
    /// The profile a strategy plans with; `full` when the strategy reads the task and token
    /// estimates (least-cost, task- and cost-optimized), so cheaper strategies skip classifying.
    func routingProfile(full: Bool) -> RequestProfile
    /// Why the candidate's adapter (with its upstream model) cannot serve this request, or nil.
    func incompatibility(with candidate: RouteCandidate) -> String?
    func upstreamRequest(for candidate: RouteCandidate) throws(GatewayError) -> UpstreamRequest
}


extension ChatRequest: RoutedRequest {
    static var capability: Capability { .chat }
    var isStream: Bool { stream }

    func routingProfile(full: Bool) -> RequestProfile {
        full ? RequestProfile(request: self) : RequestProfile(isStream: stream)
    }

    func incompatibility(with candidate: RouteCandidate) -> String? { candidate.adapter.incompatibility(with: self) }

    func upstreamRequest(for candidate: RouteCandidate) throws(GatewayError) -> UpstreamRequest {
        try candidate.adapter.makeChatRequest(self, upstreamModel: candidate.upstreamModel)
    }
}

extension EmbeddingRequest: RoutedRequest {
    static var capability: Capability { .embeddings }
    var isStream: Bool { false }

    /// Nothing to classify: every strategy sees the input estimate and no output tokens (an
    /// embedding is billed on its input only), so least-cost ranks by input price.
    func routingProfile(full: Bool) -> RequestProfile {
        RequestProfile(estimatedInputTokens: input.estimatedTokens, estimatedOutputTokens: 0)
    }

    func incompatibility(with candidate: RouteCandidate) -> String? { candidate.adapter.embeddingIncompatibility(with: self) }

    func upstreamRequest(for candidate: RouteCandidate) throws(GatewayError) -> UpstreamRequest {
        try candidate.adapter.makeEmbeddingRequest(self, upstreamModel: candidate.upstreamModel)
    }
}
