import GatewyseCore

/// The Anthropic Messages API as the gateway serves it on `POST /v1/messages` (product-spec §2.5,
/// providers.md §2 and §4.1): requests are normalized to the unified model so they can be routed to
/// any provider; answers go back in Anthropic's shape.
enum AnthropicInboundWire {}

extension AnthropicInboundWire {
    static let knownFields: Set<String> = [
        "model", "messages", "max_tokens", "system", "temperature", "top_p", "top_k", "stop_sequences", "stream",
        "tools", "tool_choice", "metadata", "thinking", "service_tier",
    ]

    /// Validates a Messages request and maps it to a `ChatRequest`. Errors name the field.
    static func decodeRequest(_ body: JSONValue) throws(GatewayError) -> ChatRequest {
        let reader = try JSONFieldReader(body: body)
        let model = try reader.requiredString("model")
        guard !model.isEmpty else { throw reader.invalid("model", "must not be empty.") }
        guard let maxTokens = try reader.int("max_tokens", in: 1...Int(Int32.max)) else { throw reader.missing("max_tokens") }
        guard let messageReaders = try reader.objectArray("messages") else { throw reader.missing("messages") }
        guard !messageReaders.isEmpty else { throw reader.invalid("messages", "must contain at least one message.") }
        for field in reader.object.keys where !knownFields.contains(field) {
            throw GatewayError.invalidRequest("\(field): Extra inputs are not permitted", param: field, code: "INVALID_FIELD")
        }

        var messages: [ChatMessage] = []
        if let system = try systemText(reader) { messages.append(.system(system)) }
        for message in messageReaders { messages += try decodeMessage(message) }

        var request = ChatRequest(model: model, messages: messages)
        request.maxTokens = maxTokens
        request.stream = try reader.bool("stream") ?? false
        // The Anthropic stream ends with usage in `message_delta`: always ask for it.
        request.includeStreamUsage = request.stream
        request.temperature = try reader.double("temperature", in: 0...1)
        request.topP = try reader.double("top_p", in: 0...1)
        if let stops = try reader.array("stop_sequences") {
            request.stop = try stops.enumerated().map { i, value throws(GatewayError) in
                guard let text = value.stringValue else { throw reader.invalid("stop_sequences", "must be an array of strings (item \(i) is \(value.typeName)).") }
                return text
            }
        }
        if let tools = try reader.objectArray("tools") {
            request.tools = try tools.map { t throws(GatewayError) in
                guard let schema = try t.objectReader("input_schema") else { throw t.missing("input_schema") }
                return ToolDefinition(name: try t.requiredString("name"), description: try t.string("description"), parameters: .object(schema.object))
            }
        }
        if let choice = try reader.objectReader("tool_choice") {
            switch try choice.requiredString("type") {
            case "auto": request.toolChoice = .auto
            case "any": request.toolChoice = .required
            case "none": request.toolChoice = ToolChoice.none
            case "tool": request.toolChoice = .function(name: try choice.requiredString("name"))
            case let other: throw choice.invalid("type", "must be auto, any, tool or none; got '\(other)'.")
            }
            if try choice.bool("disable_parallel_tool_use") == true { request.parallelToolCalls = false }
        }
        if let metadata = try reader.objectReader("metadata") { request.user = try metadata.string("user_id") }
        return request
    }

    static func systemText(_ reader: JSONFieldReader) throws(GatewayError) -> String? {
        guard let value = reader.object["system"], !value.isNull else { return nil }
        if let text = value.stringValue { return text }
        guard let blocks = try reader.objectArray("system") else { return nil }
        return try blocks.map { b throws(GatewayError) in try b.requiredString("text") }.joined(separator: "\n\n")
    }

