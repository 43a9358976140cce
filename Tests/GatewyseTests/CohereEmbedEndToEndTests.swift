import AsyncHTTPClient
import Foundation
import GatewyseCore
import GatewyseEngine
import GatewyseProviders
import GatewyseTesting
import Testing

/// `POST /v1/embeddings` through the real gateway to the mock Cohere's `/v2/embed`.
@Suite("Cohere embeddings end to end", .serialized)
struct CohereEmbedEndToEndTests {
    static func withGateway(_ body: (TestGateway, MockCohereUpstream) async throws -> Void) async throws {
        let cohere = try await MockCohereUpstream.start()
        let gateway = try await TestGateway.start(extraProviders: [
            ProviderConfiguration(id: "cohere", entry: ProviderCatalog.entry(forType: "cohere")!, baseURL: cohere.baseURL, apiKey: Secret("co-e2e-key")),
        ], extraModels: [
            // Token ids skip Cohere and land on the OpenAI mock.
            ModelAlias(name: "co-embed", strategy: .priority, targets: [ModelTarget(provider: "cohere", model: "embed-v4.0", priority: 1),
                                                                        ModelTarget(provider: "mock", model: "text-embedding-3-small", priority: 2)]),
        ])
        do {
            try await body(gateway, cohere)
        } catch {
            await gateway.stop(); await cohere.stop()
            throw error
        }
        await gateway.stop(); await cohere.stop()
    }

    @Test("float and base64 answers carry the same vectors; the upstream got texts, input_type and output_dimension; usage from billed_units")
    func embed() async throws {
        try await Self.withGateway { gateway, cohere in
            let body = #"{"model":"cohere/embed-v4.0","input":["hello world","second"],"dimensions":256"#
            let floats = try await EndToEndTests.post(gateway, "/v1/embeddings", body: body + "}")
            #expect(floats.status == 200, "\(floats.body)")
            #expect(floats.headers["X-Provider"] == ["cohere"])
            #expect(floats.json?["model"] == "embed-v4.0")
            #expect(floats.json?["usage"] == ["prompt_tokens": 3, "total_tokens": 3])
            let received = try #require(cohere.requests.last)
            #expect(received.path == "/v2/embed")
            #expect(received.headers["authorization"] == "Bearer co-e2e-key")
            #expect(received.body == ["model": "embed-v4.0", "texts": ["hello world", "second"], "input_type": "search_document",
                                      "embedding_types": ["float"], "output_dimension": 256])
            let packed = try await EndToEndTests.post(gateway, "/v1/embeddings", body: body + #","encoding_format":"base64","input_type":"search_query"}"#)
            #expect(packed.status == 200, "\(packed.body)")
            #expect(cohere.requests.last?.body?["input_type"] == "search_query")
            #expect(cohere.requests.last?.body?["embedding_types"] == ["float"])
            let expected = try EmbeddingEndToEndTests.vectors(floats)
            #expect(expected.map(\.count) == [256, 256])
            #expect(packed.json?["data"]?.arrayValue?.first?["embedding"]?.stringValue != nil)
            #expect(try EmbeddingEndToEndTests.vectors(packed) == expected)
        }
    }

    @Test("token ids skip Cohere for the next provider; a wrong input_type is the client's 400; Cohere's own refusal is passed on")
    func routingAndErrors() async throws {
        try await Self.withGateway { gateway, cohere in
            let tokens = try await EndToEndTests.post(gateway, "/v1/embeddings", body: #"{"model":"co-embed","input":[1,2,3]}"#)
            #expect(tokens.status == 200, "\(tokens.body)")
            #expect(tokens.headers["X-Provider"] == ["mock"])
            #expect(cohere.requests.isEmpty)
            let badType = try await EndToEndTests.post(gateway, "/v1/embeddings", body: #"{"model":"cohere/embed-v4.0","input":"a","input_type":"query"}"#)
            #expect(badType.status == 400)
            #expect(badType.json?["error"]?["param"] == "input_type")
            #expect(cohere.requests.isEmpty)
            let refused = try await EndToEndTests.post(gateway, "/v1/embeddings", body: #"{"model":"cohere/embed-english-v3.0","input":"a","dimensions":256}"#)
            #expect(refused.status == 400)
            #expect(refused.json?["error"]?["message"]?.stringValue?.contains("output_dimension is not supported for model embed-english-v3.0") == true)
        }
    }
}
