import GatewyseCore

/// An assistant answer read block by block from a native format that has content blocks
/// (Anthropic Messages, Bedrock Converse), assembled into the unified message the same way:
/// text concatenated; tool calls; reasoning text with its signed blocks kept in
/// `extra["thinking_blocks"]` (they must go back unchanged in the next turn); and the input of
/// the gateway's JSON-mode tool, which becomes the content.
struct AssistantTurn {
    var text = ""
    var reasoning: String?
    var thinkingBlocks: [JSONValue] = []
    var toolCalls: [ToolCall] = []
    var structuredOutput: String?

    /// The gateway's structured-output tool (`structuredOutputToolName`) is the JSON answer; any
    /// other tool is a call.
    mutating func addToolUse(id: String, name: String, input: JSONValue?) {
        let arguments = JSONWriter.string(input ?? .object(JSONObject()))
        if name == AnthropicMessagesWire.structuredOutputToolName {
            structuredOutput = arguments
        } else {
            toolCalls.append(ToolCall(id: id, name: name, arguments: arguments))
        }
    }

    mutating func addThinking(_ thinking: String, signature: String) {
        reasoning = (reasoning ?? "") + thinking
        thinkingBlocks.append(["type": "thinking", "thinking": .string(thinking), "signature": .string(signature)])
    }

    mutating func addRedactedThinking(_ data: String) {
        thinkingBlocks.append(["type": "redacted_thinking", "data": .string(data)])
    }

    /// The message and finish reason. JSON mode: the tool's input is the content, and a
    /// `tool_calls` finish caused only by it is `stop`, as if the model had answered in JSON mode.
    /// Content is null when there is no text and tools were called.
    func message(finish: FinishReason?) -> (ChatMessage, FinishReason?) {
        var message = ChatMessage(role: .assistant, content: nil)
        var finish = finish
        if let structuredOutput {
            message.content = .text(structuredOutput)
            if finish == .toolCalls, toolCalls.isEmpty { finish = .stop }
        } else if !text.isEmpty || toolCalls.isEmpty {
            message.content = .text(text)
        }
        message.toolCalls = toolCalls.isEmpty ? nil : toolCalls
        message.reasoningContent = reasoning
        if !thinkingBlocks.isEmpty { message.extra["thinking_blocks"] = .array(thinkingBlocks) }
        return (message, finish)
    }
}