    /// One Anthropic message can become several unified ones: `tool_result` blocks in a user turn
    /// are OpenAI `role: tool` messages, which come first, followed by any remaining user content.
    static func decodeMessage(_ reader: JSONFieldReader) throws(GatewayError) -> [ChatMessage] {
        let roleName = try reader.requiredString("role")
        guard roleName == "user" || roleName == "assistant" else {
            throw reader.invalid("role", "must be 'user' or 'assistant'; got '\(roleName)'.")
        }
        let role: ChatRole = roleName == "user" ? .user : .assistant
        guard let content = reader.object["content"], !content.isNull else { throw reader.missing("content") }
        if let text = content.stringValue { return [ChatMessage(role: role, content: .text(text))] }
        guard let blocks = try reader.objectArray("content") else {
            throw reader.wrongType("content", expected: "a string or an array of content blocks", got: content)
        }
        var toolResults: [ChatMessage] = []
        var parts: [ContentPart] = []
        var toolCalls: [ToolCall] = []
        var thinking: String?
        // Signed thinking blocks travel in `extra["thinking_blocks"]`, the carrier the Anthropic
        // adapter reads: Anthropic refuses a tool loop whose thinking lost its signature.
        var signedThinking: [JSONValue] = []
        for block in blocks {
            let type = try block.requiredString("type")
            switch type {
            case "text":
                parts.append(.text(try block.requiredString("text")))
            case "image":
                guard let source = try block.objectReader("source") else { throw block.missing("source") }
                switch try source.requiredString("type") {
                case "base64":
                    parts.append(.imageURL(url: "data:\(try source.requiredString("media_type"));base64,\(try source.requiredString("data"))", detail: nil))
                case "url":
                    parts.append(.imageURL(url: try source.requiredString("url"), detail: nil))
                case let other:
                    throw source.invalid("type", "must be base64 or url; got '\(other)'.")
                }
            case "tool_use":
                guard role == .assistant else { throw block.invalid("type", "tool_use blocks belong to assistant messages.") }
                let input = block.object["input"] ?? .object(JSONObject())
                toolCalls.append(ToolCall(id: try block.requiredString("id"), name: try block.requiredString("name"), arguments: JSONWriter.string(input)))
            case "tool_result":
                guard role == .user else { throw block.invalid("type", "tool_result blocks belong to user messages.") }
                var message = ChatMessage(role: .tool, content: .text(try toolResultText(block)))
                message.toolCallID = try block.requiredString("tool_use_id")
                toolResults.append(message)
            case "thinking":
                let text = try block.string("thinking") ?? ""
                thinking = (thinking ?? "") + text
                if let signature = try block.string("signature"), !signature.isEmpty {
                    signedThinking.append(["type": "thinking", "thinking": .string(text), "signature": .string(signature)])
                }
            case "redacted_thinking":
                if let data = try block.string("data") { signedThinking.append(["type": "redacted_thinking", "data": .string(data)]) }
            default:
                throw block.invalid("type", "content block type '\(type)' is not supported by this gateway.")
            }
        }
        var out = toolResults
        if role == .assistant {
            var message = ChatMessage(role: .assistant, content: parts.isEmpty ? nil : .parts(parts))
            if parts.count == 1, case .text(let text) = parts[0] { message.content = .text(text) }
            message.toolCalls = toolCalls.isEmpty ? nil : toolCalls
            message.reasoningContent = thinking
            if !signedThinking.isEmpty { message.extra["thinking_blocks"] = .array(signedThinking) }
            out.append(message)
        } else if !parts.isEmpty {
            if parts.count == 1, case .text(let text) = parts[0] { out.append(.user(text)) } else { out.append(ChatMessage(role: .user, content: .parts(parts))) }
        }
        return out
    }

    /// A tool result's content: a string, or text blocks joined (images in results are dropped:
    /// OpenAI tool messages carry text only).
    static func toolResultText(_ block: JSONFieldReader) throws(GatewayError) -> String {
        guard let content = block.object["content"], !content.isNull else { return "" }
        if let text = content.stringValue { return text }
        guard let items = try block.objectArray("content") else { return "" }
        var texts: [String] = []
        for item in items where try item.string("type") == "text" {
            if let text = try item.string("text") { texts.append(text) }
        }
        return texts.joined(separator: "\n")
    }
}
