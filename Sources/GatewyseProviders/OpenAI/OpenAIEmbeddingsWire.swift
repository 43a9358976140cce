import GatewyseCore

/// OpenAI's embeddings wire format (providers.md §1 "Other endpoints"): the client format of
/// `POST /v1/embeddings`, and the upstream format of every OpenAI-compatible provider.
/// `{model, input, encoding_format, dimensions, user}` → `{object:"list", data:[{object:
/// "embedding", index, embedding}], model, usage:{prompt_tokens, total_tokens}}`.
public enum OpenAIEmbeddingsWire {
    static let knownRequestFields: JSONFieldNames = ["model", "input", "encoding_format", "dimensions", "user"]
    /// OpenAI's documented ceiling on inputs per request.
    public static let maximumInputs = 2048

    // MARK: Client request

    /// Validates a client body and maps it to the unified request. Errors name the field
    /// (`input[3]`). Empty texts are refused as OpenAI refuses them (400 "'$.input' is
    /// invalid"), so the client learns it here rather than from whichever upstream it reached.
    public static func decodeRequest(_ body: JSONValue) throws(GatewayError) -> EmbeddingRequest {
        let reader = try JSONFieldReader(body: body)
        let model = try reader.requiredString("model")
        guard !model.isEmpty else { throw reader.invalid("model", "must not be empty.") }
        guard let input = reader.object["input"], !input.isNull else { throw reader.missing("input") }
        var request = EmbeddingRequest(model: model, input: try decodeInput(input, reader: reader))
        if let format = try reader.string("encoding_format") {
            guard let encoding = EmbeddingEncoding(rawValue: format) else {
                throw reader.invalid("encoding_format", "must be 'float' or 'base64', got '\(format)'.")
            }
            request.encodingFormat = encoding
        }
        request.dimensions = try reader.int("dimensions", in: 1...65_536)
        request.user = try reader.string("user")
        request.extra = reader.remaining(excluding: knownRequestFields)
        return request
    }

    static let inputShapes = "a string, an array of strings, an array of token ids or an array of token-id arrays"

    static func decodeInput(_ value: JSONValue, reader: JSONFieldReader) throws(GatewayError) -> EmbeddingInput {
        switch value {
        case .string(let text):
            guard !text.isEmpty else { throw reader.invalid("input", "must not be an empty string.") }
            return .text(text)
        case .array(let items):
            guard !items.isEmpty else { throw reader.invalid("input", "must contain at least one input.") }
            guard items.count <= maximumInputs else { throw reader.invalid("input", "must contain at most \(maximumInputs) inputs, got \(items.count).") }
            // The first item decides the shape; every other item must share it.
            switch items[0] {
            case .string:
                var texts: [String] = []
                texts.reserveCapacity(items.count)
                for (i, item) in items.enumerated() {
                    guard case .string(let text) = item else { throw mixed(i, item) }
                    guard !text.isEmpty else { throw itemError(i, "must not be an empty string.") }
                    texts.append(text)
                }
                return .texts(texts)
            case .number:
                return .tokens(try tokenIDs(items, path: "input"))
            case .array:
                var lists: [[Int]] = []
                lists.reserveCapacity(items.count)
                for (i, item) in items.enumerated() {
                    guard case .array(let ids) = item else { throw mixed(i, item) }
                    guard !ids.isEmpty else { throw itemError(i, "must contain at least one token id.") }
                    lists.append(try tokenIDs(ids, path: "input[\(i)]"))
                }
                return .tokenLists(lists)
            default:
                throw reader.wrongType("input", expected: inputShapes, got: value)
            }
        default:
            throw reader.wrongType("input", expected: inputShapes, got: value)
        }
    }

    static func tokenIDs(_ items: [JSONValue], path: String) throws(GatewayError) -> [Int] {
        var ids: [Int] = []
        ids.reserveCapacity(items.count)
        for (i, item) in items.enumerated() {
            guard let id = item.intValue, id >= 0, id <= Int(Int32.max) else {
                let got = item.doubleValue != nil ? JSONWriter.string(item) : item.typeName
                throw .invalidRequest("Field '\(path)[\(i)]' must be a token id (a non-negative integer), got \(got).",
                                      param: "\(path)[\(i)]", code: "INVALID_FIELD")
            }
            ids.append(id)
        }
        return ids
    }

    static func itemError(_ index: Int, _ reason: String) -> GatewayError {
        .invalidRequest("Field 'input[\(index)]' \(reason)", param: "input[\(index)]", code: "INVALID_FIELD")
    }

    static func mixed(_ index: Int, _ item: JSONValue) -> GatewayError {
        itemError(index, "is \(item.typeName), unlike the first input; 'input' must be \(inputShapes).")
    }

    // MARK: Upstream request

