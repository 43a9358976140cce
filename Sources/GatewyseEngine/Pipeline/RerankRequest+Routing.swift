import GatewyseCore
import GatewyseProviders
import GatewyseRouting

/// Rerank takes the attempt loop chat and embeddings take (`RouteExecutor.run`): same plan,
/// retries, failover and circuit feedback, with rerank-capable candidates only.
extension RerankRequest: RoutedRequest {
    static var capability: Capability { .rerank }
    var isStream: Bool { false }

    /// Nothing to classify: the estimate of what the reranker reads, and no output tokens.
    func routingProfile(full: Bool) -> RequestProfile {
        RequestProfile(estimatedInputTokens: estimatedTokens, estimatedOutputTokens: 0)
    }

    func incompatibility(with candidate: RouteCandidate) -> String? { candidate.adapter.rerankIncompatibility(with: self) }

    func upstreamRequest(for candidate: RouteCandidate) throws(GatewayError) -> UpstreamRequest {
        try candidate.adapter.makeRerankRequest(self, upstreamModel: candidate.upstreamModel)
    }
}
