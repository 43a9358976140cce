import AsyncHTTPClient
import Foundation
import GatewyseCore
import GatewyseEngine
import GatewyseProviders
import GatewyseTesting
import Testing

/// `POST /v1/rerank` through the real gateway to the mock upstreams: Cohere (`cohere`), a vLLM
/// (`vllm`, a second OpenAI-format mock serving `/v1/rerank`), an unreachable vLLM (`vllm-down`)
/// and the OpenAI mock (`mock`), which has no rerank.
@Suite("Rerank end to end", .serialized)
struct RerankEndToEndTests {
    static func withGateway(_ body: (TestGateway, MockCohereUpstream, MockOpenAIUpstream) async throws -> Void) async throws {
        let cohere = try await MockCohereUpstream.start()
        let vllm = try await MockOpenAIUpstream.start()
        let gateway = try await TestGateway.start(extraProviders: [
            ProviderConfiguration(id: "cohere", entry: ProviderCatalog.entry(forType: "cohere")!, baseURL: cohere.baseURL, apiKey: Secret("co-e2e-key")),
            ProviderConfiguration(id: "vllm", entry: ProviderCatalog.entry(forType: "vllm")!, baseURL: vllm.baseURL, apiKey: Secret("vllm-key")),
            ProviderConfiguration(id: "vllm-down", entry: ProviderCatalog.entry(forType: "vllm")!, baseURL: "http://127.0.0.1:9/v1", apiKey: nil),
        ], extraModels: [
            ModelAlias(name: "rerank-failover", strategy: .priority, targets: [ModelTarget(provider: "vllm-down", model: "bge", priority: 1),
                                                                               ModelTarget(provider: "cohere", model: "rerank-v3.5", priority: 2)]),
            ModelAlias(name: "rerank-skip", strategy: .priority, targets: [ModelTarget(provider: "mock", model: "mock-chat", priority: 1),
                                                                           ModelTarget(provider: "vllm", model: "BAAI/bge-reranker-v2-m3", priority: 2)]),
        ])
        do {
            try await body(gateway, cohere, vllm)
        } catch {
            await gateway.stop(); await cohere.stop(); await vllm.stop()
            throw error
        }
        await gateway.stop(); await cohere.stop(); await vllm.stop()
    }

    static func rerank(_ gateway: TestGateway, _ body: String) async throws -> EndToEndTests.Reply {
        try await EndToEndTests.post(gateway, "/v1/rerank", body: body)
    }

    static let documents = #"["Berlin is the capital of Germany",{"text":"Paris is the capital of France"},"Bananas are yellow","France has Paris as its capital"]"#

