import GatewyseCore
import GatewyseProviders

// MARK: - Messages and content blocks (providers.md §2 "Content blocks")

extension AnthropicInboundWire {
    /// One Anthropic message can become several unified ones: `tool_result` blocks in a user turn
    /// are OpenAI `role: tool` messages, which come first, followed by any remaining user content.
    ///
    /// Block fields OpenAI has no place for ride in the message's `extra`
    /// (`AnthropicMessagesWire.ExtraKey`), for an Anthropic upstream: `cache_control` of text,
    /// image and document blocks per content part; of a `tool_use` block on the assistant message
    /// (its tool calls come last, so the marker ends the same cached prefix when it is on the last
    /// one, and a slightly longer one otherwise); of a `tool_result` on its tool message, with its
    /// `is_error`.
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
        // Aligned with `parts` once a block carries a marker; nil (no array) otherwise.
        var partMarks: [JSONValue]?
        var toolUseMark: JSONValue?
        var toolCalls: [ToolCall] = []
        var thinking: String?
        // Signed thinking blocks travel in `extra["thinking_blocks"]`, the carrier the Anthropic
        // adapter reads: Anthropic refuses a tool loop whose thinking lost its signature.
        var signedThinking: [JSONValue] = []
        func add(_ part: ContentPart, _ mark: JSONValue?) {
            if mark != nil, partMarks == nil { partMarks = Array(repeating: .null, count: parts.count) }
            parts.append(part)
            partMarks?.append(mark ?? .null)
        }
        for block in blocks {
            let type = try block.requiredString("type")
            let mark = try block.objectReader("cache_control").map { JSONValue.object($0.object) }
            switch type {
            case "text":
                add(.text(try block.requiredString("text")), mark)
            case "image":
                add(try imagePart(block), mark)
            case "document":
                add(try documentPart(block), mark)
            case "tool_use":
                guard role == .assistant else { throw block.invalid("type", "tool_use blocks belong to assistant messages.") }
                let input = block.object["input"] ?? .object(JSONObject())
                toolCalls.append(ToolCall(id: try block.requiredString("id"), name: try block.requiredString("name"), arguments: JSONWriter.string(input)))
                if let mark { toolUseMark = mark }
            case "tool_result":
                guard role == .user else { throw block.invalid("type", "tool_result blocks belong to user messages.") }
                toolResults.append(try toolResult(block, mark: mark))
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
        guard role == .assistant || !parts.isEmpty else { return out }
        var message = ChatMessage(role: role, content: parts.isEmpty ? nil : .parts(parts))
        // A lone unmarked text is sent as a plain string, the common short form.
        if parts.count == 1, partMarks == nil, case .text(let text) = parts[0] { message.content = .text(text) }
        if let partMarks { message.extra[AnthropicMessagesWire.ExtraKey.partCacheControl] = .array(partMarks) }
        if role == .assistant {
            message.toolCalls = toolCalls.isEmpty ? nil : toolCalls
            message.reasoningContent = thinking
            if !signedThinking.isEmpty { message.extra["thinking_blocks"] = .array(signedThinking) }
            if let toolUseMark { message.extra[AnthropicMessagesWire.ExtraKey.cacheControl] = toolUseMark }
        }
        out.append(message)
        return out
    }

    static func imagePart(_ block: JSONFieldReader) throws(GatewayError) -> ContentPart {
        guard let source = try block.objectReader("source") else { throw block.missing("source") }
        switch try source.requiredString("type") {
        case "base64":
            return .imageURL(url: "data:\(try source.requiredString("media_type"));base64,\(try source.requiredString("data"))", detail: nil)
        case "url":
            return .imageURL(url: try source.requiredString("url"), detail: nil)
        case let other:
            throw source.invalid("type", "must be base64 or url; got '\(other)'.")
        }
    }

    /// A `document` block as OpenAI content: a base64 PDF becomes the `file` part with
    /// `file_data` (which the Anthropic adapter turns back into a document block, and which
    /// OpenAI-format upstreams read); a plain-text source becomes its text. `title`, `context`
    /// and `citations` have no OpenAI counterpart and are not kept. URL, content-block and
    /// Files-API sources are refused: the gateway would have to fetch or look them up.
    static func documentPart(_ block: JSONFieldReader) throws(GatewayError) -> ContentPart {
        guard let source = try block.objectReader("source") else { throw block.missing("source") }
        let sourceType = try source.requiredString("type")
        switch sourceType {
        case "base64":
            let mediaType = try source.requiredString("media_type")
            guard mediaType == "application/pdf" else {
                throw source.invalid("media_type", "must be 'application/pdf' for a base64 document; got '\(mediaType)'.")
            }
            let data = try source.requiredString("data")
            guard !data.isEmpty else { throw source.invalid("data", "must not be empty.") }
            // OpenAI asks for a file name with `file_data`; Anthropic documents have none.
            return .other(JSONObject([("type", "file"),
                                      ("file", ["filename": "document.pdf", "file_data": .string("data:application/pdf;base64,\(data)")])]))
        case "text":
            let mediaType = try source.string("media_type") ?? "text/plain"
            guard mediaType == "text/plain" else {
                throw source.invalid("media_type", "must be 'text/plain' for a text document; got '\(mediaType)'.")
            }
            return .text(try source.requiredString("data"))
        case "url", "content", "file":
            throw source.invalid("type", "document sources of type '\(sourceType)' are not supported by this gateway; send a base64 PDF or a text source.")
        case let other:
            throw source.invalid("type", "must be base64 or text; got '\(other)'.")
        }
    }

    /// A `tool_result` block as a `role: tool` message; its `is_error` and `cache_control` ride
    /// in `extra`. A marker on a text block inside its content ends where the result ends, so it
    /// is kept as the result's own when the result has none.
    static func toolResult(_ block: JSONFieldReader, mark: JSONValue?) throws(GatewayError) -> ChatMessage {
        let (text, innerMark) = try toolResultText(block)
        var message = ChatMessage(role: .tool, content: .text(text))
        message.toolCallID = try block.requiredString("tool_use_id")
        if try block.bool("is_error") == true { message.extra[AnthropicMessagesWire.ExtraKey.isError] = true }
        if let mark = mark ?? innerMark { message.extra[AnthropicMessagesWire.ExtraKey.cacheControl] = mark }
        return message
    }

    /// A tool result's content: a string, or text blocks joined (images in results are dropped:
    /// OpenAI tool messages carry text only), with the last marker found on those blocks.
    static func toolResultText(_ block: JSONFieldReader) throws(GatewayError) -> (String, JSONValue?) {
        guard let content = block.object["content"], !content.isNull else { return ("", nil) }
        if let text = content.stringValue { return (text, nil) }
        guard let items = try block.objectArray("content") else { return ("", nil) }
        var texts: [String] = []
        var mark: JSONValue?
        for item in items {
            if let inner = try item.objectReader("cache_control") { mark = .object(inner.object) }
            if try item.string("type") == "text", let text = try item.string("text") { texts.append(text) }
        }
        return (texts.joined(separator: "\n"), mark)
    }
}
