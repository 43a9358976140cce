import GatewyseCore

/// The OpenAI Chat Completions wire format (providers.md §1): the canonical client format, and the
/// upstream format of every OpenAI-compatible provider.
public enum OpenAIChatWire {}

// MARK: - Decoding a client request

extension OpenAIChatWire {
    static let knownRequestFields: JSONFieldNames = [
        "model", "messages", "stream", "stream_options", "temperature", "top_p", "max_tokens",
        "max_completion_tokens", "n", "stop", "seed", "tools", "tool_choice", "parallel_tool_calls",
        "response_format", "logprobs", "top_logprobs", "user", "reasoning_effort",
    ]

    /// Validates a Chat Completions body and maps it to the unified request. Errors name the field.
    public static func decodeRequest(_ body: JSONValue) throws(GatewayError) -> ChatRequest {
        let reader = try JSONFieldReader(body: body)
        let model = try reader.requiredString("model")
        guard !model.isEmpty else { throw reader.invalid("model", "must not be empty.") }
        guard let messageReaders = try reader.objectArray("messages") else { throw reader.missing("messages") }
        guard !messageReaders.isEmpty else { throw reader.invalid("messages", "must contain at least one message.") }

        var request = ChatRequest(model: model, messages: try messageReaders.map { m throws(GatewayError) in try decodeMessage(m) })
        request.stream = try reader.bool("stream") ?? false
        if let options = try reader.objectReader("stream_options") {
            request.includeStreamUsage = try options.bool("include_usage") ?? false
        }
        request.temperature = try reader.double("temperature", in: 0...2)
        request.topP = try reader.double("top_p", in: 0...1)
        if let value = try reader.int("max_completion_tokens", in: 1...Int(Int32.max)) {
            request.maxTokens = value
            request.maxTokensField = .maxCompletionTokens
        } else {
            request.maxTokens = try reader.int("max_tokens", in: 1...Int(Int32.max))
        }
        request.n = try reader.int("n", in: 1...10)
        request.stop = try reader.stringOrStrings("stop")
        request.seed = try reader.int("seed")
        if let tools = try reader.objectArray("tools") {
            request.tools = try tools.map { t throws(GatewayError) in try decodeTool(t) }
        }
        request.toolChoice = try decodeToolChoice(reader)
        request.parallelToolCalls = try reader.bool("parallel_tool_calls")
        request.responseFormat = try decodeResponseFormat(reader)
        request.logprobs = try reader.bool("logprobs")
        request.topLogprobs = try reader.int("top_logprobs", in: 0...20)
        request.user = try reader.string("user")
        request.reasoningEffort = try reader.string("reasoning_effort")
        request.extra = reader.remaining(excluding: knownRequestFields)
        // LiteLLM's prompt-caching marker on a tool, kept for Anthropic upstreams.
        if let marks = try AnthropicMessagesWire.cacheControls(in: reader, "tools") {
            request.extra[AnthropicMessagesWire.ExtraKey.toolCacheControl] = marks
        }
        if case .function(let name) = request.toolChoice, !(request.tools ?? []).contains(where: { $0.name == name }) {
            throw reader.invalid("tool_choice", "names function '\(name)', which is not among 'tools'.")
        }
        return request
    }

    static let knownMessageFields: JSONFieldNames = ["role", "content", "name", "tool_calls", "tool_call_id", "reasoning_content", "refusal"]

    static func decodeMessage(_ reader: JSONFieldReader) throws(GatewayError) -> ChatMessage {
        let roleName = try reader.requiredString("role")
        guard let role = ChatRole(rawValue: roleName) else {
            throw reader.invalid("role", "must be one of system, developer, user, assistant, tool; got '\(roleName)'.")
        }
        var message = ChatMessage(role: role, content: try decodeContent(reader))
        message.name = try reader.string("name")
        message.reasoningContent = try reader.string("reasoning_content")
        message.refusal = try reader.string("refusal")
        if let calls = try reader.objectArray("tool_calls") {
            guard role == .assistant else { throw reader.invalid("tool_calls", "is only allowed on assistant messages.") }
            message.toolCalls = try calls.map { c throws(GatewayError) in try decodeToolCall(c) }
        }
        if role == .tool {
            message.toolCallID = try reader.requiredString("tool_call_id")
        }
        if message.content == nil, message.toolCalls == nil, role != .assistant {
            throw reader.missing("content")
        }
        message.extra = reader.remaining(excluding: knownMessageFields)
        // LiteLLM's prompt-caching marker on a content part, kept for Anthropic upstreams.
        if let marks = try AnthropicMessagesWire.cacheControls(in: reader, "content") {
            message.extra[AnthropicMessagesWire.ExtraKey.partCacheControl] = marks
        }
        return message
    }

