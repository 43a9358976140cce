import GatewyseCore

extension OpenAICompatibleAdapter {
    /// Removes what the unified request carries for native upstreams only — Anthropic's signed
    /// thinking, prompt-caching markers and tool-result errors (`AnthropicMessagesWire.ExtraKey`),
    /// Gemini's thought signatures — since no OpenAI-format API defines them on a message or a
    /// tool, and OpenAI refuses unknown message fields: a conversation that moves from Claude or
    /// Gemini to an OpenAI-format provider must not fail on them. Touches nothing (no copy) when
    /// a request has none, the common case.
    static func removeAnthropicFields(from request: inout ChatRequest) {
        for i in request.messages.indices where carriesAnthropicFields(request.messages[i]) {
            request.messages[i].extra["thinking_blocks"] = nil
            request.messages[i].extra[GeminiWire.thoughtSignaturesKey] = nil
            if request.messages[i].extra[AnthropicMessagesWire.ExtraKey.partCacheControl] != nil,
               case .parts(let parts)? = request.messages[i].content {
                // Parts kept whole (`file`) would carry their marker on.
                request.messages[i].content = .parts(parts.map { part in
                    guard case .other(var object) = part else { return part }
                    object["cache_control"] = nil
                    return .other(object)
                })
            }
            for key in AnthropicMessagesWire.ExtraKey.messageKeys { request.messages[i].extra[key] = nil }
        }
        if request.extra[AnthropicMessagesWire.ExtraKey.toolCacheControl] != nil {
            request.extra[AnthropicMessagesWire.ExtraKey.toolCacheControl] = nil
        }
    }

    static func carriesAnthropicFields(_ message: ChatMessage) -> Bool {
        message.extra["thinking_blocks"] != nil || message.extra[GeminiWire.thoughtSignaturesKey] != nil || AnthropicMessagesWire.ExtraKey.messageKeys.contains { message.extra[$0] != nil }
    }
}
