import GatewyseCore
@testable import GatewyseProviders
import GatewyseTesting
import Testing

/// Each adapter's rerank, fed recorded bytes (no socket): Cohere's `/v2/rerank` and the
/// OpenAI-compatible servers' `<base>/rerank`, and who declines.
@Suite("Rerank: adapter mapping")
struct RerankAdapterTests {
    static let key = Secret("sk-test-1234567890")

    func configuration(_ type: String, baseURL: String? = nil) -> ProviderConfiguration {
        let entry = ProviderCatalog.entry(forType: type)!
        return ProviderConfiguration(id: type, entry: entry, baseURL: baseURL ?? entry.defaultBaseURL ?? "http://127.0.0.1:1/v1", apiKey: Self.key)
    }

    func request(_ json: String) throws -> RerankRequest {
        try RerankWire.decodeRequest(try JSONParser.parse(json))
    }

    @Test("Cohere: POST <base>/v2/rerank, Bearer key, documents as strings, top_n and max_tokens_per_doc; no return_documents or unknown fields")
    func cohereRequest() throws {
        let adapter = CohereFixtures.adapter()
        let rerank = try request(#"{"model":"alias","query":"capital of France","documents":[{"text":"Paris is the capital"},"Berlin"],"top_n":1,"return_documents":true,"max_tokens_per_doc":256,"rank_fields":["text"]}"#)
        #expect(adapter.rerankIncompatibility(with: rerank) == nil)
        let upstream = try adapter.makeRerankRequest(rerank, upstreamModel: "rerank-v3.5")
        #expect(upstream.url == "https://api.cohere.com/v2/rerank")
        #expect(!upstream.expectsStream)
        #expect(upstream.headers.contains { $0 == ("Authorization", "Bearer \(CohereFixtures.key.revealed)") })
        let body = try JSONParser.parse(upstream.body)
        #expect(JSONWriter.string(body) == #"{"model":"rerank-v3.5","query":"capital of France","documents":["Paris is the capital","Berlin"],"top_n":1,"max_tokens_per_doc":256}"#)
        #expect(MockCohereUpstream.rerankValidationError(body: body) == nil)
    }

    @Test("Cohere: results and search_units read, model as asked; failures through the shared mapping")
    func cohereResponse() throws {
        let adapter = CohereFixtures.adapter()
        let rerank = try request(#"{"model":"m","query":"q","documents":["a","b","c"]}"#)
        let parsed = try adapter.parseRerankResponse(status: 200, headers: [], body: Array(#"{"id":"r-1","results":[{"index":2,"relevance_score":0.7},{"index":0,"relevance_score":0.1}],"meta":{"billed_units":{"search_units":1}}}"#.utf8),
                                                     for: rerank, upstreamModel: "rerank-v3.5")
        #expect(parsed == RerankResponse(id: "r-1", model: "rerank-v3.5", results: [RerankResult(index: 2, relevanceScore: 0.7), RerankResult(index: 0, relevanceScore: 0.1)],
                                         usage: RerankUsage(searchUnits: 1)))
        #expect {
            try adapter.parseRerankResponse(status: 200, headers: [], body: Array(#"{"results":[{"index":3,"relevance_score":0.7}]}"#.utf8), for: rerank, upstreamModel: "m")
        } throws: { error in
            (error as? GatewayError)?.code == "UPSTREAM_BAD_RESPONSE" && (error as? GatewayError)?.message.contains("Provider 'cohere'") == true
        }
        let limited = adapter.parseFailure(status: 429, headers: [("Retry-After", "3")], body: Array(#"{"id":"x","message":"You are using a Trial key"}"#.utf8))
        #expect(limited.error.status == 429 && limited.retryable && limited.retryAfterSeconds == 3)
        let invalid = adapter.parseFailure(status: 400, headers: [], body: Array(#"{"id":"x","message":"invalid request: documents must not be empty"}"#.utf8))
        #expect(invalid.error.status == 400 && !invalid.retryable)
    }

    @Test("vLLM, LocalAI, llama.cpp and Together: POST <base>/rerank with the Jina body (documents as strings, top_n, unmodelled fields)")
    func openAICompatibleRequest() throws {
        let rerank = try request(#"{"model":"alias","query":"q","documents":[{"text":"a"},"b"],"top_n":2,"return_documents":true,"max_tokens_per_doc":9,"truncate_prompt_tokens":128}"#)
        for (type, url) in [("vllm", "http://localhost:8000/v1/rerank"), ("localai", "http://localhost:8080/v1/rerank"),
                            ("llamacpp", "http://localhost:8080/v1/rerank"), ("together", "https://api.together.xyz/v1/rerank")] {
            let adapter = OpenAICompatibleAdapter(configuration: configuration(type))
            #expect(adapter.rerankIncompatibility(with: rerank) == nil, "\(type)")
            let upstream = try adapter.makeRerankRequest(rerank, upstreamModel: "BAAI/bge-reranker-v2-m3")
            #expect(upstream.url == url)
            #expect(upstream.headers.contains { $0 == ("Authorization", "Bearer sk-test-1234567890") })
            #expect(String(decoding: upstream.body, as: UTF8.self)
                == #"{"model":"BAAI/bge-reranker-v2-m3","query":"q","documents":["a","b"],"top_n":2,"truncate_prompt_tokens":128}"#)
        }
    }

    @Test("a llama.cpp answer in document order is read as sent and ranked by the gateway; usage.total_tokens kept")
    func documentOrderAnswer() throws {
        let adapter = OpenAICompatibleAdapter(configuration: configuration("llamacpp"))
        var rerank = try request(#"{"model":"m","query":"q","documents":["a","b","c"]}"#)
        rerank.topN = 2
        let parsed = try adapter.parseRerankResponse(status: 200, headers: [], body: Array(#"{"model":"bge","object":"list","usage":{"prompt_tokens":12,"total_tokens":12},"results":[{"index":0,"relevance_score":-3.5},{"index":1,"relevance_score":4.25},{"index":2,"relevance_score":0.5}]}"#.utf8),
                                                     for: rerank, upstreamModel: "m")
        #expect(parsed.results.map(\.index) == [0, 1, 2])
        #expect(parsed.usage == RerankUsage(totalTokens: 12))
        #expect(parsed.ranked(topN: rerank.topN) == [RerankResult(index: 1, relevanceScore: 4.25), RerankResult(index: 2, relevanceScore: 0.5)])
        #expect(throws: GatewayError.self) {
            try adapter.parseRerankResponse(status: 200, headers: [], body: Array("<html>".utf8), for: rerank, upstreamModel: "m")
        }
    }

    @Test("providers without rerank decline with the reason, and refuse to build a request")
    func declined() throws {
        let rerank = try request(#"{"model":"m","query":"q","documents":["a"]}"#)
        for type in ["openai", "groq", "azure", "openai-compatible"] {
            let adapter = OpenAICompatibleAdapter(configuration: configuration(type, baseURL: "https://example.test/v1"))
            #expect(adapter.rerankIncompatibility(with: rerank) == "does not offer rerank", "\(type)")
        }
        let gemini = GeminiAdapter(configuration: configuration("gemini"))
        #expect(gemini.rerankIncompatibility(with: rerank) == "does not offer rerank")
        #expect(throws: GatewayError.self) { try gemini.makeRerankRequest(rerank, upstreamModel: "m") }
        var chatOnly = CohereFixtures.entry
        chatOnly.capabilities = [.chat]
        let cohere = CohereAdapter(configuration: ProviderConfiguration(id: "co", entry: chatOnly, baseURL: "https://api.cohere.com", apiKey: Self.key))
        #expect(cohere.rerankIncompatibility(with: rerank) == "does not offer rerank")
    }
}