    /// The body for an OpenAI-format upstream: the client's fields in OpenAI's order, the input
    /// in the client's own shape, then the fields the gateway does not model.
    public static func encodeRequest(_ request: EmbeddingRequest, model: String) -> JSONObject {
        var body = JSONObject()
        body.appendUnique("model", .string(model))
        body.appendUnique("input", encodeInput(request.input))
        if let format = request.encodingFormat { body.appendUnique("encoding_format", .string(format.rawValue)) }
        if let dimensions = request.dimensions { body.appendUnique("dimensions", .int(dimensions)) }
        if let user = request.user { body.appendUnique("user", .string(user)) }
        for (key, value) in request.extra { body.appendUnique(key, value) }
        return body
    }

    static func encodeInput(_ input: EmbeddingInput) -> JSONValue {
        switch input {
        case .text(let text): .string(text)
        case .texts(let texts): .array(texts.map(JSONValue.string))
        case .tokens(let ids): .array(ids.map(JSONValue.int))
        case .tokenLists(let lists): .array(lists.map { .array($0.map(JSONValue.int)) })
        }
    }

    // MARK: Upstream response

    /// An OpenAI-format answer. Vectors may be numbers or base64 strings (whichever the upstream
    /// sent); `data` is put in input order by `index`. A server that omits `usage` gets the
    /// estimate, marked as such; one that omits `model` gets `fallbackModel`.
    public static func decodeResponse(_ body: JSONValue, fallbackModel: String, input: EmbeddingInput) throws(EmbeddingWireError) -> EmbeddingResponse {
        guard let items = body["data"]?.arrayValue else { throw EmbeddingWireError("answer has no 'data' array") }
        var data: [Embedding] = []
        data.reserveCapacity(items.count)
        for (position, item) in items.enumerated() {
            let index = item["index"]?.intValue ?? position
            switch item["embedding"] {
            case .string(let text)?:
                data.append(Embedding(index: index, vector: .base64(text)))
            case .array(let numbers)?:
                var values: [Double] = []
                values.reserveCapacity(numbers.count)
                for number in numbers {
                    guard let value = number.doubleValue else { throw EmbeddingWireError("data[\(position)].embedding holds \(number.typeName)") }
                    values.append(value)
                }
                data.append(Embedding(index: index, vector: .floats(values)))
            default:
                throw EmbeddingWireError("data[\(position)] has no 'embedding'")
            }
        }
        if data.indices.contains(where: { data[$0].index != $0 }) { data.sort { $0.index < $1.index } }
        guard data.count == input.count else { throw EmbeddingWireError("answer has \(data.count) vectors for \(input.count) inputs") }
        let usage: EmbeddingUsage
        if let prompt = UpstreamNumber.count(body["usage"]?["prompt_tokens"]) {
            usage = EmbeddingUsage(promptTokens: prompt, totalTokens: UpstreamNumber.count(body["usage"]?["total_tokens"]) ?? prompt)
        } else {
            let estimate = input.estimatedTokens
            usage = EmbeddingUsage(promptTokens: estimate, totalTokens: estimate, isEstimated: true)
        }
        return EmbeddingResponse(model: body["model"]?.stringValue ?? fallbackModel, data: data, usage: usage)
    }

    // MARK: Client response

    /// The answer in the encoding the client asked for, whatever the upstream sent: numbers are
    /// packed into base64 float32s, and base64 unpacked into numbers. A base64 vector that does
    /// not decode is the upstream's fault, reported by `provider`.
    public static func encodeResponse(_ response: EmbeddingResponse, encoding: EmbeddingEncoding, provider: String) throws(GatewayError) -> JSONValue {
        var data: [JSONValue] = []
        data.reserveCapacity(response.data.count)
        for embedding in response.data {
            let vector: JSONValue
            switch encoding {
            case .base64:
                vector = .string(embedding.vector.base64String)
            case .float:
                if case .floats(let values) = embedding.vector {
                    // JSON has no NaN or infinity; an upstream number past Double's range is one.
                    guard values.allSatisfy(\.isFinite) else {
                        throw .badUpstreamResponse(provider, "data[\(embedding.index)].embedding holds a number out of range")
                    }
                    vector = .array(values.map(JSONValue.double))
                } else {
                    // Unpacked float32s print in their own shortest form, not as widened doubles.
                    guard let values = embedding.vector.floatValues, values.allSatisfy(\.isFinite) else {
                        throw .badUpstreamResponse(provider, "data[\(embedding.index)].embedding is not base64 of finite float32 values")
                    }
                    vector = .array(values.map { .number(String(Float($0))) })
                }
            }
            data.append(["object": "embedding", "index": .int(embedding.index), "embedding": vector])
        }
        var out = JSONObject()
        out.appendUnique("object", "list")
        out.appendUnique("data", .array(data))
        out.appendUnique("model", .string(response.model))
        out.appendUnique("usage", ["prompt_tokens": .int(response.usage.promptTokens), "total_tokens": .int(response.usage.totalTokens)])
        return .object(out)
    }
}

/// What is wrong with an upstream's embeddings answer; the adapter names the provider.
public struct EmbeddingWireError: Error, Sendable {
    public var message: String
    init(_ message: String) { self.message = message }
}
