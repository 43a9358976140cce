import GatewyseCore

// MARK: - Responses

extension OpenAIChatWire {
    static let knownResponseFields: JSONFieldNames = ["id", "object", "created", "model", "choices", "usage", "system_fingerprint"]
    // Static: a set literal at the call site is built, and hashed into, on every call.
    static let knownDeltaFields: JSONFieldNames = ["role", "content", "reasoning_content", "refusal", "tool_calls"]
    static let knownUsageFields: JSONFieldNames = ["prompt_tokens", "completion_tokens", "total_tokens", "prompt_tokens_details", "completion_tokens_details"]

    /// Reads an upstream `chat.completion`. Lenient where providers differ harmlessly (a missing
    /// `created` or `index`), strict where the client would otherwise get nonsense.
    public static func decodeResponse(_ body: JSONValue) throws(GatewayError) -> ChatResponse {
        let reader = try JSONFieldReader(body: body)
        guard let choiceReaders = try reader.objectArray("choices") else { throw reader.missing("choices") }
        var choices: [ChatChoice] = []
        for (position, choice) in choiceReaders.enumerated() {
            guard let messageReader = try choice.objectReader("message") else { throw choice.missing("message") }
            var message = ChatMessage(role: .assistant, content: nil)
            if let text = try messageReader.string("content") { message.content = .text(text) }
            message.reasoningContent = try messageReader.string("reasoning_content")
            message.refusal = try messageReader.string("refusal")
            if let calls = try messageReader.objectArray("tool_calls"), !calls.isEmpty {
                message.toolCalls = try calls.map { c throws(GatewayError) in try decodeToolCall(c) }
            }
            message.extra = messageReader.remaining(excluding: knownMessageFields)
            choices.append(ChatChoice(
                index: try choice.int("index") ?? position,
                message: message,
                finishReason: try choice.string("finish_reason").map(FinishReason.init(rawValue:)),
                logprobs: choice.object["logprobs"].flatMap { $0.isNull ? nil : $0 }))
        }
        var response = ChatResponse(
            id: try reader.string("id") ?? "",
            created: try reader.int("created") ?? 0,
            model: try reader.string("model") ?? "",
            choices: choices,
            usage: try decodeUsage(reader.objectReader("usage")))
        response.systemFingerprint = try reader.string("system_fingerprint")
        response.extra = reader.remaining(excluding: knownResponseFields)
        return response
    }

    public static func encodeResponse(_ response: ChatResponse) -> JSONValue {
        var out = JSONObject()
        out.appendUnique("id", .string(response.id))
        out.appendUnique("object", "chat.completion")
        out.appendUnique("created", .int(response.created))
        out.appendUnique("model", .string(response.model))
        out.appendUnique("choices", .array(response.choices.map { choice in
            var c = JSONObject()
            c.appendUnique("index", .int(choice.index))
            var message = encodeMessage(choice.message)
            if message["refusal"] == nil { message["refusal"] = .null }
            c.appendUnique("message", .object(message))
            c.appendUnique("logprobs", choice.logprobs ?? .null)
            c.appendUnique("finish_reason", choice.finishReason.map { .string($0.rawValue) } ?? .null)
            return .object(c)
        }))
        if let usage = response.usage { out.appendUnique("usage", encodeUsage(usage)) }
        if let fingerprint = response.systemFingerprint { out.appendUnique("system_fingerprint", .string(fingerprint)) }
        out.merge(response.extra)
        return .object(out)
    }
}

// MARK: - Stream chunks

extension OpenAIChatWire {
    public static func decodeChunk(_ body: JSONValue) throws(GatewayError) -> ChatChunk {
        let reader = try JSONFieldReader(body: body)
        var choices: [ChunkChoice] = []
        for (position, choice) in (try reader.objectArray("choices") ?? []).enumerated() {
            var delta = ChatDelta()
            if let d = try choice.objectReader("delta") {
                delta.role = try d.string("role").flatMap(ChatRole.init(rawValue:))
                delta.content = try d.string("content")
                delta.reasoningContent = try d.string("reasoning_content")
                delta.refusal = try d.string("refusal")
                if let calls = try d.objectArray("tool_calls") {
                    delta.toolCalls = try calls.enumerated().map { (i, c) throws(GatewayError) in
                        let function = try c.objectReader("function")
                        return ToolCallDelta(index: try c.int("index") ?? i, id: try c.string("id"),
                                             name: try function?.string("name"), arguments: try function?.string("arguments"))
                    }
                }
                delta.extra = d.remaining(excluding: knownDeltaFields)
            }
            choices.append(ChunkChoice(
                index: try choice.int("index") ?? position, delta: delta,
                finishReason: try choice.string("finish_reason").map(FinishReason.init(rawValue:)),
                logprobs: choice.object["logprobs"].flatMap { $0.isNull ? nil : $0 }))
        }
        var chunk = ChatChunk(id: try reader.string("id") ?? "", created: try reader.int("created") ?? 0,
                              model: try reader.string("model") ?? "", choices: choices,
                              usage: try decodeUsage(reader.objectReader("usage")))
        chunk.systemFingerprint = try reader.string("system_fingerprint")
        chunk.extra = reader.remaining(excluding: knownResponseFields)
        return chunk
    }