    static func decodeContent(_ reader: JSONFieldReader) throws(GatewayError) -> MessageContent? {
        guard let value = reader.object["content"], !value.isNull else { return nil }
        switch value {
        case .string(let text): return .text(text)
        case .array:
            let parts = try reader.objectArray("content")!
            return .parts(try parts.map { p throws(GatewayError) in try decodePart(p) })
        default:
            throw reader.wrongType("content", expected: "a string or an array of content parts", got: value)
        }
    }

    static func decodePart(_ reader: JSONFieldReader) throws(GatewayError) -> ContentPart {
        let type = try reader.requiredString("type")
        switch type {
        case "text":
            return .text(try reader.requiredString("text"))
        case "image_url":
            // Some clients send `image_url` as a bare string; OpenAI documents an object.
            if let url = reader.object["image_url"]?.stringValue { return .imageURL(url: url, detail: nil) }
            guard let image = try reader.objectReader("image_url") else { throw reader.missing("image_url") }
            let url = try image.requiredString("url")
            guard url.hasPrefix("https://") || url.hasPrefix("http://") || url.hasPrefix("data:") else {
                throw image.invalid("url", "must be an http(s) URL or a data: URI.")
            }
            return .imageURL(url: url, detail: try image.string("detail"))
        case "input_audio":
            guard let audio = try reader.objectReader("input_audio") else { throw reader.missing("input_audio") }
            return .inputAudio(data: try audio.requiredString("data"), format: try audio.requiredString("format"))
        default:
            return .other(reader.object)
        }
    }

    static func decodeToolCall(_ reader: JSONFieldReader) throws(GatewayError) -> ToolCall {
        let id = try reader.requiredString("id")
        guard let function = try reader.objectReader("function") else { throw reader.missing("function") }
        return ToolCall(id: id, name: try function.requiredString("name"), arguments: try function.string("arguments") ?? "")
    }

    static func decodeTool(_ reader: JSONFieldReader) throws(GatewayError) -> ToolDefinition {
        let type = try reader.string("type") ?? "function"
        guard type == "function" else { throw reader.invalid("type", "must be 'function'; got '\(type)'.") }
        guard let function = try reader.objectReader("function") else { throw reader.missing("function") }
        let name = try function.requiredString("name")
        guard isValidFunctionName(name) else {
            throw function.invalid("name", "must be 1-64 characters of a-z, A-Z, 0-9, underscore or dash; got '\(name)'.")
        }
        var tool = ToolDefinition(name: name, description: try function.string("description"), strict: try function.bool("strict"))
        if let parameters = function.object["parameters"], !parameters.isNull {
            guard case .object = parameters else { throw function.wrongType("parameters", expected: "an object (a JSON Schema)", got: parameters) }
            tool.parameters = parameters
        }
        return tool
    }

    static func isValidFunctionName(_ name: String) -> Bool {
        guard (1...64).contains(name.utf8.count) else { return false }
        return name.utf8.allSatisfy { b in
            (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || b == 0x5F || b == 0x2D
        }
    }

    static func decodeToolChoice(_ reader: JSONFieldReader) throws(GatewayError) -> ToolChoice? {
        guard let value = reader.object["tool_choice"], !value.isNull else { return nil }
        switch value {
        case .string("none"): return ToolChoice.none
        case .string("auto"): return .auto
        case .string("required"): return .required
        case .string(let other): throw reader.invalid("tool_choice", "must be 'none', 'auto', 'required' or a function; got '\(other)'.")
        case .object:
            let choice = try reader.objectReader("tool_choice")!
            guard let function = try choice.objectReader("function") else { throw choice.missing("function") }
            return .function(name: try function.requiredString("name"))
        default:
            throw reader.wrongType("tool_choice", expected: "a string or an object", got: value)
        }
    }

    static func decodeResponseFormat(_ reader: JSONFieldReader) throws(GatewayError) -> ResponseFormat? {
        guard let format = try reader.objectReader("response_format") else { return nil }
        let type = try format.requiredString("type")
        switch type {
        case "text": return .text
        case "json_object": return .jsonObject
        case "json_schema":
            guard let schema = try format.objectReader("json_schema") else { throw format.missing("json_schema") }
            return .jsonSchema(name: try schema.requiredString("name"), schema: schema.object["schema"],
                               strict: try schema.bool("strict"), description: try schema.string("description"))
        default:
            throw format.invalid("type", "must be 'text', 'json_object' or 'json_schema'; got '\(type)'.")
        }
    }
}

// MARK: - Encoding a request for an upstream

extension OpenAIChatWire {
    /// The Chat Completions body for `request`, with `model` replaced by the upstream model.
    public static func encodeRequest(_ request: ChatRequest, model: String) -> JSONObject {
        var body = JSONObject()
        body.appendUnique("model", .string(model))
        body.appendUnique("messages", .array(request.messages.map { .object(encodeMessage($0)) }))
        if request.stream { body.appendUnique("stream", true) }
        if request.includeStreamUsage { body.appendUnique("stream_options", ["include_usage": true]) }
        if let v = request.temperature { body.appendUnique("temperature", .double(v)) }
        if let v = request.topP { body.appendUnique("top_p", .double(v)) }
        if let v = request.maxTokens { body.appendUnique(request.maxTokensField.rawValue, .int(v)) }
        if let v = request.n { body.appendUnique("n", .int(v)) }
        if let v = request.stop { body.appendUnique("stop", .array(v.map(JSONValue.string))) }
        if let v = request.seed { body.appendUnique("seed", .int(v)) }
        if let tools = request.tools { body.appendUnique("tools", .array(tools.map(encodeTool))) }
        if let choice = request.toolChoice { body.appendUnique("tool_choice", encodeToolChoice(choice)) }
        if let v = request.parallelToolCalls { body.appendUnique("parallel_tool_calls", .bool(v)) }
        if let format = request.responseFormat { body.appendUnique("response_format", encodeResponseFormat(format)) }
        if let v = request.logprobs { body.appendUnique("logprobs", .bool(v)) }
        if let v = request.topLogprobs { body.appendUnique("top_logprobs", .int(v)) }
        if let v = request.user { body.appendUnique("user", .string(v)) }
        if let v = request.reasoningEffort { body.appendUnique("reasoning_effort", .string(v)) }
        body.merge(request.extra)
        return body
    }

