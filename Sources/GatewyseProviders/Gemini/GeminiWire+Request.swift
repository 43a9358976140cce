import GatewyseCore

// MARK: - The top-level request body (providers.md §4.2 "Request")

extension GeminiWire {
    /// The `generateContent` body for `request`. The model is not in the body: it goes in the URL.
    ///
    /// Throws a 400 naming the field when the request's own content cannot be expressed on Gemini
    /// (tool-call arguments that are not a JSON object, a tool result whose `tool_call_id` matches
    /// no earlier tool call, a malformed data URI). Features Gemini lacks are refused earlier by
    /// `GeminiAdapter.incompatibility(with:)`.
    ///
    /// Decisions:
    /// - `response_format: json_schema` → `responseMimeType: application/json` +
    ///   `responseJsonSchema` with the client's schema as sent (full JSON Schema, accepted by the
    ///   2.5 and later models), rather than the OpenAPI-subset `responseSchema`, which would lose
    ///   constraints silently.
    /// - `reasoning_effort` → `thinkingConfig` with `includeThoughts: true` (so thoughts come back
    ///   as `reasoning_content`): on `gemini-3*` models `thinkingLevel` (minimal/low → `low`,
    ///   medium/high → `high`), elsewhere `thinkingBudget` from `thinkingBudgets` (LiteLLM's table).
    /// - `top_k`, `presence_penalty`, `frequency_penalty` are read from the client's extra fields;
    ///   every other unmodelled OpenAI field (`user`, `logit_bias`, `service_tier` …) is dropped.
    public static func encodeRequest(_ request: ChatRequest, model: String) throws(GatewayError) -> JSONObject {
        let conversation = try encodeConversation(request.messages)
        var body = JSONObject()
        body.appendUnique("contents", .array(conversation.contents))
        if let system = conversation.system {
            body.appendUnique("systemInstruction", ["parts": [["text": .string(system)]]])
        }
        let tools = request.tools ?? []
        if !tools.isEmpty {
            body.appendUnique("tools", [["functionDeclarations": .array(tools.map(encodeTool))]])
            if let config = functionCallingConfig(request.toolChoice) { body.appendUnique("toolConfig", ["functionCallingConfig": config]) }
        }
        let generation = generationConfig(request, model: model)
        if !generation.isEmpty { body.appendUnique("generationConfig", .object(generation)) }
        return body
    }

    /// Budgets for `reasoning_effort` on Gemini 2.5 (`thinkingBudget`, tokens).
    static let thinkingBudgets: [String: Int] = ["minimal": 128, "low": 1024, "medium": 2048, "high": 4096]

    static func generationConfig(_ request: ChatRequest, model: String) -> JSONObject {
        var config = JSONObject()
        if let temperature = request.temperature { config.appendUnique("temperature", .double(temperature)) }
        if let topP = request.topP { config.appendUnique("topP", .double(topP)) }
        if let topK = request.extra["top_k"], topK.intValue != nil { config.appendUnique("topK", topK) }
        if let maxTokens = request.maxTokens { config.appendUnique("maxOutputTokens", .int(maxTokens)) }
        // Gemini accepts at most 5 stop sequences (providers.md §4.2), like OpenAI's limit of 4.
        if let stop = request.stop, !stop.isEmpty { config.appendUnique("stopSequences", .array(stop.prefix(5).map(JSONValue.string))) }
        if let n = request.n { config.appendUnique("candidateCount", .int(n)) }
        if let seed = request.seed { config.appendUnique("seed", .int(seed)) }
        for (openAI, gemini) in [("presence_penalty", "presencePenalty"), ("frequency_penalty", "frequencyPenalty")] {
            if let value = request.extra[openAI], value.doubleValue != nil { config.appendUnique(gemini, value) }
        }
        switch request.responseFormat {
        case .jsonObject?:
            config.appendUnique("responseMimeType", "application/json")
        case .jsonSchema(_, let schema, _, _)?:
            config.appendUnique("responseMimeType", "application/json")
            if let schema { config.appendUnique("responseJsonSchema", schema) }
        case .text?, nil:
            break
        }
        if let effort = request.reasoningEffort {
            if model.hasPrefix("gemini-3") {
                let level = effort == "minimal" || effort == "low" ? "low" : "high"
                config.appendUnique("thinkingConfig", ["thinkingLevel": .string(level), "includeThoughts": true])
            } else if effort == "none" {
                config.appendUnique("thinkingConfig", ["thinkingBudget": 0])
            } else if let budget = thinkingBudgets[effort] {
                config.appendUnique("thinkingConfig", ["thinkingBudget": .int(budget), "includeThoughts": true])
            }
        }
        return config
    }
}

