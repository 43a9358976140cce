import GatewyseCore

// MARK: - Embeddings (providers.md §3 "Embeddings")
//
// The gateway has no embeddings endpoint or unified embedding model yet, so these are the pure
// mappings only, ready for an adapter method: OpenAI's `{model, input, dimensions}` → one
// `embedContent` (a single input) or `batchEmbedContents` (several), and the answer → vectors.

extension GeminiWire {
    /// One upstream embedding call: the path below the base URL and the body.
    public struct EmbeddingCall: Sendable, Equatable {
        public var path: String
        public var body: JSONValue
    }

    /// A single input → `POST /models/<model>:embedContent {content:{parts:[{text}]}}`; several →
    /// `POST /models/<model>:batchEmbedContents {requests:[{model:"models/<model>", content}]}`.
    /// `dimensions` → `outputDimensionality`; `taskType` (Gemini-only, e.g. `RETRIEVAL_QUERY`)
    /// is passed when the client sends it. An empty input list is the client's 400.
    public static func embeddingCall(inputs: [String], model: String, dimensions: Int? = nil, taskType: String? = nil) throws(GatewayError) -> EmbeddingCall {
        guard !inputs.isEmpty else { throw .invalidRequest("Field 'input' must not be empty.", param: "input", code: "INVALID_FIELD") }
        func request(_ text: String, named: Bool) -> JSONValue {
            var object = JSONObject()
            if named { object.appendUnique("model", .string("models/\(model)")) }
            object.appendUnique("content", ["parts": [["text": .string(text)]]])
            if let taskType { object.appendUnique("taskType", .string(taskType)) }
            if let dimensions { object.appendUnique("outputDimensionality", .int(dimensions)) }
            return .object(object)
        }
        if inputs.count == 1 { return EmbeddingCall(path: "/models/\(model):embedContent", body: request(inputs[0], named: false)) }
        return EmbeddingCall(path: "/models/\(model):batchEmbedContents",
                             body: ["requests": .array(inputs.map { request($0, named: true) })])
    }

    /// `{embedding:{values}}` or `{embeddings:[{values}]}` → vectors in input order. Gemini
    /// returns no token usage for embeddings.
    public static func decodeEmbeddings(_ body: JSONValue) throws(GatewayError) -> [[Double]] {
        let items: [JSONValue]
        if let single = body["embedding"] { items = [single] } else if let many = body["embeddings"]?.arrayValue { items = many } else {
            throw .badUpstreamResponse("gemini", "embedding answer has neither 'embedding' nor 'embeddings'")
        }
        var vectors: [[Double]] = []
        for item in items {
            guard let values = item["values"]?.arrayValue else { throw .badUpstreamResponse("gemini", "embedding without 'values'") }
            var vector: [Double] = []
            vector.reserveCapacity(values.count)
            for value in values {
                guard let number = value.doubleValue else { throw .badUpstreamResponse("gemini", "embedding value is not a number") }
                vector.append(number)
            }
            vectors.append(vector)
        }
        return vectors
    }
}
