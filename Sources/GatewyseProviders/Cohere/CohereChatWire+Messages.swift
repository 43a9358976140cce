import GatewyseCore

// MARK: - Messages (providers.md §7 "Messages", §4.3 "Request")

extension CohereChatWire {
    /// OpenAI messages as Cohere v2 messages, which keep nearly the same shape:
    /// - `system` and `developer` → `system` (text only);
    /// - `user` → `user`: a string stays a string; parts become `{type: text}` and
    ///   `{type: image_url, image_url: {url, detail?}}` (vision models read them);
    /// - `assistant` → `assistant` with `tool_calls` in OpenAI's shape (arguments stay a JSON
    ///   string) and its text; a `reasoning_content` goes back as a `{type: thinking}` item
    ///   before the text, the form Cohere's reasoning models return it in;
    /// - `tool` → `{role: tool, tool_call_id, content}`.
    /// `name` has no Cohere field and is dropped. Tool-call ids are not checked here: Cohere
    /// refuses an unknown one itself ("tool call id not found in previous tool calls").
    static func encodeMessages(_ messages: [ChatMessage]) throws(GatewayError) -> [JSONValue] {
        var out: [JSONValue] = []
        out.reserveCapacity(messages.count)
        for (i, message) in messages.enumerated() {
            let path = "messages[\(i)]"
            var entry = JSONObject()
            switch message.role {
            case .system, .developer:
                entry.appendUnique("role", "system")
                entry.appendUnique("content", .string(message.content?.plainText ?? ""))
            case .user:
                entry.appendUnique("role", "user")
                entry.appendUnique("content", try userContent(message.content, path: "\(path).content"))
            case .assistant:
                entry.appendUnique("role", "assistant")
                let calls = message.toolCalls ?? []
                if let content = assistantContent(message) {
                    entry.appendUnique("content", content)
                } else if calls.isEmpty {
                    entry.appendUnique("content", "")
                }
                if !calls.isEmpty { entry.appendUnique("tool_calls", .array(calls.map(encodeToolCall))) }
            case .tool:
                entry.appendUnique("role", "tool")
                entry.appendUnique("tool_call_id", .string(message.toolCallID ?? ""))
                entry.appendUnique("content", toolContent(message.content))
            }
            out.append(.object(entry))
        }
        return out
    }

    static func encodeToolCall(_ call: ToolCall) -> JSONValue {
        ["id": .string(call.id), "type": "function", "function": ["name": .string(call.name), "arguments": .string(call.arguments)]]
    }

    static func userContent(_ content: MessageContent?, path: String) throws(GatewayError) -> JSONValue {
        switch content {
        case nil: return ""
        case .text(let text)?: return .string(text)
        case .parts(let parts)?:
            var items: [JSONValue] = []
            for (j, part) in parts.enumerated() {
                switch part {
                case .text(let text):
                    items.append(["type": "text", "text": .string(text)])
                case .imageURL(let url, let detail):
                    var image = JSONObject()
                    image.appendUnique("url", .string(url))
                    if let detail { image.appendUnique("detail", .string(detail)) }
                    items.append(["type": "image_url", "image_url": .object(image)])
                case .inputAudio, .other:
                    throw .unsupportedCapability("Cohere accepts only text and image_url content parts ('\(path)[\(j)]').", param: "\(path)[\(j)]")
                }
            }
            return .array(items)
        }
    }

    /// A plain string when there is only text; a list when reasoning goes back with it; nil
    /// when the message has neither (an assistant turn that only called tools).
    static func assistantContent(_ message: ChatMessage) -> JSONValue? {
        let text = message.content?.plainText ?? ""
        guard let reasoning = message.reasoningContent, !reasoning.isEmpty else {
            return text.isEmpty ? nil : .string(text)
        }
        var items: [JSONValue] = [["type": "thinking", "thinking": .string(reasoning)]]
        if !text.isEmpty { items.append(["type": "text", "text": .string(text)]) }
        return .array(items)
    }

    /// A tool result is text for Cohere (its document form is for citation-aware RAG, which
    /// OpenAI clients do not send); text parts are joined.
    static func toolContent(_ content: MessageContent?) -> JSONValue {
        .string(content?.plainText ?? "")
    }
}
