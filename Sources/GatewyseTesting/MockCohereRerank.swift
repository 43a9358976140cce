import GatewyseCore

/// The Cohere mock's `POST /v2/rerank` (providers.md §7 "Rerank") as pure functions: the body is
/// checked as Cohere checks it (v2 takes documents as strings only and has no
/// `return_documents`) and the answer ranks the documents by `MockRerankScores`, best first,
/// cut to `top_n`, with `meta.billed_units.search_units` (one per 100 documents).
enum MockCohereRerank {
    typealias Rejection = MockCohereValidator.Rejection

    static let fields: Set<String> = ["model", "query", "documents", "top_n", "max_tokens_per_doc", "priority"]

    static func answer(body: JSONValue?) throws(Rejection) -> JSONValue {
        guard let body = body?.objectValue else { throw Rejection(message: "invalid request: the body must be a JSON object") }
        try MockCohereValidator.unknownFields(body, allowed: fields, path: "")
        guard !(body["model"]?.stringValue ?? "").isEmpty else { throw Rejection(message: "invalid request: model is required") }
        guard let query = body["query"]?.stringValue else { throw Rejection(message: "invalid request: query is required") }
        guard !query.isEmpty else { throw Rejection(message: "invalid request: query must not be empty") }
        guard let items = body["documents"]?.arrayValue else { throw Rejection(message: "invalid request: documents is required") }
        guard !items.isEmpty else { throw Rejection(message: "invalid request: documents must not be empty") }
        guard items.allSatisfy({ $0.stringValue != nil }) else { throw Rejection(message: "invalid request: documents must be a list of strings") }
        for field in ["top_n", "max_tokens_per_doc"] {
            if let value = body[field], !(value.intValue.map { $0 >= 1 } ?? false) {
                throw Rejection(message: "invalid request: \(field) must be a positive integer")
            }
        }
        let documents = items.compactMap(\.stringValue)
        var ranked = MockRerankScores.ranked(query: query, documents: documents)
        if let topN = body["top_n"]?.intValue, topN < ranked.count { ranked = Array(ranked.prefix(topN)) }
        let results: [JSONValue] = ranked.map { ["index": .int($0.index), "relevance_score": .number(String($0.score))] }
        return ["id": "07734bd2-mock-rerank", "results": .array(results),
                "meta": ["api_version": ["version": "2"], "billed_units": ["search_units": .int((documents.count + 99) / 100)]]]
    }
}

/// Deterministic relevance for the mocks' rerank endpoints (Cohere's and the vLLM-style one):
/// the share of the query's words found in the document, plus a small per-document hash
/// fraction so that scores differ and the order is stable. Scores lie in (0, 1).
enum MockRerankScores {
    static func words(_ text: String) -> Set<Substring> {
        Set(text.lowercased().split { !$0.isLetter && !$0.isNumber })
    }

    static func score(query: String, document: String) -> Double {
        let wanted = words(query)
        let found = words(document)
        let share = wanted.isEmpty ? 0 : Double(wanted.intersection(found).count) / Double(wanted.count)
        let jitter = Double(MockEmbeddingVectors.seed(.text(document)) % 1000) / 1000
        // Three decimals, as the hosted rerankers print them.
        return ((0.9 * share + 0.05 * jitter + 0.01) * 1000).rounded() / 1000
    }

    /// Every document, best first; ties keep the input order.
    static func ranked(query: String, documents: [String]) -> [(index: Int, score: Double)] {
        documents.enumerated().map { (index: $0.offset, score: score(query: query, document: $0.element)) }
            .sorted { $0.score != $1.score ? $0.score > $1.score : $0.index < $1.index }
    }
}
