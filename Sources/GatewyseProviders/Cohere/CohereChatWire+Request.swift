import GatewyseCore

// MARK: - The top-level request body (providers.md §7 "Chat", §4.3 "Request")

extension CohereChatWire {
    /// Cohere-only request fields a client may send (they arrive in `extra`) and that go to
    /// Cohere as they are: RAG documents and their citations, the safety mode, reasoning
    /// (`thinking: {type, token_budget}`) and `priority`. Every other unmodelled field is dropped
    /// (`user`, `logit_bias`, `service_tier` …): Cohere refuses unknown fields.
    static let nativeFields = ["documents", "citation_options", "safety_mode", "thinking", "priority"]

    /// The `/v2/chat` body for `request`. Features Cohere lacks (`n` > 1, `top_logprobs`, audio)
    /// are refused earlier by `CohereAdapter.incompatibility(with:)`.
    ///
    /// Decisions (providers.md §4.3 and Cohere's parameter ranges):
    /// - renames: `top_p` → `p`, `top_k` (extra) → `k`, `stop` → `stop_sequences`,
    ///   `max_tokens` / `max_completion_tokens` → `max_tokens`;
    /// - `p` is clamped to Cohere's 0.01…0.99, `k` to 0…500 and the penalties to 0…1 (OpenAI
    ///   allows `top_p` 1 and penalties from −2): the nearest value Cohere accepts is closer to
    ///   what the client meant than a refusal, which would also stop failover (the same choice as
    ///   Anthropic's temperature); `stop_sequences` keeps Cohere's maximum of 5;
    /// - `tool_choice`: `required` → `REQUIRED`, `none` → `NONE`, `auto` → omitted (Cohere's
    ///   default; it has no `AUTO`), a named function → `REQUIRED` with only that tool sent
    ///   (Cohere cannot force one function among several);
    /// - any tool with `strict: true` → `strict_tools: true` (Cohere's switch is per request);
    /// - `response_format`: `json_object` → `{type: json_object}`, `json_schema` →
    ///   `{type: json_object, json_schema: <schema>}`;
    /// - `n` (1 here), `parallel_tool_calls`, `user`, `logit_bias`, `reasoning_effort` dropped.
    public static func encodeRequest(_ request: ChatRequest, model: String) throws(GatewayError) -> JSONObject {
        var body = JSONObject()
        body.appendUnique("model", .string(model))
        body.appendUnique("messages", .array(try encodeMessages(request.messages)))
        var tools = request.tools ?? []
        if case .function(let name)? = request.toolChoice { tools = tools.filter { $0.name == name } }
        if !tools.isEmpty {
            body.appendUnique("tools", .array(tools.map(encodeTool)))
            if tools.contains(where: { $0.strict == true }) { body.appendUnique("strict_tools", true) }
            switch request.toolChoice {
            case .required?, .function?: body.appendUnique("tool_choice", "REQUIRED")
            case .none?: body.appendUnique("tool_choice", "NONE")
            case .auto?, nil: break
            }
        }
        if let format = request.responseFormat.flatMap(encodeResponseFormat) { body.appendUnique("response_format", format) }
        if let maxTokens = request.maxTokens { body.appendUnique("max_tokens", .int(maxTokens)) }
        if let stop = request.stop, !stop.isEmpty { body.appendUnique("stop_sequences", .array(stop.prefix(5).map(JSONValue.string))) }
        if let temperature = request.temperature { body.appendUnique("temperature", .double(temperature)) }
        if let seed = request.seed { body.appendUnique("seed", .int(seed)) }
        for field in ["frequency_penalty", "presence_penalty"] {
            if let value = request.extra[field]?.doubleValue { body.appendUnique(field, .double(min(max(value, 0), 1))) }
        }
        if let topK = request.extra["top_k"]?.intValue { body.appendUnique("k", .int(min(max(topK, 0), 500))) }
        if let topP = request.topP { body.appendUnique("p", .double(min(max(topP, 0.01), 0.99))) }
        if let logprobs = request.logprobs { body.appendUnique("logprobs", .bool(logprobs)) }
        for field in nativeFields {
            if let value = request.extra[field] { body.appendUnique(field, value) }
        }
        if request.stream { body.appendUnique("stream", true) }
        return body
    }

    /// `{type: function, function: {name, description, parameters}}`: OpenAI's shape without
    /// the per-function `strict` flag, which Cohere has no field for (see `strict_tools`).
    static func encodeTool(_ tool: ToolDefinition) -> JSONValue {
        var function = JSONObject()
        function.appendUnique("name", .string(tool.name))
        if let description = tool.description { function.appendUnique("description", .string(description)) }
        if let parameters = tool.parameters { function.appendUnique("parameters", parameters) }
        return ["type": "function", "function": .object(function)]
    }

    /// `text` stays `text`; both JSON modes become `json_object`, with the schema (if any) as
    /// `json_schema`. The schema's name, description and `strict` have no Cohere field.
    static func encodeResponseFormat(_ format: ResponseFormat) -> JSONValue? {
        switch format {
        case .text: return ["type": "text"]
        case .jsonObject: return ["type": "json_object"]
        case .jsonSchema(_, let schema, _, _):
            guard let schema else { return ["type": "json_object"] }
            return ["type": "json_object", "json_schema": schema]
        }
    }
}
