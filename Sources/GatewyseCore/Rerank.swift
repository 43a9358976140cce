/// The unified rerank model: what `POST /v1/rerank` is normalized to and every adapter with
/// rerank translates from. The client format is the Cohere/Jina one that LiteLLM and vLLM also
/// serve (`{model, query, documents, top_n, return_documents}`); OpenAI has no rerank endpoint.
public struct RerankRequest: Sendable, Equatable {
    public var model: String
    public var query: String
    /// The documents' texts, in the client's order (objects `{text}` are reduced to their text).
    public var documents: [String]
    /// How many results to return, best first; nil returns every document.
    public var topN: Int?
    /// Whether each result carries its document's text. The gateway adds it from `documents`
    /// itself, so it never depends on an upstream echoing the text back.
    public var returnDocuments: Bool = false
    /// Cohere's per-document truncation (`max_tokens_per_doc`); only Cohere reads it.
    public var maxTokensPerDoc: Int?
    /// Every other top-level field, in the client's order (passed on to OpenAI-format servers).
    public var extra: JSONObject = JSONObject()

    public init(model: String, query: String, documents: [String]) {
        self.model = model
        self.query = query
        self.documents = documents
    }

    /// A tokenizer-free estimate of the tokens the reranker reads (the query once per document,
    /// as a cross-encoder sees it, plus each document): one token per 4 UTF-8 bytes, the rule
    /// `EmbeddingInput.estimatedTokens` uses. For cost-aware routing only.
    public var estimatedTokens: Int {
        func estimate(_ text: String) -> Int { (text.utf8.count + 3) / 4 }
        let query = estimate(self.query)
        return documents.reduce(0) { $0 + query + estimate($1) }
    }
}

/// One scored document: its position in the request and the upstream's relevance score.
public struct RerankResult: Sendable, Equatable {
    public var index: Int
    public var relevanceScore: Double

    public init(index: Int, relevanceScore: Double) {
        self.index = index
        self.relevanceScore = relevanceScore
    }
}

/// What an upstream reported it charged: Cohere bills searches (`search_units`), self-hosted
/// servers count tokens. Either may be missing.
public struct RerankUsage: Sendable, Equatable {
    public var searchUnits: Int?
    public var totalTokens: Int?

    public init(searchUnits: Int? = nil, totalTokens: Int? = nil) {
        self.searchUnits = searchUnits
        self.totalTokens = totalTokens
    }
}

public struct RerankResponse: Sendable, Equatable {
    /// The upstream's id for the call, when it sent one.
    public var id: String?
    /// The model as the upstream names it.
    public var model: String
    /// As the upstream sent them; `ranked(topN:)` gives the client's order.
    public var results: [RerankResult]
    public var usage: RerankUsage

    public init(id: String?, model: String, results: [RerankResult], usage: RerankUsage) {
        self.id = id
        self.model = model
        self.results = results
        self.usage = usage
    }

    /// Best first (ties keep the input order), at most `topN`. Applied by the gateway whatever
    /// the upstream did: some servers answer in document order or ignore `top_n`.
    public func ranked(topN: Int?) -> [RerankResult] {
        let sorted = results.sorted { $0.relevanceScore != $1.relevanceScore ? $0.relevanceScore > $1.relevanceScore : $0.index < $1.index }
        guard let topN, topN < sorted.count else { return sorted }
        return Array(sorted.prefix(topN))
    }
}
