import AsyncHTTPClient
import Foundation
import GatewyseCore
import GatewyseEngine
import GatewyseProviders
import GatewyseTesting
import Testing

/// `POST /v1/embeddings` through the real gateway to the mock upstreams: OpenAI (`mock`), Azure's
/// deployment form (a second OpenAI mock under `/openai`), Gemini, a provider without embeddings
/// (`nogroq`, type groq) and an unreachable one (`down`).
@Suite("Embeddings end to end", .serialized)
struct EmbeddingEndToEndTests {
    static func withGateway(_ body: (TestGateway, MockOpenAIUpstream, MockGeminiUpstream) async throws -> Void) async throws {
        let azure = try await MockOpenAIUpstream.start()
        let gemini = try await MockGeminiUpstream.start()
        let gateway = try await TestGateway.start(extraProviders: [
            ProviderConfiguration(id: "azure", entry: ProviderCatalog.entry(forType: "azure")!, baseURL: "http://127.0.0.1:\(azure.port)/openai",
                                  apiKey: Secret("azure-key-1234")),
            ProviderConfiguration(id: "gemini", entry: ProviderCatalog.entry(forType: "gemini")!, baseURL: gemini.baseURL, apiKey: Secret("AIza-gemini-test")),
            ProviderConfiguration(id: "nogroq", entry: ProviderCatalog.entry(forType: "groq")!, baseURL: "http://127.0.0.1:9/v1", apiKey: Secret("gsk-1234")),
        ], extraModels: [
            ModelAlias(name: "embed", strategy: .priority, targets: [ModelTarget(provider: "down", model: "whatever", priority: 1),
                                                                     ModelTarget(provider: "mock", model: "text-embedding-3-small", priority: 2)]),
            ModelAlias(name: "embed-skip", strategy: .priority, targets: [ModelTarget(provider: "nogroq", model: "llama", priority: 1),
                                                                          ModelTarget(provider: "gemini", model: "gemini-embedding-001", priority: 2)]),
        ])
        do {
            try await body(gateway, azure, gemini)
        } catch {
            await gateway.stop(); await azure.stop(); await gemini.stop()
            throw error
        }
        await gateway.stop(); await azure.stop(); await gemini.stop()
    }

    static func embed(_ gateway: TestGateway, _ body: String) async throws -> EndToEndTests.Reply {
        try await EndToEndTests.post(gateway, "/v1/embeddings", body: body)
    }

    /// The vectors of an answer as float32s, whichever encoding it used.
    static func vectors(_ reply: EndToEndTests.Reply) throws -> [[Float]] {
        let data = try #require(reply.json?["data"]?.arrayValue)
        return try data.enumerated().map { i, item in
            #expect(item["object"] == "embedding")
            #expect(item["index"] == .int(i))
            switch item["embedding"] {
            case .string(let text)?: return try #require(EmbeddingVector.base64(text).floatValues).map(Float.init)
            case .array(let numbers)?: return numbers.map { Float($0.doubleValue ?? .nan) }
            default: Issue.record("no embedding in \(item)"); return []
            }
        }
    }

