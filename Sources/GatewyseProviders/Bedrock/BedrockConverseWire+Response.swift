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
        var turn = AssistantTurn()
        for block in blocks {
            let object = block.object
            if let piece = object["text"]?.stringValue {
                turn.text += piece
            } else if let toolUse = object["toolUse"] {
                turn.addToolUse(id: toolUse["toolUseId"]?.stringValue ?? "", name: toolUse["name"]?.stringValue ?? "", input: toolUse["input"])
            } else if let content = object["reasoningContent"] {
                if let reasoningText = content["reasoningText"] {
                    turn.addThinking(reasoningText["text"]?.stringValue ?? "", signature: reasoningText["signature"]?.stringValue ?? "")
                } else if let redacted = content["redactedContent"]?.stringValue {
                    turn.addRedactedThinking(redacted)
                }
            }
        }
        let (chatMessage, finish) = turn.message(finish: finishReason(try reader.string("stopReason")))
        return ChatResponse(id: id, created: created, model: model,
                            choices: [ChatChoice(index: 0, message: chatMessage, finishReason: finish)],
                            usage: usage(body["usage"]))
    }
}
