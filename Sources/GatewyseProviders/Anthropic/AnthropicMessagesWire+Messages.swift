import GatewyseCore

// MARK: - System prompt and turns (providers.md §4.1 "System", "Roles/alternation",
// "Assistant tool calls", "Tool results")

extension AnthropicMessagesWire {
    struct Conversation {
        /// A string, or text blocks when a system message carries a prompt-caching marker.
        var system: JSONValue?
        var messages: [JSONValue]
    }

    /// One Anthropic message being assembled. A user turn keeps its `tool_result` blocks apart so
    /// they come first, as Anthropic demands ("Messages following `tool_use` blocks must begin
    /// with a matching number of `tool_result` blocks").
    struct Turn {
        var role: String
        var toolResults: [JSONValue] = []
        var blocks: [JSONValue] = []

        var content: [JSONValue] { toolResults + blocks }
    }

    /// Splits system prompts off and folds the OpenAI message list into alternating user /
    /// assistant turns:
    /// - every `system` / `developer` message, wherever it is, joins the top-level `system`
    ///   (texts separated by a blank line; non-text parts are dropped, Anthropic's system is text;
    ///   text blocks instead when a prompt-caching marker must be kept, `encodeSystem`);
    /// - `role: tool` messages become `tool_result` blocks in a user turn, so the results of one
    ///   assistant turn land in ONE user message, ahead of any user text that follows;
    /// - prompt-caching markers go on the blocks their parts or messages become (`ExtraKey`);
    /// - consecutive messages of one role merge into one turn;
    /// - a conversation that does not open with a user turn gets a placeholder one.
    static func encodeConversation(_ messages: [ChatMessage]) throws(GatewayError) -> Conversation {
        var system: [ChatMessage] = []
        var turns: [Turn] = []
        func append(_ role: String, toolResult: JSONValue? = nil, blocks: [JSONValue] = []) {
            guard toolResult != nil || !blocks.isEmpty else { return }
            if turns.last?.role != role { turns.append(Turn(role: role)) }
            if let toolResult { turns[turns.count - 1].toolResults.append(toolResult) }
            turns[turns.count - 1].blocks += blocks
        }
        for (i, message) in messages.enumerated() {
            let path = "messages[\(i)]"
            switch message.role {
            case .system, .developer:
                system.append(message)
            case .user:
                var blocks = try contentBlocks(message, path: "\(path).content")
                markLast(&blocks, with: messageCacheControl(message))
                append("user", blocks: blocks)
            case .tool:
                append("user", toolResult: try toolResultBlock(message, path: path))
            case .assistant:
                append("assistant", blocks: try assistantBlocks(message, path: path))
            }
        }
        if turns.first?.role != "user" {
            turns.insert(Turn(role: "user", blocks: [textBlock(conversationStartPlaceholder)]), at: 0)
        }
        return Conversation(system: encodeSystem(system), messages: turns.map(encodeTurn))
    }

    /// A turn holding one plain text block is sent as a string, the common short form.
    static func encodeTurn(_ turn: Turn) -> JSONValue {
        let content = turn.content
        if content.count == 1, content[0]["type"] == "text", content[0].objectValue?.count == 2, let text = content[0]["text"] {
            return ["role": .string(turn.role), "content": text]
        }
        return ["role": .string(turn.role), "content": .array(content)]
    }

    static func textBlock(_ text: String) -> JSONValue { ["type": "text", "text": .string(text)] }

    /// The blocks of one assistant message, in the order Anthropic expects: thinking, then text,
    /// then `tool_use` (providers.md §4.1: tool_use "placed after any text block"). A
    /// message-level caching marker goes on the last of them.
    static func assistantBlocks(_ message: ChatMessage, path: String) throws(GatewayError) -> [JSONValue] {
        var blocks = thinkingBlocks(message)
        blocks += try contentBlocks(message, path: "\(path).content")
        for (j, call) in (message.toolCalls ?? []).enumerated() {
            let input = try ToolArguments.object(call.arguments, path: "\(path).tool_calls[\(j)].function.arguments", provider: "Anthropic")
            blocks.append(["type": "tool_use", "id": .string(toolUseID(call.id)), "name": .string(call.name), "input": input])
        }
        markLast(&blocks, with: messageCacheControl(message))
        return blocks
    }

    /// Thinking blocks from an earlier assistant turn must go back unchanged, signature included,
    /// when a tool loop continues (providers.md §4.1 "Reasoning"). The unified message carries
    /// them in `extra["thinking_blocks"]` (LiteLLM's field name, which this adapter's responses
    /// also fill). A bare `reasoning_content` has no signature, and Anthropic refuses an
    /// unsigned thinking block, so it is not sent.
    static func thinkingBlocks(_ message: ChatMessage) -> [JSONValue] {
        guard let blocks = message.extra["thinking_blocks"]?.arrayValue else { return [] }
        return blocks.compactMap { block in
            switch block["type"]?.stringValue {
            case "thinking":
                guard let thinking = block["thinking"]?.stringValue, let signature = block["signature"]?.stringValue else { return nil }
                return ["type": "thinking", "thinking": .string(thinking), "signature": .string(signature)]
            case "redacted_thinking":
                guard let data = block["data"]?.stringValue else { return nil }
                return ["type": "redacted_thinking", "data": .string(data)]
            default:
                return nil
            }
        }
    }

    /// `{type: tool_result, tool_use_id, content, is_error?, cache_control?}`: text stays a
    /// string; parts become text and image blocks (Anthropic tool results may carry images). An
    /// empty result has no content. `is_error` only when an Anthropic client set it
    /// (`ExtraKey.isError`); a message-level caching marker is the block's own.
    static func toolResultBlock(_ message: ChatMessage, path: String) throws(GatewayError) -> JSONValue {
        var block = JSONObject()
        block.appendUnique("type", "tool_result")
        block.appendUnique("tool_use_id", .string(toolUseID(message.toolCallID ?? "")))
        switch message.content {
        case .text(let text)?:
            if !isBlank(text) { block.appendUnique("content", .string(text)) }
        case .parts?:
            let blocks = try contentBlocks(message, path: "\(path).content")
            if !blocks.isEmpty { block.appendUnique("content", .array(blocks)) }
        case nil:
            break
        }
        if message.extra[ExtraKey.isError]?.boolValue == true { block.appendUnique("is_error", true) }
        if let mark = messageCacheControl(message) { block.appendUnique("cache_control", mark) }
        return .object(block)
    }
}