    public static func encodeChunk(_ chunk: ChatChunk) -> JSONValue {
        var out = JSONObject()
        out.appendUnique("id", .string(chunk.id))
        out.appendUnique("object", "chat.completion.chunk")
        out.appendUnique("created", .int(chunk.created))
        out.appendUnique("model", .string(chunk.model))
        if let fingerprint = chunk.systemFingerprint { out.appendUnique("system_fingerprint", .string(fingerprint)) }
        out.appendUnique("choices", .array(chunk.choices.map { choice in
            var delta = JSONObject()
            if let role = choice.delta.role { delta.appendUnique("role", .string(role.rawValue)) }
            if let content = choice.delta.content { delta.appendUnique("content", .string(content)) }
            if let reasoning = choice.delta.reasoningContent { delta.appendUnique("reasoning_content", .string(reasoning)) }
            if let refusal = choice.delta.refusal { delta.appendUnique("refusal", .string(refusal)) }
            if let calls = choice.delta.toolCalls {
                delta.appendUnique("tool_calls", .array(calls.map { call in
                    var c = JSONObject()
                    c.appendUnique("index", .int(call.index))
                    if let id = call.id { c.appendUnique("id", .string(id)); c.appendUnique("type", "function") }
                    var function = JSONObject()
                    if let name = call.name { function.appendUnique("name", .string(name)) }
                    if let arguments = call.arguments { function.appendUnique("arguments", .string(arguments)) }
                    c.appendUnique("function", .object(function))
                    return .object(c)
                }))
            }
            delta.merge(choice.delta.extra)
            var c = JSONObject()
            c.appendUnique("index", .int(choice.index))
            c.appendUnique("delta", .object(delta))
            c.appendUnique("logprobs", choice.logprobs ?? .null)
            c.appendUnique("finish_reason", choice.finishReason.map { .string($0.rawValue) } ?? .null)
            return .object(c)
        }))
        if let usage = chunk.usage { out.appendUnique("usage", encodeUsage(usage)) }
        out.merge(chunk.extra)
        return .object(out)
    }
}

// MARK: - Usage

extension OpenAIChatWire {
    public static func decodeUsage(_ reader: JSONFieldReader?) throws(GatewayError) -> Usage? {
        guard let reader else { return nil }
        let prompt = try reader.count("prompt_tokens") ?? 0
        let completion = try reader.count("completion_tokens") ?? 0
        var usage = Usage(promptTokens: prompt, completionTokens: completion, totalTokens: try reader.count("total_tokens"))
        if let details = try reader.objectReader("prompt_tokens_details") {
            usage.promptTokensDetails = details.object
            usage.cachedPromptTokens = try details.count("cached_tokens")
        }
        if let details = try reader.objectReader("completion_tokens_details") {
            usage.completionTokensDetails = details.object
            usage.reasoningTokens = try details.count("reasoning_tokens")
        }
        // DeepSeek reports cache hits under its own name (providers.md §8).
        if usage.cachedPromptTokens == nil, let hits = try reader.count("prompt_cache_hit_tokens") { usage.cachedPromptTokens = hits }
        usage.extra = reader.remaining(excluding: knownUsageFields)
        return usage
    }

    public static func encodeUsage(_ usage: Usage) -> JSONValue {
        var out = JSONObject()
        out.appendUnique("prompt_tokens", .int(usage.promptTokens))
        out.appendUnique("completion_tokens", .int(usage.completionTokens))
        out.appendUnique("total_tokens", .int(usage.totalTokens))
        if var details = usage.promptTokensDetails {
            if let cached = usage.cachedPromptTokens { details["cached_tokens"] = .int(cached) }
            out.appendUnique("prompt_tokens_details", .object(details))
        } else if let cached = usage.cachedPromptTokens {
            out.appendUnique("prompt_tokens_details", ["cached_tokens": .int(cached)])
        }
        if var details = usage.completionTokensDetails {
            if let reasoning = usage.reasoningTokens { details["reasoning_tokens"] = .int(reasoning) }
            out.appendUnique("completion_tokens_details", .object(details))
        } else if let reasoning = usage.reasoningTokens {
            out.appendUnique("completion_tokens_details", ["reasoning_tokens": .int(reasoning)])
        }
        out.merge(usage.extra)
        return .object(out)
    }
}
