import GatewyseCore

// MARK: - Tools, tool_choice and response_format emulation (providers.md §4.1)

extension AnthropicMessagesWire {
    struct Tooling {
        var tools: JSONValue?
        var toolChoice: JSONValue?
        /// `tool_choice` makes the model call a tool (`any` or a named tool).
        var forcesToolUse = false
    }

    static func encodeTooling(_ request: ChatRequest) -> Tooling {
        let tools = request.tools ?? []
        if tools.isEmpty {
            // Anthropic refuses `tool_choice` without `tools`; a client's choice with no tools
            // has nothing to act on, so both go. `response_format` takes this path (with tools it
            // is refused by `incompatibility`: a forced tool would hide the client's tools).
            if let structured = structuredOutputTool(request.responseFormat) {
                return Tooling(tools: [structured], toolChoice: ["type": "tool", "name": .string(structuredOutputToolName)], forcesToolUse: true)
            }
            return Tooling()
        }
        let marks = request.extra[ExtraKey.toolCacheControl]?.arrayValue ?? []
        var tooling = Tooling(tools: .array(tools.enumerated().map { i, tool in
            encodeTool(tool, cacheControl: i < marks.count ? marks[i] : nil)
        }))
        var choice: JSONObject?
        switch request.toolChoice {
        case nil: choice = nil
        case .auto?: choice = JSONObject([("type", "auto")])
        case .required?: choice = JSONObject([("type", "any")]); tooling.forcesToolUse = true
        case .none?: choice = JSONObject([("type", "none")])
        case .function(let name)?: choice = JSONObject([("type", "tool"), ("name", .string(name))]); tooling.forcesToolUse = true
        }
        // `parallel_tool_calls: false` lives on the tool_choice object; `none` has no such flag.
        if request.parallelToolCalls == false, choice?["type"]?.stringValue != "none" {
            var object = choice ?? JSONObject([("type", "auto")])
            object["disable_parallel_tool_use"] = true
            choice = object
        }
        tooling.toolChoice = choice.map(JSONValue.object)
        return tooling
    }

    /// `{name, description, input_schema, cache_control?}`; Anthropic requires an object schema,
    /// so a tool without parameters gets the empty one. OpenAI's `strict` has no counterpart and
    /// is dropped. The caching marker is the one LiteLLM's clients put on the tool
    /// (`ExtraKey.toolCacheControl`).
    static func encodeTool(_ tool: ToolDefinition, cacheControl: JSONValue? = nil) -> JSONValue {
        var out = JSONObject()
        out.appendUnique("name", .string(tool.name))
        if let description = tool.description { out.appendUnique("description", .string(description)) }
        out.appendUnique("input_schema", tool.parameters ?? emptyObjectSchema)
        if let cacheControl, case .object = cacheControl { out.appendUnique("cache_control", cacheControl) }
        return .object(out)
    }

    static let emptyObjectSchema: JSONValue = ["type": "object", "properties": [:]]

    /// The forced tool that stands in for OpenAI's JSON modes: `json_schema` gives its schema;
    /// `json_object` (any JSON object) gives an open object schema. The model's tool input is
    /// the JSON the client asked for.
    static func structuredOutputTool(_ format: ResponseFormat?) -> JSONValue? {
        switch format {
        case .jsonSchema(let name, let schema, _, let description)?:
            return ["name": .string(structuredOutputToolName),
                    "description": .string(description ?? "Respond with a JSON object that matches the '\(name)' schema."),
                    "input_schema": schema ?? ["type": "object"]]
        case .jsonObject?:
            return ["name": .string(structuredOutputToolName),
                    "description": "Respond with your answer as a JSON object.",
                    "input_schema": ["type": "object", "additionalProperties": true]]
        case .text?, nil:
            return nil
        }
    }
}
