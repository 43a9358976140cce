import GatewyseCore

// MARK: - Embeddings (providers.md §1 "Other endpoints", §4 for Azure)

extension OpenAICompatibleAdapter {
    /// Only providers whose catalog entry lists embeddings are asked (Groq, DeepSeek, Perplexity…
    /// have no embeddings endpoint and would answer 404).
    public func embeddingIncompatibility(with request: EmbeddingRequest) -> String? {
        capabilities.contains(.embeddings) ? nil : "does not offer embeddings"
    }

    /// `POST <base>/embeddings` with the client's fields as sent (input shape, `encoding_format`,
    /// `dimensions`, `user`, unmodelled fields), the model rewritten to the upstream's name.
    /// `encoding_format: "base64"` is forwarded, not replaced by floats: the answer is about four
    /// times smaller and passes through untouched; a server that ignores it and sends numbers is
    /// handled when the answer is encoded for the client. Azure's deployment form carries the
    /// model in the path (`/deployments/{model}/embeddings?api-version=…`) and ignores the body's.
    /// Parameters the provider rejects everywhere (`droppedParameters`, e.g. Ollama's `user`) are
    /// removed, as for chat.
    public func makeEmbeddingRequest(_ request: EmbeddingRequest, upstreamModel: String) throws(GatewayError) -> UpstreamRequest {
        var body = OpenAIEmbeddingsWire.encodeRequest(request, model: upstreamModel)
        for field in quirks.droppedParameters where field != "model" && field != "input" { body[field] = nil }
        let url = usesAzureDeploymentURLs ? azureDeploymentURL(model: upstreamModel, operation: "embeddings") : embeddingsURL
        return UpstreamRequest(url: url, headers: baseHeaders, body: JSONWriter.bytes(.object(body)), expectsStream: false)
    }

    public func parseEmbeddingResponse(status: Int, headers: [(String, String)], body: [UInt8],
                                       for request: EmbeddingRequest, upstreamModel: String) throws(GatewayError) -> EmbeddingResponse {
        let json = try UpstreamJSON.parse(body, provider: providerID)
        do { return try OpenAIEmbeddingsWire.decodeResponse(json, fallbackModel: upstreamModel, input: request.input) } catch {
            throw GatewayError.badUpstreamResponse(providerID, error.message)
        }
    }
}
