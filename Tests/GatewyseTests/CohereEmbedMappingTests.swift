import GatewyseCore
@testable import GatewyseProviders
import GatewyseTesting
import Testing

/// The Cohere adapter's embeddings, fed recorded bytes: the `/v2/embed` body (checked against
/// the mock's validation, so every mapped body is one the real API accepts), the answer read
/// back, and the requests it declines.
@Suite("Cohere adapter: embeddings mapping")
struct CohereEmbedMappingTests {
    typealias F = CohereFixtures

    func request(_ json: String) throws -> EmbeddingRequest {
        try OpenAIEmbeddingsWire.decodeRequest(try JSONParser.parse(json))
    }

    /// The Cohere body for an OpenAI body; the mock's `/v2/embed` must accept it.
    func body(_ json: String, model: String = "embed-v4.0") throws -> JSONValue {
        let upstream = try F.adapter().makeEmbeddingRequest(try request(json), upstreamModel: model)
        let body = try JSONParser.parse(upstream.body)
        if let problem = MockCohereUpstream.embedValidationError(body: body) {
            Issue.record("the mock Cohere refuses the mapped body: \(problem)\n\(JSONWriter.string(body))")
        }
        return body
    }

    @Test("POST <base>/v2/embed with the Bearer key: texts, input_type search_document, float vectors only")
    func defaults() throws {
        let upstream = try F.adapter().makeEmbeddingRequest(try request(#"{"model":"alias","input":"hello"}"#), upstreamModel: "embed-v4.0")
        #expect(upstream.url == "https://api.cohere.com/v2/embed")
        #expect(upstream.method == "POST")
        #expect(!upstream.expectsStream)
        #expect(upstream.headers.contains { $0 == ("Authorization", "Bearer co-test-0123456789abcdef") })
        #expect(String(decoding: upstream.body, as: UTF8.self)
            == #"{"model":"embed-v4.0","texts":["hello"],"input_type":"search_document","embedding_types":["float"]}"#)
    }

    @Test("a list keeps its order; dimensions → output_dimension; the client's input_type wins; base64, user and unknown fields stay home")
    func fields() throws {
        let mapped = try body(#"{"model":"m","input":["a","b c"],"dimensions":256,"encoding_format":"base64","user":"u1","input_type":"search_query","other":1}"#)
        #expect(mapped == ["model": "embed-v4.0", "texts": ["a", "b c"], "input_type": "search_query", "embedding_types": ["float"], "output_dimension": 256])
    }

    @Test("an input_type outside Cohere's list is the client's 400 naming input_type")
    func badInputType() throws {
        for value in [#""query""#, "3"] {
            let embedding = try request(#"{"model":"m","input":"a","input_type":\#(value)}"#)
            #expect {
                try F.adapter().makeEmbeddingRequest(embedding, upstreamModel: "embed-v4.0")
            } throws: { error in
                guard let error = error as? GatewayError else { return false }
                return error.status == 400 && error.param == "input_type" && error.message.contains("search_document, search_query")
            }
        }
    }

    @Test("token ids and more than 96 inputs are declined so routing tries another provider; a provider without embeddings too")
    func incompatibilities() throws {
        let adapter = F.adapter()
        #expect(adapter.embeddingIncompatibility(with: try request(#"{"model":"m","input":["a"]}"#)) == nil)
        #expect(adapter.embeddingIncompatibility(with: try request(#"{"model":"m","input":[1,2,3]}"#)) == "does not accept token ids as embedding input")
        #expect(adapter.embeddingIncompatibility(with: try request(#"{"model":"m","input":[[1],[2]]}"#)) == "does not accept token ids as embedding input")
        let many = "[" + (0..<97).map { "\"t\($0)\"" }.joined(separator: ",") + "]"
        #expect(adapter.embeddingIncompatibility(with: try request(#"{"model":"m","input":\#(many)}"#)) == "accepts at most 96 embedding inputs per request")
        var chatOnly = F.entry
        chatOnly.capabilities = [.chat]
        let plain = CohereAdapter(configuration: ProviderConfiguration(id: "co", entry: chatOnly, baseURL: "https://api.cohere.com", apiKey: F.key))
        #expect(plain.embeddingIncompatibility(with: try request(#"{"model":"m","input":"a"}"#)) == "does not offer embeddings")
    }

    @Test("the answer's float vectors come back in order, usage from billed_units, the model as asked")
    func response() throws {
        let answer = #"""
        {"id":"e1","texts":["a","b"],"embeddings":{"float":[[0.5,-0.25],[1,0]]},"meta":{"api_version":{"version":"2"},"billed_units":{"input_tokens":7}},"response_type":"embeddings_by_type"}
        """#
        let parsed = try F.adapter().parseEmbeddingResponse(status: 200, headers: [], body: Array(answer.utf8),
                                                            for: try request(#"{"model":"m","input":["a","b"]}"#), upstreamModel: "embed-v4.0")
        #expect(parsed == EmbeddingResponse(model: "embed-v4.0", data: [Embedding(index: 0, vector: .floats([0.5, -0.25])), Embedding(index: 1, vector: .floats([1, 0]))],
                                           usage: EmbeddingUsage(promptTokens: 7, totalTokens: 7)))
        // The shared encoder packs them as OpenAI's base64 float32s.
        let packed = try OpenAIEmbeddingsWire.encodeResponse(parsed, encoding: .base64, provider: "cohere")
        #expect(packed["data"]?.arrayValue?.first?["embedding"] == .string(EmbeddingVector.floats([0.5, -0.25]).base64String))
    }

    @Test("no billed_units: usage is the estimate, marked; wrong counts and shapes are the upstream's 502")
    func responseProblems() throws {
        let embedding = try request(#"{"model":"m","input":["abcdefgh"]}"#)
        let estimated = try F.adapter().parseEmbeddingResponse(status: 200, headers: [], body: Array(#"{"embeddings":{"float":[[1]]}}"#.utf8),
                                                               for: embedding, upstreamModel: "embed-v4.0")
        #expect(estimated.usage == EmbeddingUsage(promptTokens: 2, totalTokens: 2, isEstimated: true))
        for bad in [#"{"embeddings":{"float":[[1],[2]]}}"#, #"{"embeddings":{"int8":[[1]]}}"#, #"{"embeddings":{"float":[["x"]]}}"#, "not json"] {
            #expect {
                try F.adapter().parseEmbeddingResponse(status: 200, headers: [], body: Array(bad.utf8), for: embedding, upstreamModel: "m")
            } throws: { error in
                (error as? GatewayError)?.code == "UPSTREAM_BAD_RESPONSE" && (error as? GatewayError)?.message.hasPrefix("Provider 'cohere'") == true
            }
        }
    }

    @Test("embed failures use the shared mapping: 429 retried as 429, 400 returned with Cohere's words, 402 a retryable 502")
    func failures() {
        let adapter = F.adapter()
        let limited = adapter.parseFailure(status: 429, headers: [], body: Array(#"{"id":"r1","message":"trial key limit"}"#.utf8))
        #expect(limited.error.status == 429)
        #expect(limited.retryable)
        let invalid = adapter.parseFailure(status: 400, headers: [], body: Array(#"{"id":"r2","message":"invalid request: valid input_type must be provided with the provided model"}"#.utf8))
        #expect(invalid.error.status == 400)
        #expect(!invalid.retryable)
        #expect(invalid.error.message.contains("valid input_type must be provided with the provided model (request r2)"))
        let billing = adapter.parseFailure(status: 402, headers: [], body: Array(#"{"id":"r3","message":"add a payment method"}"#.utf8))
        #expect(billing.error.status == 502)
        #expect(billing.retryable)
    }
}
