import GatewyseCore

// MARK: - Unified request → Converse body

extension BedrockConverseWire {
    /// The Converse body for `request` (the model id goes in the URL, not the body):
    /// - `max_tokens` / `max_completion_tokens` → `inferenceConfig.maxTokens`, `temperature`,
    ///   `top_p` → `topP`, `stop` → `stopSequences`; `top_k` (an extra field) →
    ///   `additionalModelRequestFields.top_k`. Converse has no `seed`, penalties or
    ///   `logit_bias`; they and `user` are not sent (no model on Bedrock would read them);
    /// - system and developer messages → top-level `system` text blocks;
    /// - tools → `toolConfig` (see `encodeToolConfig`); `response_format` → a forced tool
    ///   whose input is the JSON answer, as for Anthropic.
    public static func encodeRequest(_ request: ChatRequest) throws(GatewayError) -> JSONObject {
        let conversation = try encodeConversation(request.messages)
        var body = JSONObject()
        body.appendUnique("messages", .array(conversation.messages))
        if !conversation.system.isEmpty {
            body.appendUnique("system", .array(conversation.system.map { ["text": .string($0)] }))
        }
        var inference = JSONObject()
        if let maxTokens = request.maxTokens { inference.appendUnique("maxTokens", .int(maxTokens)) }
        if let temperature = request.temperature { inference.appendUnique("temperature", .double(temperature)) }
        if let topP = request.topP { inference.appendUnique("topP", .double(topP)) }
        if let stop = request.stop, !stop.isEmpty { inference.appendUnique("stopSequences", .array(stop.map(JSONValue.string))) }
        if !inference.isEmpty { body.appendUnique("inferenceConfig", .object(inference)) }
        if let toolConfig = encodeToolConfig(request, historyToolNames: conversation.toolNames) {
            body.appendUnique("toolConfig", toolConfig)
        }
        if let topK = request.extra["top_k"] { body.appendUnique("additionalModelRequestFields", ["top_k": topK]) }
        return body
    }

    /// `toolConfig`, or nil when the request needs none:
    /// - tools → `{toolSpec:{name, description, inputSchema:{json}}}` (an object schema is
    ///   required; a tool without parameters gets the empty one);
    /// - `tool_choice` auto → `{auto:{}}`, required → `{any:{}}`, a function → `{tool:{name}}`;
    ///   `none` sends no tools (`incompatibility` refuses it when the history has tool blocks,
    ///   which need a `toolConfig`). `parallel_tool_calls` has no Converse counterpart;
    /// - JSON mode (no client tools) → the structured-output tool, forced;
    /// - a history with tool calls but no tools in this request: Converse refuses tool blocks
    ///   without a `toolConfig`, so each tool name the history uses is declared with an open
    ///   schema.
    static func encodeToolConfig(_ request: ChatRequest, historyToolNames: [String]) -> JSONValue? {
        let tools = request.tools ?? []
        if tools.isEmpty || request.toolChoice == ToolChoice.none {
            if let (description, schema) = structuredOutput(request.responseFormat) {
                return ["tools": [toolSpec(name: structuredOutputToolName, description: description, schema: schema)],
                        "toolChoice": ["tool": ["name": .string(structuredOutputToolName)]]]
            }
            guard !historyToolNames.isEmpty else { return nil }
            return ["tools": .array(historyToolNames.map { toolSpec(name: $0, description: nil, schema: nil) })]
        }
        var config = JSONObject()
        config.appendUnique("tools", .array(tools.map { toolSpec(name: $0.name, description: $0.description, schema: $0.parameters) }))
        switch request.toolChoice {
        case .auto?: config.appendUnique("toolChoice", ["auto": [:]])
        case .required?: config.appendUnique("toolChoice", ["any": [:]])
        case .function(let name)?: config.appendUnique("toolChoice", ["tool": ["name": .string(name)]])
        case .none?, nil: break
        }
        return .object(config)
    }

    static func toolSpec(name: String, description: String?, schema: JSONValue?) -> JSONValue {
        var spec = JSONObject()
        spec.appendUnique("name", .string(name))
        if let description, !description.isEmpty { spec.appendUnique("description", .string(description)) }
        spec.appendUnique("inputSchema", ["json": schema ?? ["type": "object", "properties": [:]]])
        return ["toolSpec": .object(spec)]
    }

    /// The description and schema of the forced tool standing in for `response_format`.
    static func structuredOutput(_ format: ResponseFormat?) -> (String, JSONValue)? {
        switch format {
        case .jsonSchema(let name, let schema, _, let description)?:
            return (description ?? "Respond with a JSON object that matches the '\(name)' schema.", schema ?? ["type": "object"])
        case .jsonObject?:
            return ("Respond with your answer as a JSON object.", ["type": "object", "additionalProperties": true])
        case .text?, nil:
            return nil
        }
    }
}
