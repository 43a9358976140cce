import GatewyseCore
import GatewyseProviders
import Testing

@Suite("Gemini adapter: embeddings mapping")
struct GeminiEmbeddingTests {
    @Test("one input → embedContent; several → batchEmbedContents with models/<model>; dimensions → outputDimensionality")
    func requests() throws {
        let single = try GeminiWire.embeddingCall(inputs: ["hello"], model: "gemini-embedding-001", dimensions: 768)
        #expect(single.path == "/models/gemini-embedding-001:embedContent")
        #expect(single.body == ["content": ["parts": [["text": "hello"]]], "outputDimensionality": 768])
        let batch = try GeminiWire.embeddingCall(inputs: ["a", "b"], model: "gemini-embedding-001", taskType: "RETRIEVAL_QUERY")
        #expect(batch.path == "/models/gemini-embedding-001:batchEmbedContents")
        #expect(batch.body == ["requests": [
            ["model": "models/gemini-embedding-001", "content": ["parts": [["text": "a"]]], "taskType": "RETRIEVAL_QUERY"],
            ["model": "models/gemini-embedding-001", "content": ["parts": [["text": "b"]]], "taskType": "RETRIEVAL_QUERY"]]])
        #expect(throws: GatewayError.self) { try GeminiWire.embeddingCall(inputs: [], model: "m") }
    }

    @Test("embedding answers → vectors in order; malformed answers throw")
    func responses() throws {
        #expect(try GeminiWire.decodeEmbeddings(["embedding": ["values": [0.5, -1, 2.25]]]) == [[0.5, -1, 2.25]])
        #expect(try GeminiWire.decodeEmbeddings(["embeddings": [["values": [1]], ["values": [2]]]]) == [[1], [2]])
        #expect(throws: GatewayError.self) { try GeminiWire.decodeEmbeddings(["predictions": []]) }
        #expect(throws: GatewayError.self) { try GeminiWire.decodeEmbeddings(["embedding": ["values": ["x"]]]) }
    }
}