    @Test("OpenAI upstream, float: the client's body arrives with the upstream model, vectors and usage come back in OpenAI's shape")
    func openAIFloat() async throws {
        try await Self.withGateway { gateway, _, _ in
            let reply = try await Self.embed(gateway, #"{"model":"mock/text-embedding-3-small","input":["hello world","second input here"],"user":"u1"}"#)
            #expect(reply.status == 200, "\(reply.body)")
            #expect(reply.headers["X-Provider"] == ["mock"])
            #expect(reply.headers["X-Gatewyse-Attempts"] == ["1"])
            #expect(reply.json?["object"] == "list")
            #expect(reply.json?["model"] == "text-embedding-3-small")
            // The mock counts words; the gateway passes its count through (not its own estimate).
            #expect(reply.json?["usage"] == ["prompt_tokens": 5, "total_tokens": 5])
            let vectors = try Self.vectors(reply)
            #expect(vectors.map(\.count) == [1536, 1536])
            #expect(vectors[0] != vectors[1])
            let received = try #require(gateway.mock.requests.last)
            #expect(received.path == "/v1/embeddings")
            #expect(received.headers["authorization"] == "Bearer \(TestGateway.providerKey)")
            #expect(received.body == ["model": "text-embedding-3-small", "input": ["hello world", "second input here"], "user": "u1"])
        }
    }

    @Test("OpenAI upstream, base64: forwarded as asked and passed through; it decodes to the float answer; dimensions honoured")
    func openAIBase64() async throws {
        try await Self.withGateway { gateway, _, _ in
            let floats = try await Self.embed(gateway, #"{"model":"mock/text-embedding-3-small","input":"hello world","dimensions":64}"#)
            let packed = try await Self.embed(gateway, #"{"model":"mock/text-embedding-3-small","input":"hello world","dimensions":64,"encoding_format":"base64"}"#)
            #expect(packed.status == 200, "\(packed.body)")
            #expect(packed.json?["data"]?.arrayValue?.first?["embedding"]?.stringValue != nil)
            #expect(gateway.mock.requests.last?.body?["encoding_format"] == "base64")
            #expect(gateway.mock.requests.last?.body?["dimensions"] == 64)
            let expected = try Self.vectors(floats)
            #expect(expected.first?.count == 64)
            #expect(try Self.vectors(packed) == expected)
        }
    }

    @Test("Azure: the deployment URL with api-version and the api-key header")
    func azure() async throws {
        try await Self.withGateway { gateway, azure, _ in
            let reply = try await Self.embed(gateway, #"{"model":"azure/text-embedding-3-small","input":["a"]}"#)
            #expect(reply.status == 200, "\(reply.body)")
            #expect(reply.headers["X-Provider"] == ["azure"])
            let received = try #require(azure.requests.last)
            #expect(received.path == "/openai/deployments/text-embedding-3-small/embeddings?api-version=\(OpenAICompatibleAdapter.defaultAzureAPIVersion)")
            #expect(received.headers["api-key"] == "azure-key-1234")
            #expect(received.headers["authorization"] == nil)
            #expect(try Self.vectors(reply).map(\.count) == [1536])
        }
    }

    @Test("Gemini: batchEmbedContents upstream; base64 made by the gateway equals the float answer; usage estimated")
    func gemini() async throws {
        try await Self.withGateway { gateway, _, gemini in
            let body = #"{"model":"gemini/gemini-embedding-001","input":["a b","c"],"dimensions":16"#
            let floats = try await Self.embed(gateway, body + "}")
            let packed = try await Self.embed(gateway, body + #","encoding_format":"base64"}"#)
            #expect(packed.status == 200, "\(packed.body)")
            #expect(packed.headers["X-Provider"] == ["gemini"])
            #expect(packed.json?["model"] == "gemini-embedding-001")
            #expect(packed.json?["usage"] == ["prompt_tokens": 2, "total_tokens": 2])
            let received = try #require(gemini.requests.last)
            #expect(received.path == "/v1beta/models/gemini-embedding-001:batchEmbedContents")
            #expect(received.headers["x-goog-api-key"] == "AIza-gemini-test")
            #expect(received.body?["requests"]?.arrayValue?.map { $0["model"] } == ["models/gemini-embedding-001", "models/gemini-embedding-001"])
            let expected = try Self.vectors(floats)
            #expect(expected.map(\.count) == [16, 16])
            #expect(try Self.vectors(packed) == expected)

            let single = try await Self.embed(gateway, #"{"model":"gemini/gemini-embedding-001","input":"a b","dimensions":16}"#)
            #expect(gemini.requests.last?.path == "/v1beta/models/gemini-embedding-001:embedContent")
            #expect(try Self.vectors(single) == [expected[0]])
        }
    }

    @Test("an alias fails over from an unreachable provider, and skips one without embeddings")
    func routing() async throws {
        try await Self.withGateway { gateway, _, gemini in
            let failover = try await Self.embed(gateway, #"{"model":"embed","input":"hi"}"#)
            #expect(failover.status == 200, "\(failover.body)")
            #expect(failover.headers["X-Provider"] == ["mock"])
            #expect(failover.headers["X-Gatewyse-Attempts"] == ["2"])

            let skipped = try await Self.embed(gateway, #"{"model":"embed-skip","input":"hi"}"#)
            #expect(skipped.status == 200, "\(skipped.body)")
            #expect(skipped.headers["X-Provider"] == ["gemini"])
            #expect(skipped.headers["X-Gatewyse-Attempts"] == ["1"])
            #expect(gemini.requests.count == 1)

            let none = try await Self.embed(gateway, #"{"model":"nogroq/llama","input":"hi"}"#)
            #expect(none.status == 400)
            #expect(none.code == "UNSUPPORTED_PARAMETER")
            #expect(none.json?["error"]?["message"] == "No provider for model 'nogroq/llama' can serve this request: nogroq does not offer embeddings.")

            let tokens = try await Self.embed(gateway, #"{"model":"gemini/gemini-embedding-001","input":[1,2,3]}"#)
            #expect(tokens.status == 400)
            #expect(tokens.json?["error"]?["message"]?.stringValue?.hasSuffix("gemini does not accept token ids as embedding input.") == true)
            #expect(gemini.requests.count == 1, "declined candidates are never called")
        }
    }

    @Test("client errors: validation with param paths, unknown model, no key; upstream 429 keeps Retry-After")
    func errors() async throws {
        try await Self.withGateway { gateway, _, _ in
            let empty = try await Self.embed(gateway, #"{"model":"mock/text-embedding-3-small","input":[]}"#)
            #expect(empty.status == 400)
            #expect(empty.code == "INVALID_FIELD")
            #expect(empty.json?["error"]?["param"] == "input")
            let missing = try await Self.embed(gateway, #"{"input":"x"}"#)
            #expect(missing.code == "MISSING_FIELD")
            #expect(missing.json?["error"]?["param"] == "model")
            let unknown = try await Self.embed(gateway, #"{"model":"no-such-model","input":"x"}"#)
            #expect(unknown.status == 404)
            #expect(unknown.code == "MODEL_NOT_FOUND")
            let anonymous = try await EndToEndTests.post(gateway, "/v1/embeddings", body: #"{"model":"embed","input":"x"}"#, key: .some(nil))
            #expect(anonymous.status == 401)
            #expect(gateway.mock.requests.isEmpty, "nothing reached the upstream")

            let limited = try await Self.embed(gateway, #"{"model":"mock/error-429","input":"x"}"#)
            #expect(limited.status == 429)
            #expect(limited.headers["Retry-After"] == ["7"])
            #expect(limited.headers["X-Provider"] == ["mock"])
        }
    }
}
