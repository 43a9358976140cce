import GatewyseCore

/// Cohere's v2 rerank format (providers.md §7 "Rerank") as the gateway speaks it to
/// `POST /v2/rerank`: `{model, query, documents (strings), top_n, max_tokens_per_doc}` →
/// `{id, results:[{index, relevance_score}], meta:{billed_units:{search_units}}}`. The answer
/// is the shape `RerankWire.decodeResponse` reads (Cohere's is where the Jina form came from);
/// only the request differs.
public enum CohereRerankWire {
    public static let path = "/v2/rerank"

    /// v2 takes documents as plain strings and returns no texts (`return_documents` is gone:
    /// the gateway attaches texts itself); unmodelled client fields are not sent, since Cohere
    /// refuses fields it does not know.
    public static func encodeRequest(_ request: RerankRequest, model: String) -> JSONObject {
        var body = JSONObject()
        body.appendUnique("model", .string(model))
        body.appendUnique("query", .string(request.query))
        body.appendUnique("documents", .array(request.documents.map(JSONValue.string)))
        if let topN = request.topN { body.appendUnique("top_n", .int(topN)) }
        if let maximum = request.maxTokensPerDoc { body.appendUnique("max_tokens_per_doc", .int(maximum)) }
        return body
    }
}
