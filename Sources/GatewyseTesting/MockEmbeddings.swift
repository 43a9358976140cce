import GatewyseCore

/// The OpenAI-format mock's `POST /v1/embeddings` (and Azure's
/// `/openai/deployments/{deployment}/embeddings?api-version=…`), as pure functions: the body is
/// checked as OpenAI checks it (providers.md §1 "Other endpoints"; the messages are OpenAI's own
/// wording where known), and the answer holds deterministic vectors derived from each input, so
/// tests can compare encodings and see that inputs kept their order.
enum MockEmbeddings {
    struct Rejection: Error {
        var status = 400
        var message: String
        var param: String?
        var code: String?
    }

    static let knownFields: Set<String> = ["model", "input", "encoding_format", "dimensions", "user"]
    static let invalidInput = "'$.input' is invalid. Please check the API reference: https://platform.openai.com/docs/api-reference."

    /// One input as the mock sees it: text, or token ids.
    enum Item {
        case text(String)
        case tokens([Int])
    }

    /// The answer for a valid body, or the rejection. `deployment` is the Azure deployment from
    /// the path (the body's `model` is then ignored, as Azure ignores it).
    static func answer(body: JSONValue?, deployment: String?) throws(Rejection) -> JSONValue {
        guard let object = body?.objectValue else {
            throw Rejection(message: "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON.)")
        }
        for key in object.keys where !knownFields.contains(key) {
            throw Rejection(message: "Unrecognized request argument supplied: \(key)")
        }
        guard let model = deployment ?? object["model"]?.stringValue, !model.isEmpty else {
            throw Rejection(message: "you must provide a model parameter")
        }
        guard let input = object["input"], !input.isNull else {
            throw Rejection(message: "Missing required parameter: 'input'.", param: "input", code: "missing_required_parameter")
        }
        let items = try Self.items(input)
        var format = "float"
        if let value = object["encoding_format"], !value.isNull {
            guard let name = value.stringValue, name == "float" || name == "base64" else {
                throw Rejection(message: "\(JSONWriter.string(value)) is not one of ['float', 'base64'] - 'encoding_format'")
            }
            format = name
        }
        let native = nativeDimensions(model)
        var dimensions = native
        if let value = object["dimensions"], !value.isNull {
            guard let requested = value.intValue else {
                throw Rejection(message: "\(JSONWriter.string(value)) is not of type 'integer' - 'dimensions'")
            }
            // Only the text-embedding-3 generation can shorten its vectors.
            guard model.hasPrefix("text-embedding-3") || !model.hasPrefix("text-embedding-") else {
                throw Rejection(message: "This model does not support specifying dimensions.")
            }
            guard requested >= 1, requested <= native else {
                throw Rejection(message: "Invalid value for 'dimensions' = \(requested). Must be between 1 and \(native).", param: "dimensions")
            }
            dimensions = requested
        }
        if let user = object["user"], !user.isNull, user.stringValue == nil {
            throw Rejection(message: "\(JSONWriter.string(user)) is not of type 'string' - 'user'")
        }
        var data: [JSONValue] = []
        var tokens = 0
        for (index, item) in items.enumerated() {
            let values = MockEmbeddingVectors.vector(seed: MockEmbeddingVectors.seed(item), dimensions: dimensions)
            let embedding: JSONValue = format == "base64"
                ? .string(EmbeddingVector.floats(values.map(Double.init)).base64String)
                : .array(values.map { .number(String($0)) })
            data.append(["object": "embedding", "index": .int(index), "embedding": embedding])
            tokens += MockEmbeddingVectors.tokenCount(item)
        }
        return ["object": "list", "data": .array(data), "model": .string(model),
                "usage": ["prompt_tokens": .int(tokens), "total_tokens": .int(tokens)]]
    }

    /// `input` as OpenAI accepts it: a non-empty string, or a non-empty array of non-empty
    /// strings, of token ids, or of non-empty token-id arrays; at most 2048 items.
    static func items(_ input: JSONValue) throws(Rejection) -> [Item] {
        switch input {
        case .string(let text) where !text.isEmpty:
            return [.text(text)]
        case .array(let values) where !values.isEmpty && values.count <= 2048:
            if values.allSatisfy({ !($0.stringValue ?? "").isEmpty }) { return values.map { .text($0.stringValue!) } }
            if let ids = tokenIDs(values) { return [.tokens(ids)] }
            var lists: [Item] = []
            for value in values {
                guard let ids = value.arrayValue.flatMap(tokenIDs), !ids.isEmpty else { throw Rejection(message: invalidInput) }
                lists.append(.tokens(ids))
            }
            return lists
        default:
            throw Rejection(message: invalidInput)
        }
    }

    static func tokenIDs(_ values: [JSONValue]) -> [Int]? {
        var ids: [Int] = []
        for value in values {
            guard let id = value.intValue, id >= 0 else { return nil }
            ids.append(id)
        }
        return ids
    }

    /// text-embedding-3-large: 3072; text-embedding-3-small, ada-002 and anything else: 1536.
    static func nativeDimensions(_ model: String) -> Int {
        model.hasSuffix("-large") ? 3072 : 1536
    }
}

/// Deterministic stand-ins for embedding vectors, shared by the OpenAI and Gemini mocks.
enum MockEmbeddingVectors {
    /// FNV-1a over the text's UTF-8 bytes, or over the token ids.
    static func seed(_ item: MockEmbeddings.Item) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        switch item {
        case .text(let text):
            for byte in text.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        case .tokens(let ids):
            for id in ids { hash = (hash ^ UInt64(truncatingIfNeeded: id)) &* 0x100_0000_01b3 }
        }
        return hash
    }

    /// A unit-length float32 vector drawn from SplitMix64 seeded with `seed`.
    static func vector(seed: UInt64, dimensions: Int) -> [Float] {
        var state = seed
        var values: [Float] = []
        values.reserveCapacity(dimensions)
        var sum: Double = 0
        for _ in 0..<dimensions {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            z ^= z >> 31
            let value = Double(z >> 11) / Double(1 << 53) * 2 - 1
            values.append(Float(value))
            sum += value * value
        }
        let norm = Float(sum.squareRoot())
        return norm > 0 ? values.map { $0 / norm } : values
    }

    /// The mock's token count: one per space-separated word (or per token id). Deliberately not
    /// the gateway's bytes/4 estimate, so tests can tell reported usage from estimated usage.
    static func tokenCount(_ item: MockEmbeddings.Item) -> Int {
        switch item {
        case .text(let text): max(1, text.split(separator: " ").count)
        case .tokens(let ids): ids.count
        }
    }
}
