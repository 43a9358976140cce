import GatewyseCore
import GatewyseProviders

/// The Anthropic Messages API as the gateway serves it on `POST /v1/messages` (product-spec §2.5,
/// providers.md §2 and §4.1): requests are normalized to the unified model so they can be routed to
/// any provider; answers go back in Anthropic's shape.
public enum AnthropicInboundWire {}

extension AnthropicInboundWire {
    static let knownFields: Set<String> = [
        "model", "messages", "max_tokens", "system", "temperature", "top_p", "top_k", "stop_sequences", "stream",
        "tools", "tool_choice", "metadata", "thinking", "service_tier",
    ]

    /// Validates a Messages request and maps it to a `ChatRequest`. Errors name the field.
    public static func decodeRequest(_ body: JSONValue) throws(GatewayError) -> ChatRequest {
        let reader = try JSONFieldReader(body: body)
        let model = try reader.requiredString("model")
        guard !model.isEmpty else { throw reader.invalid("model", "must not be empty.") }
        guard let maxTokens = try reader.int("max_tokens", in: 1...Int(Int32.max)) else { throw reader.missing("max_tokens") }
        guard let messageReaders = try reader.objectArray("messages") else { throw reader.missing("messages") }
        guard !messageReaders.isEmpty else { throw reader.invalid("messages", "must contain at least one message.") }
        for field in reader.object.keys where !knownFields.contains(field) {
            throw GatewayError.invalidRequest("\(field): Extra inputs are not permitted", param: field, code: "INVALID_FIELD")
        }

        var messages = try systemMessages(reader)
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
            // Prompt-caching markers on tools, for an Anthropic upstream (`ExtraKey`).
            if let marks = try AnthropicMessagesWire.cacheControls(in: reader, "tools") {
                request.extra[AnthropicMessagesWire.ExtraKey.toolCacheControl] = marks
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

    /// `system` as unified system messages: one, with text blocks joined by a blank line; or,
    /// when a block carries a prompt-caching marker, one per block with its marker, so the marker
    /// stays with its text on the way to an Anthropic upstream (every adapter joins system
    /// messages with a blank line, so other upstreams read the same prompt).
    static func systemMessages(_ reader: JSONFieldReader) throws(GatewayError) -> [ChatMessage] {
        guard let value = reader.object["system"], !value.isNull else { return [] }
        if let text = value.stringValue { return [.system(text)] }
        guard let blocks = try reader.objectArray("system") else { return [] }
        let texts = try blocks.map { b throws(GatewayError) in try b.requiredString("text") }
        guard let marks = try AnthropicMessagesWire.cacheControls(in: reader, "system")?.arrayValue else { return [.system(texts.joined(separator: "\n\n"))] }
        return zip(texts, marks).map { text, mark in
            var message = ChatMessage.system(text)
            if case .object = mark { message.extra[AnthropicMessagesWire.ExtraKey.cacheControl] = mark }
            return message
        }
    }
}
