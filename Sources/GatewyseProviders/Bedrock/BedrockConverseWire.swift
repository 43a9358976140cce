import GatewyseCore

/// Amazon Bedrock's Converse API as the gateway speaks it (one request shape for every model on
/// Bedrock): building `POST /model/{modelId}/converse` bodies from the unified model and reading
/// answers and ConverseStream events back. Pure functions only.
///
/// Shapes, in brief: `messages[{role: user|assistant, content: [block]}]` where a block is one of
/// `{text}`, `{image:{format, source:{bytes}}}`, `{document:{format, name, source:{bytes}}}`,
/// `{toolUse:{toolUseId, name, input}}`, `{toolResult:{toolUseId, content:[{text}|{json}], status}}`,
/// `{reasoningContent:{reasoningText:{text, signature}}}`; `system: [{text}]`;
/// `inferenceConfig: {maxTokens, temperature, topP, stopSequences}`;
/// `toolConfig: {tools:[{toolSpec:{name, description, inputSchema:{json}}}], toolChoice}`;
/// `additionalModelRequestFields` for model-specific fields (`top_k`).
public enum BedrockConverseWire {
    /// The tool that stands in for OpenAI's JSON modes (Converse has no JSON mode). The same name
    /// as the Anthropic adapter's, so a conversation moving between them looks the same.
    public static let structuredOutputToolName = AnthropicMessagesWire.structuredOutputToolName

    /// Image formats Converse reads, by media type.
    static let imageFormats: [String: String] = ["image/png": "png", "image/jpeg": "jpeg", "image/jpg": "jpeg", "image/gif": "gif", "image/webp": "webp"]

    /// Document formats Converse reads, by media type.
    static let documentFormats: [String: String] = [
        "application/pdf": "pdf", "text/csv": "csv", "application/msword": "doc", "text/html": "html", "text/plain": "txt", "text/markdown": "md",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
        "application/vnd.ms-excel": "xls", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
    ]

    /// `stopReason` in OpenAI's vocabulary. Guardrail and content-filter stops are
    /// `content_filter`; unknown values pass unchanged.
    public static func finishReason(_ stopReason: String?) -> FinishReason? {
        guard let stopReason else { return nil }
        switch stopReason {
        case "end_turn", "stop_sequence": return .stop
        case "max_tokens", "model_context_window_exceeded": return .length
        case "tool_use": return .toolCalls
        case "guardrail_intervened", "content_filtered": return .contentFilter
        default: return FinishReason(rawValue: stopReason)
        }
    }

    /// Converse usage in OpenAI semantics: `inputTokens` excludes prompt-cache reads and writes,
    /// OpenAI's `prompt_tokens` includes them (as with Anthropic), so prompt = input + cache
    /// read + cache write; the raw cache counts stay in `extra` because cache writes are priced
    /// differently.
    static func usage(_ object: JSONValue?) -> Usage? {
        guard let object, object.objectValue != nil else { return nil }
        let input = UpstreamNumber.count(object["inputTokens"]) ?? 0
        let output = UpstreamNumber.count(object["outputTokens"]) ?? 0
        let cacheRead = UpstreamNumber.count(object["cacheReadInputTokens"])
        let cacheWrite = UpstreamNumber.count(object["cacheWriteInputTokens"])
        var usage = Usage(promptTokens: input + (cacheRead ?? 0) + (cacheWrite ?? 0), completionTokens: output)
        usage.cachedPromptTokens = cacheRead
        usage.cacheWriteTokens = cacheWrite
        if let cacheRead { usage.extra["cache_read_input_tokens"] = .int(cacheRead) }
        if let cacheWrite { usage.extra["cache_creation_input_tokens"] = .int(cacheWrite) }
        return usage
    }

    /// Converse tool-use ids must match `[a-zA-Z0-9_-]+` (64 characters at most); ids minted
    /// by other providers may not. The mapping is the same for `toolUse` and `toolResult`, so
    /// pairs still match.
    static func toolUseID(_ id: String) -> String {
        let cleaned = AnthropicMessagesWire.toolUseID(id)
        return cleaned.utf8.count <= 64 ? cleaned : String(cleaned.prefix(64))
    }
}
