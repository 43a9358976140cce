import AsyncHTTPClient
import Foundation
import GatewyseCore
import GatewyseTesting
import NIOCore
import Testing

/// The mocks' rerank endpoints: Cohere's `POST /v2/rerank` and the vLLM-style `POST /v1/rerank`
/// of the OpenAI-format mock. They must refuse what the real servers refuse and rank
/// deterministically.
@Suite("Mock upstreams: rerank", .serialized)
struct RerankMockUpstreamTests {
    typealias M = CohereMockUpstreamTests
    static let documents = #"["Berlin is the capital of Germany","Paris is the capital of France","The capital of France is Paris, a city on the Seine"]"#

    @Test("Cohere: results best first with scores in (0, 1), cut to top_n, search_units billed, no documents echoed")
    func cohereValid() async throws {
        try await M.withMock { mock in
            let reply = try await M.post(mock, path: "/v2/rerank", #"{"model":"rerank-v3.5","query":"capital of France","documents":\#(Self.documents),"top_n":2}"#)
            #expect(reply.status == 200, "\(reply.body)")
            let results = try #require(reply.json?["results"]?.arrayValue)
            #expect(results.count == 2)
            #expect(Set(results.compactMap { $0["index"]?.intValue }) == [1, 2])
            let scores = results.compactMap { $0["relevance_score"]?.doubleValue }
            #expect(scores == scores.sorted(by: >))
            #expect(scores.allSatisfy { $0 > 0 && $0 < 1 })
            #expect(results.allSatisfy { $0["document"] == nil })
            #expect(reply.json?["meta"]?["billed_units"] == ["search_units": 1])
            #expect(mock.requests.last?.path == "/v2/rerank")
        }
    }

    @Test("Cohere: invalid requests get its 400 {id, message}", arguments: [
        (#"{"query":"q","documents":["a"]}"#, "invalid request: model is required"),
        (#"{"model":"rerank-v3.5","documents":["a"]}"#, "invalid request: query is required"),
        (#"{"model":"rerank-v3.5","query":"q"}"#, "invalid request: documents is required"),
        (#"{"model":"rerank-v3.5","query":"q","documents":[]}"#, "invalid request: documents must not be empty"),
        (#"{"model":"rerank-v3.5","query":"q","documents":[{"text":"a"}]}"#, "invalid request: documents must be a list of strings"),
        (#"{"model":"rerank-v3.5","query":"q","documents":["a"],"top_n":0}"#, "invalid request: top_n must be a positive integer"),
        (#"{"model":"rerank-v3.5","query":"q","documents":["a"],"return_documents":true}"#, "unknown field: parameter return_documents is not a valid field"),
    ])
    func cohereInvalid(body: String, message: String) async throws {
        try await M.withMock { mock in
            let reply = try await M.post(mock, path: "/v2/rerank", body)
            #expect(reply.status == 400)
            #expect(reply.json?["message"]?.stringValue == message)
        }
    }

    @Test("Cohere: error models and a missing key")
    func cohereErrors() async throws {
        try await M.withMock { mock in
            let failing = try await M.post(mock, path: "/v2/rerank", #"{"model":"error-500","query":"q","documents":["a"]}"#)
            #expect(failing.status == 500)
            #expect(failing.json?["id"] != nil)
            let anonymous = try await M.post(mock, path: "/v2/rerank", #"{"model":"rerank-v3.5","query":"q","documents":["a"]}"#, key: nil)
            #expect(anonymous.status == 401)
            #expect(anonymous.json?["message"] == "no api key supplied")
        }
    }

    static func vllm(_ mock: MockOpenAIUpstream, _ body: String, key: String? = "sk-v") async throws -> M.Reply {
        var request = HTTPClientRequest(url: mock.baseURL + "/rerank")
        request.method = .POST
        request.headers.add(name: "content-type", value: "application/json")
        if let key { request.headers.add(name: "authorization", value: "Bearer \(key)") }
        request.body = .bytes(ByteBuffer(string: body))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        let bytes = try await response.body.collect(upTo: 1 << 20)
        return M.Reply(status: Int(response.status.code), headers: response.headers.map { ($0.name, $0.value) }, body: String(buffer: bytes))
    }

    @Test("vLLM-style: documents echoed, usage.total_tokens, the same ranking as the Cohere mock; invalid bodies get vLLM's integer code")
    func vllm() async throws {
        let mock = try await MockOpenAIUpstream.start()
        let cohere = try await MockCohereUpstream.start()
        do {
            let body = #"{"model":"bge-reranker","query":"capital of France","documents":\#(Self.documents)}"#
            let reply = try await Self.vllm(mock, body)
            #expect(reply.status == 200, "\(reply.body)")
            let results = try #require(reply.json?["results"]?.arrayValue)
            #expect(results.count == 3)
            #expect(results.first?["document"]?["text"] == "Paris is the capital of France" || results.first?["document"]?["text"] == "The capital of France is Paris, a city on the Seine")
            #expect(reply.json?["usage"]?["total_tokens"]?.intValue ?? 0 > 0)
            #expect(reply.json?["model"] == "bge-reranker")
            let same = try await M.post(cohere, path: "/v2/rerank", #"{"model":"rerank-v3.5","query":"capital of France","documents":\#(Self.documents)}"#)
            #expect(same.json?["results"]?.arrayValue?.map { $0["index"] } == results.map { $0["index"] })
            #expect(mock.requests.last?.path == "/v1/rerank")

            let invalid = try await Self.vllm(mock, #"{"model":"bge-reranker","query":"q","documents":[1]}"#)
            #expect(invalid.status == 400)
            #expect(invalid.json?["error"]?["code"] == 400)
            let anonymous = try await Self.vllm(mock, body, key: nil)
            #expect(anonymous.status == 401)
            let limited = try await Self.vllm(mock, #"{"model":"error-429","query":"q","documents":["a"]}"#)
            #expect(limited.status == 429)
        } catch {
            await mock.stop(); await cohere.stop()
            throw error
        }
        await mock.stop(); await cohere.stop()
    }
}
