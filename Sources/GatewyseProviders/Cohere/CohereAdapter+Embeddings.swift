import GatewyseCore

// MARK: - Embeddings (providers.md §7 "Embed")

extension CohereAdapter {
    /// Cohere embeds texts (and images, which OpenAI's input cannot carry): token ids belong to
    /// OpenAI's tokenizer, and more than 96 texts exceed one call.
    public func embeddingIncompatibility(with request: EmbeddingRequest) -> String? {
        if !capabilities.contains(.embeddings) { return "does not offer embeddings" }
        guard let texts = request.input.texts else { return "does not accept token ids as embedding input" }
        if texts.count > CohereEmbedWire.maximumTexts { return "accepts at most \(CohereEmbedWire.maximumTexts) embedding inputs per request" }
        return nil
    }

    /// `POST <base>/v2/embed`. `input_type` is the client's (a Cohere-only field kept in
    /// `extra`) or `search_document`; `dimensions` → `output_dimension`. `encoding_format` is the
    /// gateway's business and `user` has no Cohere equivalent; other unmodelled fields are not
    /// sent, since Cohere refuses fields it does not know.
    public func makeEmbeddingRequest(_ request: EmbeddingRequest, upstreamModel: String) throws(GatewayError) -> UpstreamRequest {
        guard let texts = request.input.texts else {
            throw GatewayError.unsupportedCapability("Provider '\(providerID)' does not accept token ids as embedding input.", param: "input")
        }
        let inputType = try CohereEmbedWire.inputType(request.extra["input_type"]) ?? CohereEmbedWire.defaultInputType
        let body = CohereEmbedWire.encodeRequest(texts: texts, model: upstreamModel, inputType: inputType, dimensions: request.dimensions)
        return UpstreamRequest(url: configuration.baseURL + CohereEmbedWire.path, headers: baseHeaders, body: JSONWriter.bytes(.object(body)), expectsStream: false)
    }

    /// Float vectors → OpenAI's data in input order. Cohere does not echo the model, so it is the
    /// upstream model asked for; usage is `meta.billed_units.input_tokens`, or the estimate
    /// (marked) when Cohere reports none.
    public func parseEmbeddingResponse(status: Int, headers: [(String, String)], body: [UInt8],
                                       for request: EmbeddingRequest, upstreamModel: String) throws(GatewayError) -> EmbeddingResponse {
        let json = try UpstreamJSON.parse(body, provider: providerID)
        let (vectors, inputTokens) = try CohereEmbedWire.decodeResponse(json, providerID: providerID)
        guard vectors.count == request.input.count else {
            throw GatewayError.badUpstreamResponse(providerID, "answer has \(vectors.count) embeddings for \(request.input.count) inputs")
        }
        let usage = inputTokens.map { EmbeddingUsage(promptTokens: $0, totalTokens: $0) }
            ?? EmbeddingUsage(promptTokens: request.input.estimatedTokens, totalTokens: request.input.estimatedTokens, isEstimated: true)
        return EmbeddingResponse(model: upstreamModel,
                                 data: vectors.enumerated().map { Embedding(index: $0.offset, vector: .floats($0.element)) },
                                 usage: usage)
    }
}
