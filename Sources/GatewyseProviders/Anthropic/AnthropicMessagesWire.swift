import GatewyseCore

/// The Anthropic Messages wire format as the gateway speaks it to Anthropic (providers.md §2 and
/// §4.1): building `POST /v1/messages` bodies from the unified model and reading the answers back.
/// Pure functions only; the inbound `/v1/messages` surface lives in `GatewyseServer`.
public enum AnthropicMessagesWire {
    /// The API version the adapter is written against (providers.md §2: required header).
    public static let apiVersion = "2023-06-01"

    /// `max_tokens` is mandatory on Anthropic; when the client sent no cap the gateway asks for
    /// this many (providers.md §4.1: "a per-model default, e.g. 4096"). 4096 is within every
    /// current Claude model's output limit.
    public static let defaultMaxTokens = 4096

    /// The name of the tool the gateway adds to emulate `response_format` (Anthropic has no JSON
    /// mode; providers.md §4.1: "emulate with a forced single tool"). The answer's `tool_use` with
    /// this name is turned back into message content. Prefixed so it cannot meet a client tool.
    public static let structuredOutputToolName = "gatewyse_json_response"

    /// Text sent as the first user turn when a conversation starts with the assistant (or has no
    /// turn besides system prompts): Anthropic requires the first message to be a user message.
    public static let conversationStartPlaceholder = "(conversation start)"

    /// Anthropic's `stop_reason` in OpenAI's vocabulary (providers.md §4.1, "stop_reason →
    /// finish_reason"). Unknown values are passed on unchanged.
    public static func finishReason(_ stopReason: String?) -> FinishReason? {
        guard let stopReason else { return nil }
        switch stopReason {
        case "end_turn", "stop_sequence", "pause_turn": return .stop
        case "max_tokens", "model_context_window_exceeded": return .length
        case "tool_use": return .toolCalls
        case "refusal": return .contentFilter
        default: return FinishReason(rawValue: stopReason)
        }
    }

    /// Anthropic's usage in OpenAI semantics (providers.md §4.1 "Usage"): `input_tokens` excludes
    /// cached tokens, OpenAI's `prompt_tokens` includes them, so prompt = input + cache read +
    /// cache write; `cachedPromptTokens` is the cache read and `cacheWriteTokens` the cache write
    /// (priced apart: reads ≈ 0.1×, 5-minute writes 1.25× the input price). The raw cache counts
    /// are also kept in `extra` (`cache_read_input_tokens`, `cache_creation_input_tokens`), which
    /// OpenAI-format clients have always been shown.
    public static func usage(inputTokens: Int, outputTokens: Int, cacheReadTokens: Int?, cacheCreationTokens: Int?) -> Usage {
        // Each count is at most `UpstreamNumber.maximumCount` (2^50), so the sum cannot overflow.
        let prompt = inputTokens + (cacheReadTokens ?? 0) + (cacheCreationTokens ?? 0)
        var usage = Usage(promptTokens: prompt, completionTokens: outputTokens)
        usage.cachedPromptTokens = cacheReadTokens
        usage.cacheWriteTokens = cacheCreationTokens
        if let cacheReadTokens { usage.extra["cache_read_input_tokens"] = .int(cacheReadTokens) }
        if let cacheCreationTokens { usage.extra["cache_creation_input_tokens"] = .int(cacheCreationTokens) }
        return usage
    }

    /// Text that is empty or only whitespace. Anthropic refuses such text blocks ("text content
    /// blocks must contain non-whitespace text"), and so does Bedrock's Converse ("The text field
    /// in the ContentBlock object … is blank"): an assistant turn of "\n\n", common in stored
    /// histories, would otherwise fail the whole request. Such text is left out.
    static func isBlank(_ text: String) -> Bool { text.allSatisfy(\.isWhitespace) }

    /// Anthropic tool-use ids must match `^[a-zA-Z0-9_-]+$`; ids minted by other providers may not.
    /// Other characters become `_`, the same way in `tool_use` and `tool_result`, so pairs still match.
    static func toolUseID(_ id: String) -> String {
        let valid = id.utf8.allSatisfy(isToolIDByte)
        if valid, !id.isEmpty { return id }
        if id.isEmpty { return "toolu_empty" }
        return String(decoding: id.utf8.map { isToolIDByte($0) ? $0 : UInt8(ascii: "_") }, as: UTF8.self)
    }

    private static func isToolIDByte(_ b: UInt8) -> Bool {
        (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || b == 0x5F || b == 0x2D
    }
}
