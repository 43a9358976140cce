import GatewyseCore

extension OpenAICompatibleAdapter {
    /// Removes what the unified request carries for native upstreams only — Anthropic's signed
    /// thinking, prompt-caching markers and tool-result errors (`AnthropicMessagesWire.ExtraKey`),
    /// Gemini's thought signatures — since no OpenAI-format API defines them on a message or a
    /// tool, and OpenAI refuses unknown message fields: a conversation that moves from Claude or
    /// Gemini to an OpenAI-format provider must not fail on them. Touches nothing (no copy) when
    /// a request has none, the common case.
    static func removeAnthropicFields(from request: inout ChatRequest) {
        for i in request.messages.indices where carriesAnthropicFields(request.messages[i].extra) {
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

    /// Whether any message carries such fields. Read field by field: a message handed over
    /// whole (`contains(where:)`) was copied, a retain and a release per field, per message.
    static func anyCarriesAnthropicFields(_ messages: [ChatMessage]) -> Bool {
        messages.indices.contains { carriesAnthropicFields(messages[$0].extra) }
    }

    /// `extra`: a message's fields beyond the modelled ones (empty for almost every message).
    static func carriesAnthropicFields(_ extra: JSONObject) -> Bool {
        guard !extra.isEmpty else { return false }
        return extra["thinking_blocks"] != nil || extra[GeminiWire.thoughtSignaturesKey] != nil
            || AnthropicMessagesWire.ExtraKey.messageKeys.contains { extra[$0] != nil }
    }
}
