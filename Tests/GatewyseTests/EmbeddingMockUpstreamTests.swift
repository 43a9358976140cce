import AsyncHTTPClient
import Foundation
import GatewyseCore
import GatewyseTesting
import NIOCore
import Testing

/// The mocks' embeddings endpoints themselves: they must refuse what the real APIs refuse, in
/// their words, and answer in the documented shapes, or the gateway's tests prove nothing.
@Suite("Mock upstreams: embeddings", .serialized)
struct EmbeddingMockUpstreamTests {
    struct Reply {
        var status: Int
        var body: String
        var json: JSONValue? { try? JSONParser.parse(body) }
        var errorMessage: String? { json?["error"]?["message"]?.stringValue }
    }

    static func post(_ url: String, _ body: String, headers: [(String, String)]) async throws -> Reply {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "content-type", value: "application/json")
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        request.body = .bytes(ByteBuffer(string: body))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        let bytes = try await response.body.collect(upTo: 1 << 22)
        return Reply(status: Int(response.status.code), body: String(buffer: bytes))
    }

    static let bearer = [("authorization", "Bearer sk-test")]

    static func with<Mock: MockUpstream>(_ start: () async throws -> Mock, _ body: (Mock) async throws -> Void) async throws {
        let mock = try await start()
        do { try await body(mock) } catch { await mock.stop(); throw error }
        await mock.stop()
    }

    @Test("OpenAI mock: OpenAI's refusals for a missing key, unknown fields, empty input, bad encoding and dimensions on ada-002")
    func openAIRefusals() async throws {
        try await Self.with({ try await MockOpenAIUpstream.start() }) { mock in
            let url = mock.baseURL + "/embeddings"
            let cases: [(String, [(String, String)], Int, String)] = [
                (#"{"model":"text-embedding-3-small","input":"x"}"#, [], 401, "You didn't provide an API key."),
                (#"{"model":"text-embedding-3-small","input":"x","task_type":"Q"}"#, Self.bearer, 400, "Unrecognized request argument supplied: task_type"),
                (#"{"input":"x"}"#, Self.bearer, 400, "you must provide a model parameter"),
                (#"{"model":"text-embedding-3-small"}"#, Self.bearer, 400, "Missing required parameter: 'input'."),
                (#"{"model":"text-embedding-3-small","input":""}"#, Self.bearer, 400, "'$.input' is invalid."),
                (#"{"model":"text-embedding-3-small","input":["a",""]}"#, Self.bearer, 400, "'$.input' is invalid."),
                (#"{"model":"text-embedding-3-small","input":["a",1]}"#, Self.bearer, 400, "'$.input' is invalid."),
                (#"{"model":"text-embedding-3-small","input":"x","encoding_format":"int8"}"#, Self.bearer, 400, #""int8" is not one of ['float', 'base64']"#),
                (#"{"model":"text-embedding-ada-002","input":"x","dimensions":8}"#, Self.bearer, 400, "This model does not support specifying dimensions."),
                (#"{"model":"text-embedding-3-small","input":"x","dimensions":5000}"#, Self.bearer, 400, "Invalid value for 'dimensions' = 5000."),
            ]
            for (body, headers, status, message) in cases {
                let reply = try await Self.post(url, body, headers: headers)
                #expect(reply.status == status, "\(body)")
                #expect(reply.errorMessage?.hasPrefix(message) == true, "\(body): \(reply.body)")
            }
        }
    }

    @Test("OpenAI mock: deterministic unit vectors per input, in both encodings; token ids accepted; usage counts words")
    func openAIAnswers() async throws {
        try await Self.with({ try await MockOpenAIUpstream.start() }) { mock in
            let url = mock.baseURL + "/embeddings"
            let floats = try await Self.post(url, #"{"model":"text-embedding-3-large","input":["one two","three"]}"#, headers: Self.bearer)
            #expect(floats.status == 200)
            #expect(floats.json?["usage"] == ["prompt_tokens": 3, "total_tokens": 3])
            let first = try #require(floats.json?["data"]?.arrayValue?.first?["embedding"]?.arrayValue).map { Float($0.doubleValue!) }
            #expect(first.count == 3072)
            #expect(abs(first.reduce(0) { $0 + $1 * $1 } - 1) < 1e-3)
            let packed = try await Self.post(url, #"{"model":"text-embedding-3-large","input":"one two","encoding_format":"base64"}"#, headers: Self.bearer)
            let decoded = try #require(packed.json?["data"]?.arrayValue?.first?["embedding"]?.stringValue.flatMap { EmbeddingVector.base64($0).floatValues })
            #expect(decoded.map(Float.init) == first)
            let tokens = try await Self.post(url, #"{"model":"m","input":[[1,2],[3]]}"#, headers: Self.bearer)
            #expect(tokens.json?["data"]?.arrayValue?.count == 2)
            #expect(tokens.json?["usage"]?["prompt_tokens"] == 3)
        }
    }

    @Test("OpenAI mock, Azure form: api-key required, api-version required, the deployment is the model")
    func azure() async throws {
        try await Self.with({ try await MockOpenAIUpstream.start() }) { mock in
            let base = "http://127.0.0.1:\(mock.port)/openai/deployments/embed-dep/embeddings"
            #expect(try await Self.post(base + "?api-version=2024-10-21", #"{"input":"x"}"#, headers: []).status == 401)
            let noVersion = try await Self.post(base, #"{"input":"x"}"#, headers: [("api-key", "k")])
            #expect(noVersion.status == 404)
            #expect(noVersion.json == ["error": ["code": "404", "message": "Resource not found"]])
            let ok = try await Self.post(base + "?api-version=2024-10-21", #"{"input":"x"}"#, headers: [("api-key", "k")])
            #expect(ok.status == 200)
            #expect(ok.json?["model"] == "embed-dep")
        }
    }

    @Test("Gemini mock: key, batch model, batch size, unknown fields, parts and task types checked in Google's words")
    func geminiRefusals() async throws {
        try await Self.with({ try await MockGeminiUpstream.start() }) { mock in
            let batch = mock.baseURL + "/models/gemini-embedding-001:batchEmbedContents"
            let single = mock.baseURL + "/models/gemini-embedding-001:embedContent"
            let key = [("x-goog-api-key", "AIza-test")]
            let many = Array(repeating: #"{"model":"models/gemini-embedding-001","content":{"parts":[{"text":"x"}]}}"#, count: 101).joined(separator: ",")
            let cases: [(String, String, [(String, String)], Int, String)] = [
                (single, #"{"content":{"parts":[{"text":"x"}]}}"#, [], 403, "Method doesn't allow unregistered callers"),
                (batch, #"{"requests":[{"model":"models/other","content":{"parts":[{"text":"x"}]}}]}"#, key, 400,
                 "* BatchEmbedContentsRequest.requests[0].model: the model of each request (models/other) must match"),
                (batch, #"{"requests":[{"content":{"parts":[{"text":"x"}]}}]}"#, key, 400, "* BatchEmbedContentsRequest.requests[0].model: model is required"),
                (batch, "{\"requests\":[\(many)]}", key, 400, "* BatchEmbedContentsRequest.requests: at most 100 requests can be in one batch"),
                (single, #"{"content":{"parts":[{"text":"x"}]},"dimensions":8}"#, key, 400, #"Invalid JSON payload received. Unknown name "dimensions""#),
                (single, #"{"content":{"parts":[]}}"#, key, 400, "* EmbedContentRequest.content.parts: contents.parts must not be empty."),
                (single, #"{"content":{"parts":[{"inlineData":{"mimeType":"image/png","data":"AA=="}}]}}"#, key, 400, "* EmbedContentRequest.content.parts[0].data"),
                (single, #"{"content":{"parts":[{"text":"x"}]},"taskType":"SEARCH"}"#, key, 400, "Invalid value at 'task_type'"),
                (single, #"{"content":{"parts":[{"text":"x"}]},"outputDimensionality":4000}"#, key, 400, "* EmbedContentRequest.output_dimensionality"),
            ]
            for (url, body, headers, status, message) in cases {
                let reply = try await Self.post(url, body, headers: headers)
                #expect(reply.status == status, "\(body.prefix(120))")
                #expect(reply.errorMessage?.hasPrefix(message) == true, "\(body.prefix(120)): \(reply.body.prefix(300))")
            }
            let limited = try await Self.post(mock.baseURL + "/models/error-429:embedContent", #"{"content":{"parts":[{"text":"x"}]}}"#, headers: key)
            #expect(limited.status == 429)
            #expect(limited.json?["error"]?["status"] == "RESOURCE_EXHAUSTED")
        }
    }

    @Test("Gemini mock: {embedding:{values}} and {embeddings:[{values}]} with the same vector for the same text, no usage")
    func geminiAnswers() async throws {
        try await Self.with({ try await MockGeminiUpstream.start() }) { mock in
            let key = [("x-goog-api-key", "AIza-test")]
            let single = try await Self.post(mock.baseURL + "/models/gemini-embedding-001:embedContent",
                                             #"{"content":{"parts":[{"text":"x"}]},"taskType":"RETRIEVAL_QUERY"}"#, headers: key)
            #expect(single.status == 200)
            #expect(single.json?.objectValue?.keys == ["embedding"])
            let values = try #require(single.json?["embedding"]?["values"]?.arrayValue)
            #expect(values.count == 3072)
            let batch = try await Self.post(mock.baseURL + "/models/gemini-embedding-001:batchEmbedContents",
                                            #"{"requests":[{"model":"models/gemini-embedding-001","content":{"parts":[{"text":"y"}]}},{"model":"models/gemini-embedding-001","content":{"parts":[{"text":"x"}]}}]}"#,
                                            headers: key)
            #expect(batch.status == 200)
            #expect(batch.json?.objectValue?.keys == ["embeddings"])
            #expect(batch.json?["embeddings"]?.arrayValue?[1]["values"]?.arrayValue == values)
            #expect(batch.json?["embeddings"]?.arrayValue?[0]["values"]?.arrayValue != values)
        }
    }
}