// MARK: - Tools and tool_choice (providers.md §4.2 "Tools", "tool_choice")

extension GeminiWire {
    /// `{name, description, parameters}` with the schema reduced to Gemini's OpenAPI subset.
    /// An object schema without properties is left out: Gemini refuses `OBJECT` with empty
    /// `properties`, and a tool without parameters means the same thing.
    static func encodeTool(_ tool: ToolDefinition) -> JSONValue {
        var out = JSONObject()
        out.appendUnique("name", .string(tool.name))
        if let description = tool.description { out.appendUnique("description", .string(description)) }
        if let parameters = tool.parameters {
            let cleaned = cleanSchema(parameters)
            let emptyObject = cleaned["type"] == "object" && (cleaned["properties"]?.objectValue?.isEmpty ?? true)
            if !emptyObject { out.appendUnique("parameters", cleaned) }
        }
        return .object(out)
    }

    /// The schema keywords Gemini's `Schema` (an OpenAPI 3.0 subset) accepts.
    static let schemaKeywords: Set<String> = [
        "type", "format", "title", "description", "nullable", "enum", "items", "minItems", "maxItems",
        "properties", "required", "minProperties", "maxProperties", "minLength", "maxLength", "pattern",
        "minimum", "maximum", "anyOf", "propertyOrdering", "default", "example",
    ]

    /// Reduces a JSON Schema to Gemini's subset, recursively:
    /// - keywords outside `schemaKeywords` are dropped (`$schema`, `additionalProperties`,
    ///   `strict`, `$id`, `$ref`/`$defs` (not inlined), `oneOf`, `allOf`, `not`, `examples` …);
    /// - `const: x` becomes `enum: [x]`;
    /// - a type list with `"null"` (`["string","null"]`) becomes that type + `nullable: true`;
    /// - `properties` keeps every property name (names are data, not keywords).
    static func cleanSchema(_ schema: JSONValue) -> JSONValue {
        guard case .object(let object) = schema else { return schema }
        var out = JSONObject()
        for (key, value) in object {
            switch key {
            case "properties":
                var properties = JSONObject()
                for (name, property) in value.objectValue ?? JSONObject() { properties.appendUnique(name, cleanSchema(property)) }
                out.appendUnique(key, .object(properties))
            case "items":
                out.appendUnique(key, cleanSchema(value))
            case "anyOf":
                out.appendUnique(key, .array((value.arrayValue ?? []).map(cleanSchema)))
            case "const":
                if !object.keys.contains("enum") { out.appendUnique("enum", [value]) }
            case "type":
                if let types = value.arrayValue {
                    let real = types.filter { $0 != "null" }
                    if let first = real.first { out.appendUnique("type", first) }
                    if real.count < types.count, !object.keys.contains("nullable") { out.appendUnique("nullable", true) }
                } else {
                    out.appendUnique(key, value)
                }
            default:
                if schemaKeywords.contains(key) { out.appendUnique(key, value) }
            }
        }
        return .object(out)
    }

    /// `auto` → AUTO, `none` → NONE, `required` → ANY, a named function → ANY restricted to it.
    static func functionCallingConfig(_ choice: ToolChoice?) -> JSONValue? {
        switch choice {
        case nil: nil
        case .auto?: ["mode": "AUTO"]
        case .none?: ["mode": "NONE"]
        case .required?: ["mode": "ANY"]
        case .function(let name)?: ["mode": "ANY", "allowedFunctionNames": [.string(name)]]
        }
    }
}
