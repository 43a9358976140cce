import GatewyseCore

// MARK: - A Converse answer → unified response

extension BedrockConverseWire {
    /// Reads `{output:{message:{role, content:[…]}}, stopReason, usage, metrics}`. Converse
    /// sends neither an id, a timestamp nor the model, so the caller supplies them (the id from
    /// the `x-amzn-requestid` header).
    ///
    /// - `text` blocks are concatenated (content is null when there is none and tools were called);
    /// - `toolUse` → tool calls, `input` written as the arguments string; the structured-output
    ///   tool becomes the content with finish reason `stop`, as if the model had answered in JSON mode;
    /// - `reasoningContent` → `reasoning_content`, and the signed blocks go to
    ///   `extra["thinking_blocks"]` for the next turn.
    public static func decodeResponse(_ body: JSONValue, id: String, created: Int, model: String) throws(GatewayError) -> ChatResponse {
        let reader = try JSONFieldReader(body: body)
        guard let output = try reader.objectReader("output") else { throw reader.missing("output") }
        guard let message = try output.objectReader("message") else { throw output.missing("message") }
        guard let blocks = try message.objectArray("content") else { throw message.missing("content") }
        var text = ""
        var reasoning: String?
        var thinkingBlocks: [JSONValue] = []
        var toolCalls: [ToolCall] = []
        var structuredOutput: String?
        for block in blocks {
            let object = block.object
            if let piece = object["text"]?.stringValue {
                text += piece
            } else if let toolUse = object["toolUse"] {
                let name = toolUse["name"]?.stringValue ?? ""
                let arguments = JSONWriter.string(toolUse["input"] ?? .object(JSONObject()))
                if name == structuredOutputToolName {
                    structuredOutput = arguments
                } else {
                    toolCalls.append(ToolCall(id: toolUse["toolUseId"]?.stringValue ?? "", name: name, arguments: arguments))
                }
            } else if let content = object["reasoningContent"] {
                if let reasoningText = content["reasoningText"] {
                    let thinking = reasoningText["text"]?.stringValue ?? ""
                    reasoning = (reasoning ?? "") + thinking
                    thinkingBlocks.append(["type": "thinking", "thinking": .string(thinking),
                                           "signature": .string(reasoningText["signature"]?.stringValue ?? "")])
                } else if let redacted = content["redactedContent"]?.stringValue {
                    thinkingBlocks.append(["type": "redacted_thinking", "data": .string(redacted)])
                }
            }
        }
        var chatMessage = ChatMessage(role: .assistant, content: nil)
        var finish = finishReason(try reader.string("stopReason"))
        if let structuredOutput {
            chatMessage.content = .text(structuredOutput)
            if finish == .toolCalls, toolCalls.isEmpty { finish = .stop }
        } else if !text.isEmpty || toolCalls.isEmpty {
            chatMessage.content = .text(text)
        }
        chatMessage.toolCalls = toolCalls.isEmpty ? nil : toolCalls
        chatMessage.reasoningContent = reasoning
        if !thinkingBlocks.isEmpty { chatMessage.extra["thinking_blocks"] = .array(thinkingBlocks) }
        return ChatResponse(id: id, created: created, model: model,
                            choices: [ChatChoice(index: 0, message: chatMessage, finishReason: finish)],
                            usage: usage(body["usage"]))
    }
}
