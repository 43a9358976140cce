import GatewyseCore

// MARK: - Rerank (providers.md §9 Together, §21 vLLM, §23 LocalAI, §24 llama.cpp)

extension OpenAICompatibleAdapter {
    /// Only servers whose catalog entry lists rerank are asked: OpenAI itself has no rerank
    /// endpoint (providers.md §1), and neither do most hosted OpenAI-format providers.
    public func rerankIncompatibility(with request: RerankRequest) -> String? {
        capabilities.contains(.rerank) ? nil : "does not offer rerank"
    }

    /// `POST <base>/rerank` in the Cohere/Jina form. Every server that lists rerank serves it
    /// there below its `/v1` base: vLLM (`/v1/rerank`), LocalAI (Jina-style `/v1/rerank`),
    /// llama.cpp (alias `/v1/rerank`), Together (`/v1/rerank`).
    public func makeRerankRequest(_ request: RerankRequest, upstreamModel: String) throws(GatewayError) -> UpstreamRequest {
        var body = RerankWire.encodeRequest(request, model: upstreamModel)
        for field in quirks.droppedParameters where !["model", "query", "documents"].contains(field) { body[field] = nil }
        return UpstreamRequest(url: configuration.baseURL + "/rerank", headers: baseHeaders, body: JSONWriter.bytes(.object(body)), expectsStream: false)
    }

    /// `{id?, model?, results, usage?}`; the order is settled later (`RerankResponse.ranked`),
    /// since llama.cpp answers in document order.
    public func parseRerankResponse(status: Int, headers: [(String, String)], body: [UInt8],
                                    for request: RerankRequest, upstreamModel: String) throws(GatewayError) -> RerankResponse {
        let json = try UpstreamJSON.parse(body, provider: providerID)
        do { return try RerankWire.decodeResponse(json, fallbackModel: upstreamModel, documentCount: request.documents.count) } catch {
            throw GatewayError.badUpstreamResponse(providerID, error.message)
        }
    }
}
