import GatewyseCore
import GatewyseProviders

/// `POST /v1/completions` (product-spec §2.6): runs on chat models. Accepts the chat schema
/// (`messages`) as the spec documents, and OpenAI's legacy `prompt` (a string, or a one-element
/// array) as SDKs send it; answers in the `text_completion` shape.
enum LegacyCompletionsWire {
    /// Legacy fields that have no chat equivalent: refused rather than silently ignored.
    static let unsupportedFields = ["echo", "best_of", "suffix"]

    static func decodeRequest(_ body: JSONValue) throws(GatewayError) -> ChatRequest {
        guard case .object(var object) = body else {
            throw GatewayError.invalidRequest("Request body must be a JSON object, got \(body.typeName).")
        }
        for field in unsupportedFields where object[field] != nil && object[field] != .null && object[field] != .bool(false) {
            throw GatewayError.invalidRequest("Field '\(field)' is not supported: completions run on chat models.", param: field, code: "UNSUPPORTED_PARAMETER")
        }
        for field in unsupportedFields { object[field] = nil }
        if object["messages"] == nil {
            guard let prompt = object["prompt"], !prompt.isNull else {
                throw GatewayError.invalidRequest("Missing required field 'prompt' (or 'messages').", param: "prompt", code: "MISSING_FIELD")
            }
            let text: String
            switch prompt {
            case .string(let s): text = s
            case .array(let items) where items.count == 1 && items[0].stringValue != nil: text = items[0].stringValue!
            default:
                throw GatewayError.invalidRequest("Field 'prompt' must be a string (or an array of one string).", param: "prompt", code: "INVALID_FIELD")
            }
            object["prompt"] = nil
            object["messages"] = [["role": "user", "content": .string(text)]]
        }
        return try OpenAIChatWire.decodeRequest(.object(object))
    }

    static func encodeResponse(_ response: ChatResponse) -> JSONValue {
        var out = JSONObject()
        out.appendUnique("id", .string(completionID(response.id)))
        out.appendUnique("object", "text_completion")
        out.appendUnique("created", .int(response.created))
        out.appendUnique("model", .string(response.model))
        out.appendUnique("choices", .array(response.choices.map { choice in
            ["text": .string(choice.message.content?.plainText ?? ""), "index": .int(choice.index), "logprobs": .null,
             "finish_reason": choice.finishReason.map { .string($0.rawValue) } ?? .null]
        }))
        if let usage = response.usage { out.appendUnique("usage", OpenAIChatWire.encodeUsage(usage)) }
        return .object(out)
    }

    /// A legacy chunk, or nil for chunks that carry nothing a completions client reads (the
    /// role-only opener).
    static func encodeChunk(_ chunk: ChatChunk) -> JSONValue? {
        let choices: [JSONValue] = chunk.choices.compactMap { choice in
            guard choice.delta.content != nil || choice.finishReason != nil else { return nil }
            return ["text": .string(choice.delta.content ?? ""), "index": .int(choice.index), "logprobs": .null,
                    "finish_reason": choice.finishReason.map { .string($0.rawValue) } ?? .null]
        }
        guard !choices.isEmpty || chunk.usage != nil else { return nil }
        var out = JSONObject()
        out.appendUnique("id", .string(completionID(chunk.id)))
        out.appendUnique("object", "text_completion")
        out.appendUnique("created", .int(chunk.created))
        out.appendUnique("model", .string(chunk.model))
        out.appendUnique("choices", .array(choices))
        if let usage = chunk.usage { out.appendUnique("usage", OpenAIChatWire.encodeUsage(usage)) }
        return .object(out)
    }

    static func completionID(_ chatID: String) -> String {
        if chatID.hasPrefix("chatcmpl-") { return "cmpl-" + chatID.dropFirst("chatcmpl-".count) }
        return chatID.isEmpty ? "cmpl-" + IDGenerator.hex(bytes: 12) : chatID
    }
}
