import GatewyseCore

// MARK: - Rerank (providers.md §7 "Rerank")

extension CohereAdapter {
    public func rerankIncompatibility(with request: RerankRequest) -> String? {
        capabilities.contains(.rerank) ? nil : "does not offer rerank"
    }

    /// `POST <base>/v2/rerank` with the key as a Bearer token.
    public func makeRerankRequest(_ request: RerankRequest, upstreamModel: String) throws(GatewayError) -> UpstreamRequest {
        let body = CohereRerankWire.encodeRequest(request, model: upstreamModel)
        return UpstreamRequest(url: configuration.baseURL + CohereRerankWire.path, headers: baseHeaders, body: JSONWriter.bytes(.object(body)), expectsStream: false)
    }

    /// Results with `search_units` (what Cohere bills: one per query over up to 100 documents);
    /// Cohere names no model, so it is the upstream model asked for.
    public func parseRerankResponse(status: Int, headers: [(String, String)], body: [UInt8],
                                    for request: RerankRequest, upstreamModel: String) throws(GatewayError) -> RerankResponse {
        let json = try UpstreamJSON.parse(body, provider: providerID)
        do { return try RerankWire.decodeResponse(json, fallbackModel: upstreamModel, documentCount: request.documents.count) } catch {
            throw GatewayError.badUpstreamResponse(providerID, error.message)
        }
    }
}
