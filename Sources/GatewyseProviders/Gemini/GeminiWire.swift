import GatewyseCore

/// The Gemini `generateContent` wire format as the gateway speaks it to Google (providers.md §3
/// and §4.2): building request bodies from the unified model and reading answers back. Pure
/// functions only.
public enum GeminiWire {
    /// Where a response message keeps the `thoughtSignature` of each function call, keyed by the
    /// tool-call id the gateway gave it: `{"call_0": "<signature>"}`. A client that sends the
    /// assistant message back unchanged (with `extra`) gets each signature re-attached to its
    /// `functionCall` part, which Gemini 3 and thinking 2.5 models require (providers.md §4.2
    /// "Assistant tool calls": otherwise 400 "Function call is missing a thought_signature").
    public static let thoughtSignaturesKey = "gemini_thought_signatures"

    /// The id the gateway gives the `n`-th function call of a candidate when Gemini sent none
    /// (the Developer API usually does not). Deterministic, so recorded streams and answers agree;
    /// ids repeat across turns, which is why the name lookup for tool results takes the latest
    /// earlier call with that id.
    public static func synthesizedToolCallID(_ n: Int) -> String { "call_\(n)" }

    /// `finishReason` in OpenAI's vocabulary (providers.md §4.2 "finishReason → finish_reason").
    /// Gemini has no tool-call reason: a candidate holding function calls ends with `STOP`, which
    /// becomes `tool_calls`. Unknown values are passed on lower-cased.
    public static func finishReason(_ reason: String?, hasFunctionCalls: Bool) -> FinishReason? {
        guard let reason else { return nil }
        switch reason {
        case "STOP": return hasFunctionCalls ? .toolCalls : .stop
        case "MAX_TOKENS": return .length
        case "SAFETY", "RECITATION", "BLOCKLIST", "PROHIBITED_CONTENT", "SPII", "IMAGE_SAFETY", "LANGUAGE": return .contentFilter
        case "OTHER", "MALFORMED_FUNCTION_CALL", "FINISH_REASON_UNSPECIFIED": return hasFunctionCalls ? .toolCalls : .stop
        default: return FinishReason(rawValue: reason.lowercased())
        }
    }

    /// `usageMetadata` in OpenAI semantics (providers.md §3, §4.2 "Usage"): thoughts are NOT in
    /// `candidatesTokenCount`, so completion = candidates + thoughts (reasoning tokens = thoughts);
    /// prompt = promptTokenCount (which already includes cached content) + toolUsePromptTokenCount;
    /// total = totalTokenCount as Gemini reports it.
    public static func usage(_ metadata: JSONValue?) -> Usage? {
        guard let metadata, metadata.objectValue != nil else { return nil }
        let prompt = (UpstreamNumber.count(metadata["promptTokenCount"]) ?? 0) + (UpstreamNumber.count(metadata["toolUsePromptTokenCount"]) ?? 0)
        let thoughts = UpstreamNumber.count(metadata["thoughtsTokenCount"])
        let completion = (UpstreamNumber.count(metadata["candidatesTokenCount"]) ?? 0) + (thoughts ?? 0)
        var usage = Usage(promptTokens: prompt, completionTokens: completion,
                          totalTokens: UpstreamNumber.count(metadata["totalTokenCount"]) ?? prompt + completion)
        usage.cachedPromptTokens = UpstreamNumber.count(metadata["cachedContentTokenCount"])
        usage.reasoningTokens = thoughts
        return usage
    }
}
