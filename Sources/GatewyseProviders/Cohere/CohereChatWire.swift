import GatewyseCore

/// The Cohere v2 chat wire format (providers.md §7 and §4.3) as the gateway speaks it to
/// `POST /v2/chat`: building request bodies from the unified model and reading answers back.
/// Pure functions only. Cohere's embed and rerank endpoints have their own `CohereEmbedWire` /
/// `CohereRerankWire` next to this one and share `CohereAdapter`.
public enum CohereChatWire {
    /// The chat path appended to the base URL (which carries no version segment).
    public static let path = "/v2/chat"

    /// `finish_reason` in OpenAI's vocabulary (providers.md §4.3 "finish_reason"). `ERROR` and
    /// `TIMEOUT` are not reasons but failures: nil here, and the callers throw
    /// (`generationFailure`). Unknown values are passed on lower-cased.
    public static func finishReason(_ reason: String?) -> FinishReason? {
        switch reason {
        case nil: nil
        case "COMPLETE"?, "STOP_SEQUENCE"?: .stop
        case "MAX_TOKENS"?: .length
        case "TOOL_CALL"?: .toolCalls
        case "ERROR"?, "TIMEOUT"?: nil
        case let other?: FinishReason(rawValue: other.lowercased())
        }
    }

    /// The 502 for a generation Cohere itself ended in failure: `finish_reason` `ERROR` or
    /// `TIMEOUT`, or a `message-end` carrying `delta.error`. Reported rather than passed on as
    /// `stop`, so the client does not take a cut-off answer for a complete one.
    public static func generationFailure(providerID: String, reason: String?, detail: String?) -> GatewayError {
        let what = [reason.map { "finish_reason \($0)" }, detail].compactMap { $0 }.joined(separator: ": ")
        return GatewayError(status: 502, code: "UPSTREAM_GENERATION_FAILED", type: "api_error",
                            message: "Provider '\(providerID)' failed to complete the generation (\(what.isEmpty ? "no detail" : what))")
    }

    /// Cohere's `usage` in OpenAI semantics (providers.md §4.3 "Usage"): the model's actual
    /// `tokens` (falling back to `billed_units`, which excludes the prompt template and is what
    /// Cohere charges), and `cached_tokens` as the cached part of the prompt.
    public static func usage(_ usage: JSONValue?) -> Usage? {
        guard let usage, usage.objectValue != nil else { return nil }
        let counts = usage["tokens"]?.objectValue != nil ? usage["tokens"] : usage["billed_units"]
        guard let counts else { return nil }
        let prompt = UpstreamNumber.count(counts["input_tokens"]) ?? 0
        let completion = UpstreamNumber.count(counts["output_tokens"]) ?? 0
        var out = Usage(promptTokens: prompt, completionTokens: completion)
        out.cachedPromptTokens = UpstreamNumber.count(usage["cached_tokens"])
        return out
    }

    /// Cohere's `logprobs` (one `{text, token_ids, logprobs}` item per text chunk) in OpenAI's
    /// shape `{"content":[{token, logprob, bytes, top_logprobs}]}`: one entry per chunk, whose
    /// log-probability is the sum of its tokens' (the probability of the chunk as a whole; the
    /// text of single tokens is not reported). Cohere returns no alternatives, so `top_logprobs`
    /// is always empty (and `top_logprobs > 0` is refused by the adapter).
    public static func logprobs(_ items: [JSONValue]) -> JSONValue? {
        guard !items.isEmpty else { return nil }
        let content: [JSONValue] = items.map { item in
            let text = item["text"]?.stringValue ?? ""
            let sum = (item["logprobs"]?.arrayValue ?? []).compactMap(\.doubleValue).reduce(0, +)
            return ["token": .string(text), "logprob": .double(sum),
                    "bytes": .array(Array(text.utf8).map { .int(Int($0)) }), "top_logprobs": []]
        }
        return ["content": .array(content)]
    }
}
