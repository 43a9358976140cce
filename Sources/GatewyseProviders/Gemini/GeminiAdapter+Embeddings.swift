import GatewyseCore

// MARK: - Embeddings (providers.md §3 "Embeddings")

extension GeminiAdapter {
    /// `batchEmbedContents` refuses more than 100 requests ("* BatchEmbedContentsRequest.requests:
    /// at most 100 requests can be in one batch"); one attempt is one upstream call, so larger
    /// inputs go to another provider rather than being split here.
    public static let maximumEmbeddingInputs = 100

    /// Gemini embeds text only: token ids belong to OpenAI's tokenizer and mean nothing to it.
    public func embeddingIncompatibility(with request: EmbeddingRequest) -> String? {
        if !capabilities.contains(.embeddings) { return "does not offer embeddings" }
        guard let texts = request.input.texts else { return "does not accept token ids as embedding input" }
        if texts.count > Self.maximumEmbeddingInputs { return "accepts at most \(Self.maximumEmbeddingInputs) embedding inputs per request" }
        return nil
    }

    /// One input → `:embedContent`, several → `:batchEmbedContents` (`GeminiWire.embeddingCall`).
    /// `dimensions` → `outputDimensionality`. Gemini's `taskType` (`RETRIEVAL_QUERY`,
    /// `SEMANTIC_SIMILARITY`…) has no OpenAI field; a client may send it as `task_type`, which
    /// only this adapter reads. `encoding_format` is the gateway's business (Gemini always
    /// answers numbers) and `user` has no Gemini equivalent.
    public func makeEmbeddingRequest(_ request: EmbeddingRequest, upstreamModel: String) throws(GatewayError) -> UpstreamRequest {
        guard let texts = request.input.texts else {
            throw GatewayError.unsupportedCapability("Provider '\(providerID)' does not accept token ids as embedding input.", param: "input")
        }
        let call = try GeminiWire.embeddingCall(inputs: texts, model: upstreamModel, dimensions: request.dimensions,
                                                taskType: request.extra["task_type"]?.stringValue)
        return UpstreamRequest(url: configuration.baseURL + call.path, headers: baseHeaders, body: JSONWriter.bytes(call.body), expectsStream: false)
    }

    /// `{embedding:{values}}` / `{embeddings:[{values}]}` → vectors in input order. Gemini
    /// returns no model name and no token usage for embeddings: the model is the upstream model
    /// asked for, and usage is `EmbeddingInput.estimatedTokens` (one token per 4 UTF-8 bytes),
    /// marked `isEstimated`, so the answer keeps OpenAI's shape and cost accounting has a figure.
    public func parseEmbeddingResponse(status: Int, headers: [(String, String)], body: [UInt8],
                                       for request: EmbeddingRequest, upstreamModel: String) throws(GatewayError) -> EmbeddingResponse {
        let json = try UpstreamJSON.parse(body, provider: providerID)
        let vectors: [[Double]]
        do { vectors = try GeminiWire.decodeEmbeddings(json) } catch {
            // The wire functions name the provider type; the client knows the configured id.
            var renamed = error
            let typeName = "Provider 'gemini'"
            if error.message.hasPrefix(typeName) { renamed.message = "Provider '\(providerID)'" + error.message.dropFirst(typeName.count) }
            throw renamed
        }
        guard vectors.count == request.input.count else {
            throw GatewayError.badUpstreamResponse(providerID, "answer has \(vectors.count) embeddings for \(request.input.count) inputs")
        }
        let estimate = request.input.estimatedTokens
        return EmbeddingResponse(model: upstreamModel,
                                 data: vectors.enumerated().map { Embedding(index: $0.offset, vector: .floats($0.element)) },
                                 usage: EmbeddingUsage(promptTokens: estimate, totalTokens: estimate, isEstimated: true))
    }
}
