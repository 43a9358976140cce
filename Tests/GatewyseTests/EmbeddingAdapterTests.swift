import GatewyseCore
import GatewyseProviders
import GatewyseTesting
import Testing

/// Each adapter's embeddings mapping, fed recorded bytes (no socket): the upstream request it
/// builds, the answers it reads, and which providers it declines.
@Suite("Embeddings: adapter mapping")
struct EmbeddingAdapterTests {
    static let key = Secret("sk-test-1234567890")

    func configuration(_ type: String, id: String? = nil, baseURL: String? = nil, apiVersion: String? = nil) -> ProviderConfiguration {
        let entry = ProviderCatalog.entry(forType: type)!
        return ProviderConfiguration(id: id ?? type, entry: entry, baseURL: baseURL ?? entry.defaultBaseURL ?? "http://127.0.0.1:1/v1",
                                     apiKey: Self.key, apiVersion: apiVersion)
    }

    func request(_ text: String) throws -> EmbeddingRequest {
        try OpenAIEmbeddingsWire.decodeRequest(try JSONParser.parse(text))
    }

    // MARK: OpenAI format

    @Test("OpenAI: POST <base>/embeddings with bearer auth and the client's fields as sent, model rewritten")
    func openAI() throws {
        let adapter = OpenAICompatibleAdapter(configuration: configuration("openai"))
        let embedding = try request(#"{"model":"alias","input":["a","b"],"encoding_format":"base64","dimensions":256,"user":"u1","extra_field":1}"#)
        #expect(adapter.embeddingIncompatibility(with: embedding) == nil)
        let upstream = try adapter.makeEmbeddingRequest(embedding, upstreamModel: "text-embedding-3-small")
        #expect(upstream.url == "https://api.openai.com/v1/embeddings")
        #expect(upstream.method == "POST")
        #expect(!upstream.expectsStream)
        #expect(upstream.headers.contains { $0 == ("Authorization", "Bearer sk-test-1234567890") })
        #expect(String(decoding: upstream.body, as: UTF8.self)
            == #"{"model":"text-embedding-3-small","input":["a","b"],"encoding_format":"base64","dimensions":256,"user":"u1","extra_field":1}"#)
        // Token ids keep their shape.
        let tokens = try adapter.makeEmbeddingRequest(try request(#"{"model":"m","input":[[1,2],[3]]}"#), upstreamModel: "m")
        #expect(String(decoding: tokens.body, as: UTF8.self) == #"{"model":"m","input":[[1,2],[3]]}"#)
    }

    @Test("Azure: the deployment in the path with api-version and the api-key header; the /openai/v1 form uses the plain path")
    func azure() throws {
        let embedding = try request(#"{"model":"alias","input":"hi"}"#)
        let dated = try OpenAICompatibleAdapter(configuration: configuration("azure", baseURL: "https://r.openai.azure.com/openai", apiVersion: "2024-06-01"))
            .makeEmbeddingRequest(embedding, upstreamModel: "my embed")
        #expect(dated.url == "https://r.openai.azure.com/openai/deployments/my%20embed/embeddings?api-version=2024-06-01")
        #expect(dated.headers.contains { $0 == ("api-key", "sk-test-1234567890") })
        #expect(!dated.headers.contains { $0.0 == "Authorization" })
        let v1 = try OpenAICompatibleAdapter(configuration: configuration("azure", baseURL: "https://r.openai.azure.com/openai/v1"))
            .makeEmbeddingRequest(embedding, upstreamModel: "my-embed")
        #expect(v1.url == "https://r.openai.azure.com/openai/v1/embeddings")
        let defaulted = try OpenAICompatibleAdapter(configuration: configuration("azure", baseURL: "https://r.openai.azure.com/openai"))
            .makeEmbeddingRequest(embedding, upstreamModel: "e")
        #expect(defaulted.url.hasSuffix("/deployments/e/embeddings?api-version=\(OpenAICompatibleAdapter.defaultAzureAPIVersion)"))
    }

    @Test("providers without embeddings in their catalog entry are declined with the reason; Ollama drops `user`")
    func capabilities() throws {
        let embedding = try request(#"{"model":"m","input":"hi","user":"u1"}"#)
        #expect(OpenAICompatibleAdapter(configuration: configuration("groq")).embeddingIncompatibility(with: embedding) == "does not offer embeddings")
        #expect(OpenAICompatibleAdapter(configuration: configuration("perplexity")).embeddingIncompatibility(with: embedding) == "does not offer embeddings")
        let anthropic = ProviderRegistry.makeAdapter(for: configuration("anthropic"))
        #expect(anthropic.embeddingIncompatibility(with: embedding) == "does not offer embeddings")
        #expect(throws: GatewayError.self) { try anthropic.makeEmbeddingRequest(embedding, upstreamModel: "m") }
        let ollama = try OpenAICompatibleAdapter(configuration: configuration("ollama")).makeEmbeddingRequest(embedding, upstreamModel: "nomic-embed-text")
        #expect(ollama.url == "http://localhost:11434/v1/embeddings")
        #expect(String(decoding: ollama.body, as: UTF8.self) == #"{"model":"nomic-embed-text","input":"hi"}"#)
    }

    @Test("OpenAI answers: numbers or base64 kept as sent, put in index order; usage read, or estimated when absent")
    func openAIAnswers() throws {
        let adapter = OpenAICompatibleAdapter(configuration: configuration("openai", id: "oa"))
        let embedding = try request(#"{"model":"m","input":["hello world","b"]}"#)
        let body = #"""
        {"object":"list","data":[{"object":"embedding","index":1,"embedding":"AACAPw=="},{"object":"embedding","index":0,"embedding":[0.25,-0.5]}],
         "model":"text-embedding-3-small","usage":{"prompt_tokens":7,"total_tokens":7}}
        """#
        let parsed = try adapter.parseEmbeddingResponse(status: 200, headers: [], body: Array(body.utf8), for: embedding, upstreamModel: "m")
        #expect(parsed == EmbeddingResponse(model: "text-embedding-3-small",
                                            data: [Embedding(index: 0, vector: .floats([0.25, -0.5])), Embedding(index: 1, vector: .base64("AACAPw=="))],
                                            usage: EmbeddingUsage(promptTokens: 7, totalTokens: 7)))
        let bare = #"{"data":[{"embedding":[1]},{"embedding":[2]}]}"#
        let estimated = try adapter.parseEmbeddingResponse(status: 200, headers: [], body: Array(bare.utf8), for: embedding, upstreamModel: "m")
        #expect(estimated.model == "m")
        #expect(estimated.usage == EmbeddingUsage(promptTokens: 4, totalTokens: 4, isEstimated: true))

        for broken in [#"{"data":[{"embedding":[1]}]}"#, #"{"object":"list"}"#, #"{"data":[{"embedding":[1]},{"embedding":{"x":1}}]}"#, "not json"] {
            #expect(throws: GatewayError.self, "\(broken)") {
                try adapter.parseEmbeddingResponse(status: 200, headers: [], body: Array(broken.utf8), for: embedding, upstreamModel: "m")
            }
        }
        #expect(throws: GatewayError.badUpstreamResponse("oa", "answer has 1 vectors for 2 inputs")) {
            try adapter.parseEmbeddingResponse(status: 200, headers: [], body: Array(#"{"data":[{"embedding":[1]}]}"#.utf8), for: embedding, upstreamModel: "m")
        }
    }

    // MARK: Gemini

    func gemini(id: String = "gemini") -> any ProviderAdapter {
        ProviderRegistry.makeAdapter(for: configuration("gemini", id: id, baseURL: "http://127.0.0.1:1/v1beta"))
    }

    @Test("Gemini: one input → :embedContent, several → :batchEmbedContents; dimensions and task_type mapped; bodies pass the mock's validator")
    func geminiRequests() throws {
        let single = try gemini().makeEmbeddingRequest(try request(#"{"model":"m","input":"hi","dimensions":8,"encoding_format":"base64","user":"u"}"#),
                                                       upstreamModel: "gemini-embedding-001")
        #expect(single.url == "http://127.0.0.1:1/v1beta/models/gemini-embedding-001:embedContent")
        #expect(single.headers.contains { $0 == ("x-goog-api-key", "sk-test-1234567890") })
        #expect(try JSONParser.parse(single.body) == ["content": ["parts": [["text": "hi"]]], "outputDimensionality": 8])
        #expect(MockGeminiUpstream.embeddingValidationError(model: "gemini-embedding-001", method: "embedContent", body: try JSONParser.parse(single.body)) == nil)

        let batch = try gemini().makeEmbeddingRequest(try request(#"{"model":"m","input":["a","b"],"task_type":"RETRIEVAL_QUERY"}"#),
                                                      upstreamModel: "gemini-embedding-001")
        #expect(batch.url == "http://127.0.0.1:1/v1beta/models/gemini-embedding-001:batchEmbedContents")
        #expect(try JSONParser.parse(batch.body) == ["requests": [
            ["model": "models/gemini-embedding-001", "content": ["parts": [["text": "a"]]], "taskType": "RETRIEVAL_QUERY"],
            ["model": "models/gemini-embedding-001", "content": ["parts": [["text": "b"]]], "taskType": "RETRIEVAL_QUERY"]]])
        #expect(MockGeminiUpstream.embeddingValidationError(model: "gemini-embedding-001", method: "batchEmbedContents", body: try JSONParser.parse(batch.body)) == nil)
    }

    @Test("Gemini declines token ids and more than 100 inputs, so routing tries another provider")
    func geminiDeclines() throws {
        #expect(gemini().embeddingIncompatibility(with: try request(#"{"model":"m","input":[1,2]}"#)) == "does not accept token ids as embedding input")
        let many = EmbeddingRequest(model: "m", input: .texts(Array(repeating: "x", count: 101)))
        #expect(gemini().embeddingIncompatibility(with: many) == "accepts at most 100 embedding inputs per request")
        #expect(gemini().embeddingIncompatibility(with: EmbeddingRequest(model: "m", input: .texts(Array(repeating: "x", count: 100)))) == nil)
    }

    @Test("Gemini answers: vectors in order, the asked model, usage estimated and marked so; a short answer names the configured provider")
    func geminiAnswers() throws {
        let embedding = try request(#"{"model":"m","input":["hello world","abcd"]}"#)
        let body = #"{"embeddings":[{"values":[0.5,-1]},{"values":[2,0.25]}]}"#
        let parsed = try gemini().parseEmbeddingResponse(status: 200, headers: [], body: Array(body.utf8), for: embedding, upstreamModel: "gemini-embedding-001")
        #expect(parsed == EmbeddingResponse(model: "gemini-embedding-001",
                                            data: [Embedding(index: 0, vector: .floats([0.5, -1])), Embedding(index: 1, vector: .floats([2, 0.25]))],
                                            usage: EmbeddingUsage(promptTokens: 4, totalTokens: 4, isEstimated: true)))
        let short = #"{"embeddings":[{"values":[1]}]}"#
        #expect(throws: GatewayError.badUpstreamResponse("google-eu", "answer has 1 embeddings for 2 inputs")) {
            try gemini(id: "google-eu").parseEmbeddingResponse(status: 200, headers: [], body: Array(short.utf8), for: embedding, upstreamModel: "m")
        }
        #expect(throws: GatewayError.badUpstreamResponse("google-eu", "embedding answer has neither 'embedding' nor 'embeddings'")) {
            try gemini(id: "google-eu").parseEmbeddingResponse(status: 200, headers: [], body: Array("{}".utf8), for: embedding, upstreamModel: "m")
        }
    }
}
