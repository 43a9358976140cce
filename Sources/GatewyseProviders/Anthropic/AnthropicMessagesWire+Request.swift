import GatewyseCore

// MARK: - The top-level request body (providers.md §4.1 "Request")

extension AnthropicMessagesWire {
    /// Client fields outside the unified model that Anthropic understands and that are forwarded
    /// as sent. Every other unmodelled field is dropped: Anthropic answers 400 to unknown
    /// top-level fields, unlike OpenAI-compatible upstreams (ARCHITECTURE rule 12 applies to those).
    static let forwardedExtraFields: [String] = ["top_k"]

    /// The Messages body for `request`, addressed to `model`.
    ///
    /// Throws a 400 naming the field when the request cannot be expressed on Anthropic because of
    /// its own content (tool-call arguments that are not a JSON object, an image format Anthropic
    /// does not read). Requests that merely need features Anthropic lacks (n > 1, audio input,
    /// logprobs) are refused earlier by `AnthropicAdapter.incompatibility(with:)`, so routing can
    /// pick another provider.
    ///
    /// Decisions where OpenAI and Anthropic differ:
    /// - `temperature` above 1 is clamped to 1 (OpenAI accepts 0–2, Anthropic 0–1; providers.md
    ///   §4.1 "clamp"), rather than refused: a refusal here would stop failover to providers that
    ///   accept it, and 0–1 keeps its meaning unchanged.
    /// - `n`, `logprobs` are refused by `incompatibility`; `seed`, `presence_penalty`,
    ///   `frequency_penalty`, `logit_bias`, `service_tier`, `metadata` and other OpenAI-only
    ///   fields are dropped (best-effort hints with no Anthropic equivalent).
    /// - `response_format` json_schema / json_object is emulated with a forced tool
    ///   (`structuredOutputToolName`) whose input comes back as the message content.
    public static func encodeRequest(_ request: ChatRequest, model: String) throws(GatewayError) -> JSONObject {
        let conversation = try encodeConversation(request.messages)
        let tooling = encodeTooling(request)
        let thinking = thinkingConfiguration(request, forcesToolUse: tooling.forcesToolUse)

        var body = JSONObject()
        body.appendUnique("model", .string(model))
        body.appendUnique("max_tokens", .int(thinking?.maxTokens ?? request.maxTokens ?? defaultMaxTokens))
        if let system = conversation.system { body.appendUnique("system", system) }
        body.appendUnique("messages", .array(conversation.messages))
        if request.stream { body.appendUnique("stream", true) }
        // Anthropic refuses a stop sequence that is empty or only whitespace (400 "stop_sequences:
        // each stop sequence must contain non-whitespace"), which OpenAI clients often send
        // ("\n"): such sequences are left out rather than failing the whole request.
        let stops = (request.stop ?? []).filter { !isBlank($0) }
        if !stops.isEmpty { body.appendUnique("stop_sequences", .array(stops.map(JSONValue.string))) }
        if let thinking {
            // With extended thinking Anthropic refuses temperature ≠ 1, top_p < 0.95 and top_k
            // (providers.md §4.1 "Reasoning": "temperature must then be 1"): leave them out.
            body.appendUnique("thinking", thinking.configuration)
            if let topP = request.topP, topP >= 0.95 { body.appendUnique("top_p", .double(topP)) }
        } else {
            if let temperature = request.temperature { body.appendUnique("temperature", .double(min(max(temperature, 0), 1))) }
            if let topP = request.topP { body.appendUnique("top_p", .double(topP)) }
            for field in forwardedExtraFields { if let value = request.extra[field], !value.isNull { body.appendUnique(field, value) } }
        }
        if let tools = tooling.tools { body.appendUnique("tools", tools) }
        if let choice = tooling.toolChoice { body.appendUnique("tool_choice", choice) }
        if let user = request.user { body.appendUnique("metadata", ["user_id": .string(user)]) }
        return body
    }
}

// MARK: - Extended thinking (providers.md §4.1 "Reasoning")

extension AnthropicMessagesWire {
    struct Thinking {
        var configuration: JSONValue
        var maxTokens: Int
    }

    /// Thinking budgets for OpenAI's `reasoning_effort` (the values LiteLLM uses; Anthropic's
    /// minimum budget is 1024).
    static let thinkingBudgets: [String: Int] = ["minimal": 1024, "low": 1024, "medium": 2048, "high": 4096]

    /// The `thinking` object and the `max_tokens` that goes with it, or nil when thinking stays off.
    ///
    /// A client's own Anthropic-style `thinking` object (kept in `extra`) wins over
    /// `reasoning_effort`. `budget_tokens` must stay below `max_tokens`, which counts thinking too:
    /// without a client cap the gateway asks for budget + the default; with a cap the budget
    /// shrinks to fit, and thinking stays off when the cap leaves no room for the 1024 minimum.
    /// Anthropic refuses thinking together with forced tool use, so a forced tool wins.
    static func thinkingConfiguration(_ request: ChatRequest, forcesToolUse: Bool) -> Thinking? {
        guard !forcesToolUse else { return nil }
        if let native = request.extra["thinking"], case .object(let object) = native {
            guard object["type"]?.stringValue == "enabled" else { return nil }
            let budget = object["budget_tokens"]?.intValue ?? 1024
            return Thinking(configuration: native, maxTokens: request.maxTokens ?? budget + defaultMaxTokens)
        }
        guard let effort = request.reasoningEffort, var budget = thinkingBudgets[effort] else { return nil }
        let maxTokens: Int
        if let cap = request.maxTokens {
            guard cap > 1024 else { return nil }
            budget = min(budget, cap - 1)
            maxTokens = cap
        } else {
            maxTokens = budget + defaultMaxTokens
        }
        return Thinking(configuration: ["type": "enabled", "budget_tokens": .int(budget)], maxTokens: maxTokens)
    }
}
