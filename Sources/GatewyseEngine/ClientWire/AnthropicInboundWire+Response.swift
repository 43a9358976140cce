import GatewyseCore

extension AnthropicInboundWire {
    /// OpenAI finish reasons in Anthropic's vocabulary.
    static func stopReason(_ reason: FinishReason?) -> JSONValue {
        switch reason {
        case .stop?: "end_turn"
        case .length?: "max_tokens"
        case .toolCalls?: "tool_use"
        case .contentFilter?: "refusal"
        case nil: .null
        case let other?: .string(other.rawValue)
        }
    }

    /// Anthropic counts input tokens without the cache reads and writes, which it reports apart
    /// (providers.md §2: total input = input + cache creation + cache read); the unified
    /// `promptTokens` includes both, so both come out of `input_tokens` here.
    static func usage(_ usage: Usage?) -> JSONValue {
        guard let usage else { return ["input_tokens": 0, "output_tokens": 0] }
        var out = JSONObject()
        let cached = max(usage.cachedPromptTokens ?? 0, 0), written = max(usage.cacheWriteTokens ?? 0, 0)
        out.appendUnique("input_tokens", .int(max(0, usage.promptTokens - cached - written)))
        out.appendUnique("output_tokens", .int(usage.completionTokens))
        if written > 0 { out.appendUnique("cache_creation_input_tokens", .int(written)) }
        if cached > 0 { out.appendUnique("cache_read_input_tokens", .int(cached)) }
        return .object(out)
    }

    static func messageID(_ upstreamID: String) -> String {
        upstreamID.hasPrefix("msg_") ? upstreamID : "msg_" + IDGenerator.hex(bytes: 12)
    }

    static func encodeResponse(_ response: ChatResponse) -> JSONValue {
        let choice = response.choices.first
        var content: [JSONValue] = []
        if let signed = choice?.message.extra["thinking_blocks"]?.arrayValue, !signed.isEmpty {
            // Signed blocks (from an Anthropic upstream) go back as they came, so the client can
            // continue a tool loop with them.
            content += signed
        } else if let thinking = choice?.message.reasoningContent, !thinking.isEmpty {
            content.append(["type": "thinking", "thinking": .string(thinking), "signature": ""])
        }
        if let text = choice?.message.content?.plainText, !text.isEmpty {
            content.append(["type": "text", "text": .string(text)])
        }
        for call in choice?.message.toolCalls ?? [] {
            // Arguments the model produced as invalid JSON are passed as a string rather than lost.
            let input = (try? JSONParser.parse(call.arguments)) ?? .string(call.arguments)
            content.append(["type": "tool_use", "id": .string(call.id), "name": .string(call.name), "input": input])
        }
        var out = JSONObject()
        out.appendUnique("id", .string(messageID(response.id)))
        out.appendUnique("type", "message")
        out.appendUnique("role", "assistant")
        out.appendUnique("model", .string(response.model))
        out.appendUnique("content", .array(content))
        out.appendUnique("stop_reason", stopReason(choice?.finishReason))
        out.appendUnique("stop_sequence", .null)
        out.appendUnique("usage", usage(response.usage))
        return .object(out)
    }
}
