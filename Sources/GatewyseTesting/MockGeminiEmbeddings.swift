import GatewyseCore

/// The Gemini mock's `:embedContent` and `:batchEmbedContents` (providers.md §3 "Embeddings"):
/// bodies checked as the API checks them, with Google's message forms (`Unknown name "…": Cannot
/// find field.` for unknown fields, `* <Request>.<path>: <reason>` for semantic problems; the
/// 100-request batch limit uses the API's observed wording), and deterministic vectors derived
/// from each text (`MockEmbeddingVectors`), as `{embedding:{values}}` or `{embeddings:[{values}]}`.
/// Gemini returns no usage for embeddings, and neither does the mock.
enum MockGeminiEmbeddings {
    typealias Rejection = MockGeminiValidator.Rejection

    /// Both spellings are accepted by the API (proto JSON mapping).
    static let requestFields: Set<String> = [
        "model", "content", "taskType", "task_type", "title", "outputDimensionality", "output_dimensionality",
    ]
    static let taskTypes: Set<String> = [
        "TASK_TYPE_UNSPECIFIED", "RETRIEVAL_QUERY", "RETRIEVAL_DOCUMENT", "SEMANTIC_SIMILARITY", "CLASSIFICATION",
        "CLUSTERING", "QUESTION_ANSWERING", "FACT_VERIFICATION", "CODE_RETRIEVAL_QUERY",
    ]
    static let maximumBatch = 100

    /// The answer to `method` (`embedContent` or `batchEmbedContents`) on `model`, or the
    /// rejection a real API would send.
    static func answer(model: String, method: String, body: JSONValue?) throws(Rejection) -> JSONValue {
        guard let object = body?.objectValue else { throw Rejection(message: "Invalid JSON payload received. Expected an object.") }
        if method == "embedContent" {
            return ["embedding": try embed(object, model: model, path: "EmbedContentRequest", batchIndex: nil)]
        }
        for key in object.keys where key != "requests" {
            throw Rejection(message: "Invalid JSON payload received. Unknown name \"\(key)\": Cannot find field.")
        }
        guard let requests = object["requests"]?.arrayValue, !requests.isEmpty else {
            throw Rejection(message: "* BatchEmbedContentsRequest.requests: requests is not specified\n")
        }
        guard requests.count <= maximumBatch else {
            throw Rejection(message: "* BatchEmbedContentsRequest.requests: at most \(maximumBatch) requests can be in one batch\n")
        }
        var embeddings: [JSONValue] = []
        for (i, request) in requests.enumerated() {
            guard let item = request.objectValue else {
                throw Rejection(message: "Invalid JSON payload received. Unknown name \"requests\": Proto field is not repeating, cannot start list.")
            }
            embeddings.append(try embed(item, model: model, path: "BatchEmbedContentsRequest.requests[\(i)]", batchIndex: i))
        }
        return ["embeddings": .array(embeddings)]
    }

    /// One `EmbedContentRequest` → `{values}`. In a batch each request must name the URL's model
    /// as `models/<model>`.
    static func embed(_ request: JSONObject, model: String, path: String, batchIndex: Int?) throws(Rejection) -> JSONValue {
        for key in request.keys where !requestFields.contains(key) {
            let location = batchIndex.map { " at 'requests[\($0)]'" } ?? ""
            throw Rejection(message: "Invalid JSON payload received. Unknown name \"\(key)\"\(location): Cannot find field.")
        }
        if batchIndex != nil {
            let named = request["model"]?.stringValue ?? ""
            guard !named.isEmpty else { throw Rejection(message: "* \(path).model: model is required\n") }
            guard named == "models/\(model)" else {
                throw Rejection(message: "* \(path).model: the model of each request (\(named)) must match the model of the batch (models/\(model))\n")
            }
        }
        guard let content = request["content"]?.objectValue else { throw Rejection(message: "* \(path).content: content is not specified\n") }
        guard let parts = content["parts"]?.arrayValue, !parts.isEmpty else {
            throw Rejection(message: "* \(path).content.parts: contents.parts must not be empty.\n")
        }
        var text = ""
        for (j, part) in parts.enumerated() {
            guard let piece = part["text"]?.stringValue, part.objectValue?.count == 1 else {
                throw Rejection(message: "* \(path).content.parts[\(j)].data: embedding models accept text parts only\n")
            }
            text += piece
        }
        if let task = request["taskType"] ?? request["task_type"], !taskTypes.contains(task.stringValue ?? "") {
            throw Rejection(message: "Invalid value at 'task_type' (type.googleapis.com/google.ai.generativelanguage.v1beta.TaskType), \(JSONWriter.string(task))")
        }
        let native = model == "gemini-embedding-001" ? 3072 : 768
        var dimensions = native
        if let value = request["outputDimensionality"] ?? request["output_dimensionality"] {
            guard let requested = value.intValue else {
                throw Rejection(message: "Invalid value at 'output_dimensionality' (TYPE_INT32), \(JSONWriter.string(value))")
            }
            guard requested >= 1, requested <= native else {
                throw Rejection(message: "* \(path).output_dimensionality: must be between 1 and \(native)\n")
            }
            dimensions = requested
        }
        let values = MockEmbeddingVectors.vector(seed: MockEmbeddingVectors.seed(.text(text)), dimensions: dimensions)
        return ["values": .array(values.map { .number(String($0)) })]
    }
}