    public static func encodeMessage(_ message: ChatMessage) -> JSONObject {
        var out = JSONObject()
        out.appendUnique("role", .string(message.role.rawValue))
        switch message.content {
        case .text(let text): out.appendUnique("content", .string(text))
        case .parts(let parts): out.appendUnique("content", .array(parts.map(encodePart)))
        case nil: out.appendUnique("content", .null)
        }
        if let name = message.name { out.appendUnique("name", .string(name)) }
        if let calls = message.toolCalls, !calls.isEmpty { out.appendUnique("tool_calls", .array(calls.map(encodeToolCall))) }
        if let id = message.toolCallID { out.appendUnique("tool_call_id", .string(id)) }
        if let reasoning = message.reasoningContent { out.appendUnique("reasoning_content", .string(reasoning)) }
        if let refusal = message.refusal { out.appendUnique("refusal", .string(refusal)) }
        out.merge(message.extra)
        return out
    }

    static func encodePart(_ part: ContentPart) -> JSONValue {
        switch part {
        case .text(let text):
            return ["type": "text", "text": .string(text)]
        case .imageURL(let url, let detail):
            var image = JSONObject()
            image.appendUnique("url", .string(url))
            if let detail { image.appendUnique("detail", .string(detail)) }
            return ["type": "image_url", "image_url": .object(image)]
        case .inputAudio(let data, let format):
            return ["type": "input_audio", "input_audio": ["data": .string(data), "format": .string(format)]]
        case .other(let object):
            return .object(object)
        }
    }

    public static func encodeToolCall(_ call: ToolCall) -> JSONValue {
        ["id": .string(call.id), "type": "function", "function": ["name": .string(call.name), "arguments": .string(call.arguments)]]
    }

    static func encodeTool(_ tool: ToolDefinition) -> JSONValue {
        var function = JSONObject()
        function.appendUnique("name", .string(tool.name))
        if let d = tool.description { function.appendUnique("description", .string(d)) }
        if let p = tool.parameters { function.appendUnique("parameters", p) }
        if let s = tool.strict { function.appendUnique("strict", .bool(s)) }
        return ["type": "function", "function": .object(function)]
    }

    static func encodeToolChoice(_ choice: ToolChoice) -> JSONValue {
        switch choice {
        case .none: "none"
        case .auto: "auto"
        case .required: "required"
        case .function(let name): ["type": "function", "function": ["name": .string(name)]]
        }
    }

    static func encodeResponseFormat(_ format: ResponseFormat) -> JSONValue {
        switch format {
        case .text: return ["type": "text"]
        case .jsonObject: return ["type": "json_object"]
        case .jsonSchema(let name, let schema, let strict, let description):
            var inner = JSONObject()
            inner.appendUnique("name", .string(name))
            if let description { inner.appendUnique("description", .string(description)) }
            if let schema { inner.appendUnique("schema", schema) }
            if let strict { inner.appendUnique("strict", .bool(strict)) }
            return ["type": "json_schema", "json_schema": .object(inner)]
        }
    }
}
