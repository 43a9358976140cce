import GatewyseCore

/// The Cohere/Jina rerank format that LiteLLM, vLLM, LocalAI, llama.cpp and Together all speak
/// (providers.md §7 "Rerank", §9, §21, §23, §24): the client format of `POST /v1/rerank`, and
/// the upstream format of OpenAI-compatible servers' `<base>/rerank`.
/// `{model, query, documents, top_n, return_documents}` →
/// `{id, results:[{index, relevance_score, document?:{text}}], meta:{billed_units}, usage?}`.
public enum RerankWire {
    static let knownRequestFields: JSONFieldNames = ["model", "query", "documents", "top_n", "return_documents", "max_tokens_per_doc"]
    /// A ceiling against absurd bodies; Cohere recommends at most 1,000 documents per call.
    public static let maximumDocuments = 10_000

    // MARK: Client request

    /// Validates a client body and maps it to the unified request; errors name the field
    /// (`documents[2].text`). Documents may be strings or `{text}` objects (Cohere's v1 and
    /// Jina's forms; other keys of an object are ignored), not mixed with anything else.
    public static func decodeRequest(_ body: JSONValue) throws(GatewayError) -> RerankRequest {
        let reader = try JSONFieldReader(body: body)
        let model = try reader.requiredString("model")
        guard !model.isEmpty else { throw reader.invalid("model", "must not be empty.") }
        let query = try reader.requiredString("query")
        guard !query.isEmpty else { throw reader.invalid("query", "must not be empty.") }
        guard let items = try reader.array("documents") else { throw reader.missing("documents") }
        guard !items.isEmpty else { throw reader.invalid("documents", "must contain at least one document.") }
        guard items.count <= maximumDocuments else {
            throw reader.invalid("documents", "must contain at most \(maximumDocuments) documents, got \(items.count).")
        }
        var documents: [String] = []
        documents.reserveCapacity(items.count)
        for (i, item) in items.enumerated() {
            switch item {
            case .string(let text):
                documents.append(text)
            case .object(let object):
                guard let text = object["text"], !text.isNull else {
                    throw .invalidRequest("Missing required field 'documents[\(i)].text'.", param: "documents[\(i)].text", code: "MISSING_FIELD")
                }
                guard case .string(let value) = text else {
                    throw .invalidRequest("Field 'documents[\(i)].text' must be a string, got \(text.typeName).",
                                          param: "documents[\(i)].text", code: "INVALID_FIELD")
                }
                documents.append(value)
            default:
                throw .invalidRequest("Field 'documents[\(i)]' must be a string or an object with 'text', got \(item.typeName).",
                                      param: "documents[\(i)]", code: "INVALID_FIELD")
            }
        }
        var request = RerankRequest(model: model, query: query, documents: documents)
        request.topN = try reader.int("top_n", in: 1...Int(Int32.max))
        request.returnDocuments = try reader.bool("return_documents") ?? false
        request.maxTokensPerDoc = try reader.int("max_tokens_per_doc", in: 1...Int(Int32.max))
        request.extra = reader.remaining(excluding: knownRequestFields)
        return request
    }

    // MARK: Upstream request (OpenAI-compatible servers)

    /// `{model, query, documents, top_n}` then the unmodelled fields. Documents go as strings,
    /// the one form every server accepts; `return_documents` is not sent because the gateway
    /// attaches the texts itself, and `max_tokens_per_doc` is Cohere's alone.
    public static func encodeRequest(_ request: RerankRequest, model: String) -> JSONObject {
        var body = JSONObject()
        body.appendUnique("model", .string(model))
        body.appendUnique("query", .string(request.query))
        body.appendUnique("documents", .array(request.documents.map(JSONValue.string)))
        if let topN = request.topN { body.appendUnique("top_n", .int(topN)) }
        for (key, value) in request.extra { body.appendUnique(key, value) }
        return body
    }

    // MARK: Upstream response

    /// `results[{index, relevance_score}]` with the usage either form reports: Cohere's
    /// `meta.billed_units.search_units` or a server's `usage.total_tokens`. Every index must
    /// name one of the `documentCount` documents, once; the order is left as sent.
    public static func decodeResponse(_ body: JSONValue, fallbackModel: String, documentCount: Int) throws(RerankWireError) -> RerankResponse {
        guard let items = body["results"]?.arrayValue else { throw RerankWireError("answer has no 'results' array") }
        var results: [RerankResult] = []
        results.reserveCapacity(items.count)
        var seen = Set<Int>()
        for (position, item) in items.enumerated() {
            guard let index = item["index"]?.intValue, (0..<documentCount).contains(index) else {
                throw RerankWireError("results[\(position)].index is not the position of one of the \(documentCount) documents")
            }
            guard seen.insert(index).inserted else { throw RerankWireError("results[\(position)].index \(index) appears twice") }
            guard let score = item["relevance_score"]?.doubleValue, score.isFinite else {
                throw RerankWireError("results[\(position)] has no numeric 'relevance_score'")
            }
            results.append(RerankResult(index: index, relevanceScore: score))
        }
        let usage = RerankUsage(searchUnits: UpstreamNumber.count(body["meta"]?["billed_units"]?["search_units"]),
                                totalTokens: UpstreamNumber.count(body["usage"]?["total_tokens"]))
        return RerankResponse(id: body["id"]?.stringValue, model: body["model"]?.stringValue ?? fallbackModel, results: results, usage: usage)
    }

    // MARK: Client response

    /// The answer best first, at most `top_n`, with each document's text when asked for.
    /// `meta.billed_units` holds what the upstream billed (`search_units` from Cohere; empty
    /// when a server reported only tokens), `usage` appears when tokens were reported. `id` is
    /// the upstream's, or the one the gateway minted.
    public static func encodeResponse(_ response: RerankResponse, for request: RerankRequest, id: String) -> JSONValue {
        let results: [JSONValue] = response.ranked(topN: request.topN).map { result in
            var item = JSONObject()
            item.appendUnique("index", .int(result.index))
            // The shortest form that reads back as the same Double (`0.5`, `1.0`), never `1`.
            item.appendUnique("relevance_score", .number(String(result.relevanceScore)))
            if request.returnDocuments { item.appendUnique("document", ["text": .string(request.documents[result.index])]) }
            return .object(item)
        }
        var billed = JSONObject()
        if let units = response.usage.searchUnits { billed.appendUnique("search_units", .int(units)) }
        var out = JSONObject()
        out.appendUnique("id", .string(response.id ?? id))
        out.appendUnique("model", .string(response.model))
        out.appendUnique("results", .array(results))
        out.appendUnique("meta", ["billed_units": .object(billed)])
        if let tokens = response.usage.totalTokens { out.appendUnique("usage", ["total_tokens": .int(tokens)]) }
        return .object(out)
    }
}

/// What is wrong with an upstream's rerank answer; the adapter names the provider.
public struct RerankWireError: Error, Sendable {
    public var message: String
    init(_ message: String) { self.message = message }
}
