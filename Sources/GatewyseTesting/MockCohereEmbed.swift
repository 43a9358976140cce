import GatewyseCore

/// The Cohere mock's `POST /v2/embed` (providers.md §7 "Embed") as pure functions: the body is
/// checked as Cohere checks it (unknown fields in its `unknown field: …` wording, `input_type`
/// required from the v3 models on, at most 96 texts, `embedding_types` from its list,
/// `output_dimension` only where the model has it) and the answer holds deterministic vectors
/// per text (`MockEmbeddingVectors`) for every type asked for, with `meta.billed_units`.
enum MockCohereEmbed {
    typealias Rejection = MockCohereValidator.Rejection

    static let fields: Set<String> = ["model", "input_type", "texts", "images", "inputs", "embedding_types", "output_dimension",
                                      "truncate", "max_tokens", "priority"]
    static let inputTypes = ["search_document", "search_query", "classification", "clustering", "image"]
    static let embeddingTypes = ["float", "int8", "uint8", "binary", "ubinary", "base64"]
    static let maximumTexts = 96
    /// embed-v4.0's Matryoshka sizes.
    static let outputDimensions = [256, 512, 1024, 1536]

    static func answer(body: JSONValue?) throws(Rejection) -> JSONValue {
        guard let body = body?.objectValue else { throw Rejection(message: "invalid request: the body must be a JSON object") }
        try MockCohereValidator.unknownFields(body, allowed: fields, path: "")
        guard let model = body["model"]?.stringValue, !model.isEmpty else { throw Rejection(message: "invalid request: model is required") }
        let texts = try Self.texts(body)
        if let type = body["input_type"] {
            guard let name = type.stringValue, inputTypes.contains(name) else {
                throw Rejection(message: "invalid request: input_type must be one of \(inputTypes.joined(separator: ", ")), got \(JSONWriter.string(type))")
            }
        } else if !model.contains("v2.0") {
            // Only the v2 generation embedded without knowing what for.
            throw Rejection(message: "invalid request: valid input_type must be provided with the provided model")
        }
        var types = ["float"]
        if let value = body["embedding_types"] {
            guard let items = value.arrayValue, !items.isEmpty,
                  items.allSatisfy({ embeddingTypes.contains($0.stringValue ?? "") }) else {
                throw Rejection(message: "invalid request: embedding_types must be a list of one or more of \(embeddingTypes.joined(separator: ", "))")
            }
            types = items.compactMap(\.stringValue)
        }
        var dimensions = nativeDimensions(model)
        if let value = body["output_dimension"] {
            guard model.hasPrefix("embed-v4") else {
                throw Rejection(message: "invalid request: output_dimension is not supported for model \(model)")
            }
            guard let requested = value.intValue, outputDimensions.contains(requested) else {
                throw Rejection(message: "invalid request: output_dimension must be one of \(outputDimensions.map(String.init).joined(separator: ", ")), got \(JSONWriter.string(value))")
            }
            dimensions = requested
        }
        let vectors = texts.map { MockEmbeddingVectors.vector(seed: MockEmbeddingVectors.seed(.text($0)), dimensions: dimensions) }
        var embeddings = JSONObject()
        for type in types where embeddings[type] == nil { embeddings.appendUnique(type, .array(vectors.map { encode($0, as: type) })) }
        let tokens = texts.reduce(0) { $0 + MockEmbeddingVectors.tokenCount(.text($1)) }
        return ["id": "5807ee2e-mock-embed", "texts": .array(texts.map(JSONValue.string)), "embeddings": .object(embeddings),
                "meta": ["api_version": ["version": "2"], "billed_units": ["input_tokens": .int(tokens)]],
                "response_type": "embeddings_by_type"]
    }

    /// `texts`: one to 96 strings; `images` and `inputs` are documented but not served by the
    /// mock, and exactly one of the three may be given.
    static func texts(_ body: JSONObject) throws(Rejection) -> [String] {
        let given = ["texts", "images", "inputs"].filter { body[$0] != nil }
        guard given.count == 1 else { throw Rejection(message: "invalid request: exactly one of texts, images or inputs must be provided") }
        guard given[0] == "texts" else { throw Rejection(message: "invalid request: the mock embeds texts only") }
        guard let items = body["texts"]?.arrayValue, items.allSatisfy({ $0.stringValue != nil }) else {
            throw Rejection(message: "invalid request: texts must be a list of strings")
        }
        guard !items.isEmpty else { throw Rejection(message: "invalid request: texts must not be empty") }
        guard items.count <= maximumTexts else {
            throw Rejection(message: "invalid request: total number of texts must be at most \(maximumTexts) - received \(items.count)")
        }
        return items.compactMap(\.stringValue)
    }

    /// embed-v4.0: 1536; the light v3 models: 384; other v3 models: 1024; v2: 4096.
    static func nativeDimensions(_ model: String) -> Int {
        if model.hasPrefix("embed-v4") { return 1536 }
        if model.contains("light") { return 384 }
        return model.contains("v2.0") ? 4096 : 1024
    }

    /// One vector in one of Cohere's embedding types: numbers, 8-bit quantized, sign bits packed
    /// eight to a byte (`binary` signed, `ubinary` unsigned), or base64 of the float32 bytes.
    static func encode(_ vector: [Float], as type: String) -> JSONValue {
        switch type {
        case "int8": return .array(vector.map { .int(Int(($0 * 127).rounded())) })
        case "uint8": return .array(vector.map { .int(Int(($0 * 127).rounded()) + 128) })
        case "binary", "ubinary":
            var bytes: [Int] = []
            for start in stride(from: 0, to: vector.count, by: 8) {
                var byte = 0
                for bit in 0..<8 where start + bit < vector.count && vector[start + bit] > 0 { byte |= 1 << (7 - bit) }
                bytes.append(type == "binary" ? byte - 128 : byte)
            }
            return .array(bytes.map(JSONValue.int))
        case "base64": return .string(EmbeddingVector.floats(vector.map(Double.init)).base64String)
        default: return .array(vector.map { .number(String($0)) })
        }
    }
}
