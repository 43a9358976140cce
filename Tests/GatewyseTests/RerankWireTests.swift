import GatewyseCore
import GatewyseProviders
import Testing

/// `POST /v1/rerank`'s client format: what is accepted, what is refused (with the field path in
/// `param`), and how the unified answer is written back.
@Suite("Rerank: client wire format")
struct RerankWireTests {
    func decode(_ json: String) throws -> RerankRequest {
        try RerankWire.decodeRequest(try JSONParser.parse(json))
    }

    @Test("documents as strings or {text} objects; top_n, return_documents and max_tokens_per_doc read; other fields kept in order")
    func accepted() throws {
        let plain = try decode(#"{"model":"m","query":"q","documents":["a","b"]}"#)
        #expect(plain == RerankRequest(model: "m", query: "q", documents: ["a", "b"]))
        #expect(plain.topN == nil && !plain.returnDocuments)
        let full = try decode(#"{"model":"m","query":"q","documents":[{"text":"a","title":"x"},"b"],"top_n":1,"return_documents":true,"max_tokens_per_doc":512,"rank_fields":["text"],"truncate":"END"}"#)
        #expect(full.documents == ["a", "b"])
        #expect(full.topN == 1)
        #expect(full.returnDocuments)
        #expect(full.maxTokensPerDoc == 512)
        #expect(full.extra == JSONObject([("rank_fields", ["text"]), ("truncate", "END")]))
    }

    @Test("invalid bodies are 400s naming the field", arguments: [
        (#"{"query":"q","documents":["a"]}"#, "model", "Missing required field 'model'."),
        (#"{"model":"","query":"q","documents":["a"]}"#, "model", "Field 'model' must not be empty."),
        (#"{"model":"m","documents":["a"]}"#, "query", "Missing required field 'query'."),
        (#"{"model":"m","query":"","documents":["a"]}"#, "query", "Field 'query' must not be empty."),
        (#"{"model":"m","query":["q"],"documents":["a"]}"#, "query", "Field 'query' must be a string, got an array."),
        (#"{"model":"m","query":"q"}"#, "documents", "Missing required field 'documents'."),
        (#"{"model":"m","query":"q","documents":[]}"#, "documents", "Field 'documents' must contain at least one document."),
        (#"{"model":"m","query":"q","documents":"a"}"#, "documents", "Field 'documents' must be an array, got a string."),
        (#"{"model":"m","query":"q","documents":["a",3]}"#, "documents[1]", "Field 'documents[1]' must be a string or an object with 'text', got a number."),
        (#"{"model":"m","query":"q","documents":[{"title":"a"}]}"#, "documents[0].text", "Missing required field 'documents[0].text'."),
        (#"{"model":"m","query":"q","documents":[{"text":1}]}"#, "documents[0].text", "Field 'documents[0].text' must be a string, got a number."),
        (#"{"model":"m","query":"q","documents":["a"],"top_n":0}"#, "top_n", "Field 'top_n' must be between 1 and 2147483647, got 0."),
        (#"{"model":"m","query":"q","documents":["a"],"top_n":"2"}"#, "top_n", "Field 'top_n' must be an integer, got a string."),
        (#"{"model":"m","query":"q","documents":["a"],"return_documents":"yes"}"#, "return_documents", "Field 'return_documents' must be a boolean, got a string."),
        (#"{"model":"m","query":"q","documents":["a"],"max_tokens_per_doc":-1}"#, "max_tokens_per_doc", "Field 'max_tokens_per_doc' must be between 1 and 2147483647, got -1."),
    ])
    func refused(body: String, param: String, message: String) throws {
        #expect {
            try decode(body)
        } throws: { error in
            guard let error = error as? GatewayError else { return false }
            return error.status == 400 && error.param == param && error.message == message
        }
    }

    @Test("the answer is best first (ties by input order), cut to top_n, with texts when asked, meta.billed_units and usage")
    func encoded() throws {
        var request = RerankRequest(model: "m", query: "q", documents: ["zero", "one", "two", "three"])
        let response = RerankResponse(id: "u1", model: "rerank-v3.5", results: [
            RerankResult(index: 0, relevanceScore: 0.1), RerankResult(index: 3, relevanceScore: 0.9),
            RerankResult(index: 2, relevanceScore: 0.5), RerankResult(index: 1, relevanceScore: 0.5),
        ], usage: RerankUsage(searchUnits: 1))
        let plain = RerankWire.encodeResponse(response, for: request, id: "minted")
        #expect(JSONWriter.string(plain) == #"{"id":"u1","model":"rerank-v3.5","results":[{"index":3,"relevance_score":0.9},{"index":1,"relevance_score":0.5},{"index":2,"relevance_score":0.5},{"index":0,"relevance_score":0.1}],"meta":{"billed_units":{"search_units":1}}}"#)
        request.topN = 2
        request.returnDocuments = true
        var tokens = response
        tokens.id = nil
        tokens.usage = RerankUsage(totalTokens: 40)
        let cut = RerankWire.encodeResponse(tokens, for: request, id: "rerank-minted")
        #expect(JSONWriter.string(cut) == #"{"id":"rerank-minted","model":"rerank-v3.5","results":[{"index":3,"relevance_score":0.9,"document":{"text":"three"}},{"index":1,"relevance_score":0.5,"document":{"text":"one"}}],"meta":{"billed_units":{}},"usage":{"total_tokens":40}}"#)
        // A whole-number score still reads as a float.
        let one = RerankResponse(id: nil, model: "m", results: [RerankResult(index: 0, relevanceScore: 1)], usage: RerankUsage())
        #expect(RerankWire.encodeResponse(one, for: request, id: "x")["results"]?.arrayValue?.first?["relevance_score"] == .number("1.0"))
    }

    @Test("upstream answers: Cohere's and vLLM's shapes are read; bad indices, repeats and missing scores are refused")
    func decoded() throws {
        let cohere = try RerankWire.decodeResponse(try JSONParser.parse(#"{"id":"c1","results":[{"index":1,"relevance_score":0.8},{"index":0,"relevance_score":0.2}],"meta":{"api_version":{"version":"2"},"billed_units":{"search_units":1}}}"#),
                                                   fallbackModel: "rerank-v3.5", documentCount: 2)
        #expect(cohere == RerankResponse(id: "c1", model: "rerank-v3.5", results: [RerankResult(index: 1, relevanceScore: 0.8), RerankResult(index: 0, relevanceScore: 0.2)],
                                         usage: RerankUsage(searchUnits: 1)))
        let vllm = try RerankWire.decodeResponse(try JSONParser.parse(#"{"id":"rerank-1","model":"BAAI/bge-reranker-base","usage":{"total_tokens":30},"results":[{"index":0,"document":{"text":"a"},"relevance_score":0.99}]}"#),
                                                 fallbackModel: "x", documentCount: 2)
        #expect(vllm == RerankResponse(id: "rerank-1", model: "BAAI/bge-reranker-base", results: [RerankResult(index: 0, relevanceScore: 0.99)], usage: RerankUsage(totalTokens: 30)))
        for (bad, problem) in [(#"{"data":[]}"#, "no 'results'"), (#"{"results":[{"index":2,"relevance_score":1}]}"#, "results[0].index"),
                               (#"{"results":[{"index":0,"relevance_score":1},{"index":0,"relevance_score":0.5}]}"#, "appears twice"),
                               (#"{"results":[{"index":0,"score":1}]}"#, "relevance_score")] {
            #expect {
                try RerankWire.decodeResponse(try JSONParser.parse(bad), fallbackModel: "m", documentCount: 2)
            } throws: { error in
                (error as? RerankWireError)?.message.contains(problem) == true
            }
        }
    }

    @Test("the token estimate counts the query once per document, at 4 bytes a token")
    func estimate() {
        #expect(RerankRequest(model: "m", query: "12345678", documents: ["1234", "12345"]).estimatedTokens == 2 + 1 + 2 + 2)
    }
}