    @Test("Cohere: a valid /v2/rerank request with the Bearer key; results best first with documents and search_units")
    func cohere() async throws {
        try await Self.withGateway { gateway, cohere, _ in
            let reply = try await Self.rerank(gateway, #"{"model":"cohere/rerank-v3.5","query":"capital of France","documents":\#(Self.documents),"top_n":3,"return_documents":true,"max_tokens_per_doc":512}"#)
            #expect(reply.status == 200, "\(reply.body)")
            #expect(reply.headers["X-Provider"] == ["cohere"])
            #expect(reply.headers["X-Gatewyse-Attempts"] == ["1"])
            let json = try #require(reply.json)
            #expect(json["id"] == "07734bd2-mock-rerank")
            #expect(json["model"] == "rerank-v3.5")
            #expect(json["meta"] == ["billed_units": ["search_units": 1]])
            #expect(json["usage"] == nil)
            let results = try #require(json["results"]?.arrayValue)
            #expect(results.count == 3)
            let scores = results.compactMap { $0["relevance_score"]?.doubleValue }
            #expect(scores == scores.sorted(by: >))
            #expect(Set(results.prefix(2).compactMap { $0["index"]?.intValue }) == [1, 3])
            let texts = ["Berlin is the capital of Germany", "Paris is the capital of France", "Bananas are yellow", "France has Paris as its capital"]
            for result in results {
                #expect(result["document"] == ["text": .string(texts[result["index"]?.intValue ?? 0])])
            }
            let received = try #require(cohere.requests.last)
            #expect(received.path == "/v2/rerank")
            #expect(received.headers["authorization"] == "Bearer co-e2e-key")
            #expect(received.body == ["model": "rerank-v3.5", "query": "capital of France", "documents": .array(texts.map(JSONValue.string)),
                                      "top_n": 3, "max_tokens_per_doc": 512])
        }
    }

    @Test("vLLM: <base>/rerank with the Jina body; its documents are not passed on unless asked; usage.total_tokens kept")
    func vllm() async throws {
        try await Self.withGateway { gateway, _, vllm in
            let reply = try await Self.rerank(gateway, #"{"model":"vllm/BAAI/bge-reranker-v2-m3","query":"capital of France","documents":\#(Self.documents),"top_n":2}"#)
            #expect(reply.status == 200, "\(reply.body)")
            #expect(reply.headers["X-Provider"] == ["vllm"])
            let json = try #require(reply.json)
            #expect(json["id"] == "rerank-mock0123456789")
            #expect(json["usage"]?["total_tokens"]?.intValue ?? 0 > 0)
            #expect(json["meta"] == ["billed_units": [:]])
            let results = try #require(json["results"]?.arrayValue)
            #expect(results.count == 2)
            #expect(results.allSatisfy { $0["document"] == nil })
            let received = try #require(vllm.requests.last)
            #expect(received.path == "/v1/rerank")
            #expect(received.headers["authorization"] == "Bearer vllm-key")
            #expect(received.body?["model"] == "BAAI/bge-reranker-v2-m3")
            #expect(received.body?["top_n"] == 2)
            #expect(received.body?["return_documents"] == nil)
        }
    }

    @Test("an alias fails over from an unreachable rerank server to Cohere, and skips a provider without rerank")
    func routing() async throws {
        try await Self.withGateway { gateway, cohere, vllm in
            let failover = try await Self.rerank(gateway, #"{"model":"rerank-failover","query":"q","documents":["a","b"]}"#)
            #expect(failover.status == 200, "\(failover.body)")
            #expect(failover.headers["X-Provider"] == ["cohere"])
            #expect(failover.headers["X-Gatewyse-Attempts"] == ["2"])
            #expect(cohere.requests.count == 1)

            let skipped = try await Self.rerank(gateway, #"{"model":"rerank-skip","query":"q","documents":["a","b"]}"#)
            #expect(skipped.status == 200, "\(skipped.body)")
            #expect(skipped.headers["X-Provider"] == ["vllm"])
            #expect(skipped.headers["X-Gatewyse-Attempts"] == ["1"])
            #expect(gateway.mock.requests.isEmpty, "the provider without rerank is never called")
            #expect(vllm.requests.count == 1)

            let none = try await Self.rerank(gateway, #"{"model":"mock/mock-chat","query":"q","documents":["a"]}"#)
            #expect(none.status == 400)
            #expect(none.code == "UNSUPPORTED_PARAMETER")
            #expect(none.json?["error"]?["message"] == "No provider for model 'mock/mock-chat' can serve this request: mock does not offer rerank.")
        }
    }

    @Test("client errors name the field; unknown model 404; no key 401; upstream 429 and 400 are passed on with X-Provider")
    func errors() async throws {
        try await Self.withGateway { gateway, cohere, _ in
            let empty = try await Self.rerank(gateway, #"{"model":"cohere/rerank-v3.5","query":"q","documents":[]}"#)
            #expect(empty.status == 400)
            #expect(empty.code == "INVALID_FIELD")
            #expect(empty.json?["error"]?["param"] == "documents")
            let item = try await Self.rerank(gateway, #"{"model":"cohere/rerank-v3.5","query":"q","documents":["a",{"title":"b"}]}"#)
            #expect(item.json?["error"]?["param"] == "documents[1].text")
            let unknown = try await Self.rerank(gateway, #"{"model":"no-such-reranker","query":"q","documents":["a"]}"#)
            #expect(unknown.status == 404)
            #expect(unknown.code == "MODEL_NOT_FOUND")
            let anonymous = try await EndToEndTests.post(gateway, "/v1/rerank", body: #"{"model":"cohere/rerank-v3.5","query":"q","documents":["a"]}"#, key: .some(nil))
            #expect(anonymous.status == 401)
            #expect(cohere.requests.isEmpty, "nothing reached the upstream")

            let limited = try await Self.rerank(gateway, #"{"model":"cohere/error-429","query":"q","documents":["a"]}"#)
            #expect(limited.status == 429)
            #expect(limited.headers["X-Provider"] == ["cohere"])
            let refused = try await Self.rerank(gateway, #"{"model":"cohere/error-400","query":"q","documents":["a"]}"#)
            #expect(refused.status == 400)
            #expect(refused.json?["error"]?["message"]?.stringValue?.contains("mock rejected the request") == true)
            #expect(refused.headers["X-Gatewyse-Attempts"] == ["1"])
        }
    }
}
