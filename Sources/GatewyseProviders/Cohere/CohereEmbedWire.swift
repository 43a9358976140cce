import GatewyseCore

/// Cohere's v2 embed format (providers.md §7 "Embed") as the gateway speaks it to
/// `POST /v2/embed`: `{model, texts, input_type, embedding_types, output_dimension?}` →
/// `{id, response_type:"embeddings_by_type", embeddings:{float:[[…]]}, texts,
/// meta:{billed_units:{input_tokens}}}`. Pure functions only.
public enum CohereEmbedWire {
    public static let path = "/v2/embed"
    /// Cohere refuses more texts per call; one attempt is one upstream call, so larger inputs go
    /// to another provider rather than being split here.
    public static let maximumTexts = 96
    /// What the embeddings are for. Required by v3 and later models; OpenAI has no such field,
    /// so a client may send Cohere's own `input_type`, else documents for search are assumed
    /// (the usual purpose of embedding through an OpenAI-shaped API: building an index).
    public static let inputTypes = ["search_document", "search_query", "classification", "clustering", "image"]
    public static let defaultInputType = "search_document"

    /// The body for `texts`. Only `float` vectors are asked for: OpenAI's base64 is packed from
    /// them by the shared response encoder, whatever the upstream, so one code path serves both
    /// encodings. `dimensions` → `output_dimension` (embed-v4.0: 256, 512, 1024 or 1536).
    public static func encodeRequest(texts: [String], model: String, inputType: String, dimensions: Int?) -> JSONObject {
        var body = JSONObject()
        body.appendUnique("model", .string(model))
        body.appendUnique("texts", .array(texts.map(JSONValue.string)))
        body.appendUnique("input_type", .string(inputType))
        body.appendUnique("embedding_types", ["float"])
        if let dimensions { body.appendUnique("output_dimension", .int(dimensions)) }
        return body
    }

    /// The client's `input_type`, checked so a typo is the client's 400 naming the field rather
    /// than Cohere's; nil when absent.
    public static func inputType(_ value: JSONValue?) throws(GatewayError) -> String? {
        guard let value, !value.isNull else { return nil }
        guard let name = value.stringValue, inputTypes.contains(name) else {
            throw .invalidRequest("Field 'input_type' must be one of \(inputTypes.joined(separator: ", ")) (Cohere's input types), got \(JSONWriter.string(value)).",
                                  param: "input_type", code: "INVALID_FIELD")
        }
        return name
    }

    /// The `float` vectors in input order, and the billed input tokens when reported.
    public static func decodeResponse(_ body: JSONValue, providerID: String) throws(GatewayError) -> (vectors: [[Double]], inputTokens: Int?) {
        guard let items = body["embeddings"]?["float"]?.arrayValue else {
            throw .badUpstreamResponse(providerID, "embed answer has no 'embeddings.float' array")
        }
        var vectors: [[Double]] = []
        vectors.reserveCapacity(items.count)
        for (i, item) in items.enumerated() {
            guard let numbers = item.arrayValue else { throw .badUpstreamResponse(providerID, "embeddings.float[\(i)] is not an array") }
            var vector: [Double] = []
            vector.reserveCapacity(numbers.count)
            for number in numbers {
                guard let value = number.doubleValue else { throw .badUpstreamResponse(providerID, "embeddings.float[\(i)] holds \(number.typeName)") }
                vector.append(value)
            }
            vectors.append(vector)
        }
        return (vectors, UpstreamNumber.count(body["meta"]?["billed_units"]?["input_tokens"]))
    }
}
