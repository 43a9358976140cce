import GatewyseCore
import GatewyseTesting
import Testing

/// The mock Cohere's `POST /v2/embed`: refuses what the real API refuses, in its words, and
/// answers in the documented shape.
@Suite("Mock Cohere upstream: embed", .serialized)
struct CohereEmbedMockUpstreamTests {
    typealias M = CohereMockUpstreamTests

    @Test("a valid request gets float vectors per text, texts echoed, billed input tokens; the request is recorded")
    func valid() async throws {
        try await M.withMock { mock in
            let reply = try await M.post(mock, path: "/v2/embed", #"{"model":"embed-v4.0","texts":["hello world","hi"],"input_type":"search_query","embedding_types":["float","int8"]}"#)
            #expect(reply.status == 200, "\(reply.body)")
            let json = try #require(reply.json)
            #expect(json["response_type"] == "embeddings_by_type")
            #expect(json["texts"] == ["hello world", "hi"])
            #expect(json["meta"]?["billed_units"] == ["input_tokens": 3])
            let floats = try #require(json["embeddings"]?["float"]?.arrayValue)
            #expect(floats.map { $0.arrayValue?.count } == [1536, 1536])
            #expect(floats[0] != floats[1])
            #expect(json["embeddings"]?["int8"]?.arrayValue?.first?.arrayValue?.allSatisfy { ($0.intValue ?? 999) >= -128 && ($0.intValue ?? 999) <= 127 } == true)
            #expect(mock.requests.last?.path == "/v2/embed")
            // Deterministic: the same text gives the same vector.
            let again = try await M.post(mock, path: "/v2/embed", #"{"model":"embed-v4.0","texts":["hi"],"input_type":"search_document"}"#)
            #expect(again.json?["embeddings"]?["float"]?.arrayValue?.first == floats[1])
        }
    }

    @Test("output_dimension shortens embed-v4.0 vectors")
    func dimensions() async throws {
        try await M.withMock { mock in
            let reply = try await M.post(mock, path: "/v2/embed", #"{"model":"embed-v4.0","texts":["a"],"input_type":"clustering","output_dimension":256}"#)
            #expect(reply.json?["embeddings"]?["float"]?.arrayValue?.first?.arrayValue?.count == 256)
        }
    }

    @Test("invalid requests get Cohere's 400 {id, message}", arguments: [
        (#"{"texts":["a"],"input_type":"search_query"}"#, "invalid request: model is required"),
        (#"{"model":"embed-v4.0","texts":["a"]}"#, "invalid request: valid input_type must be provided with the provided model"),
        (#"{"model":"embed-v4.0","texts":["a"],"input_type":"query"}"#,
         #"invalid request: input_type must be one of search_document, search_query, classification, clustering, image, got "query""#),
        (#"{"model":"embed-v4.0","input_type":"search_query"}"#, "invalid request: exactly one of texts, images or inputs must be provided"),
        (#"{"model":"embed-v4.0","texts":[],"input_type":"search_query"}"#, "invalid request: texts must not be empty"),
        (#"{"model":"embed-v4.0","texts":[1],"input_type":"search_query"}"#, "invalid request: texts must be a list of strings"),
        (#"{"model":"embed-v4.0","texts":["a"],"input_type":"search_query","embedding_types":["float32"]}"#,
         "invalid request: embedding_types must be a list of one or more of float, int8, uint8, binary, ubinary, base64"),
        (#"{"model":"embed-english-v3.0","texts":["a"],"input_type":"search_query","output_dimension":256}"#,
         "invalid request: output_dimension is not supported for model embed-english-v3.0"),
        (#"{"model":"embed-v4.0","texts":["a"],"input_type":"search_query","output_dimension":300}"#,
         "invalid request: output_dimension must be one of 256, 512, 1024, 1536, got 300"),
        (#"{"model":"embed-v4.0","texts":["a"],"input_type":"search_query","encoding_format":"float"}"#,
         "unknown field: parameter encoding_format is not a valid field"),
    ])
    func invalid(body: String, message: String) async throws {
        try await M.withMock { mock in
            let reply = try await M.post(mock, path: "/v2/embed", body)
            #expect(reply.status == 400)
            #expect(reply.json?["message"]?.stringValue == message)
            #expect(reply.json?["id"]?.stringValue?.isEmpty == false)
        }
    }

    @Test("more than 96 texts, no key, and the error models")
    func limits() async throws {
        try await M.withMock { mock in
            let texts = (0..<97).map { "\"t\($0)\"" }.joined(separator: ",")
            let many = try await M.post(mock, path: "/v2/embed", #"{"model":"embed-v4.0","texts":[\#(texts)],"input_type":"search_query"}"#)
            #expect(many.status == 400)
            #expect(many.json?["message"] == "invalid request: total number of texts must be at most 96 - received 97")
            let anonymous = try await M.post(mock, path: "/v2/embed", #"{"model":"embed-v4.0","texts":["a"],"input_type":"search_query"}"#, key: nil)
            #expect(anonymous.status == 401)
            let limited = try await M.post(mock, path: "/v2/embed", #"{"model":"error-429","texts":["a"],"input_type":"search_query"}"#)
            #expect(limited.status == 429)
            #expect(limited.json?["message"]?.stringValue?.hasPrefix("You are using a Trial key") == true)
        }
    }
}
