import GatewyseCore

// MARK: - A Messages answer → unified response (providers.md §4.1 "Response")

extension AnthropicMessagesWire {
    /// Reads a `{"type":"message"}` answer. `created` is supplied by the caller: Anthropic sends
    /// no timestamp.
    ///
    /// - `text` blocks are concatenated into the content (null when there is none and tools
    ///   were called);
    /// - `tool_use` blocks become tool calls with the id kept and `input` written as the
    ///   arguments string; the gateway's own structured-output tool becomes the content instead,
    ///   with finish reason `stop`, as if the model had answered in JSON mode;
    /// - `thinking` text becomes `reasoning_content`; the signed blocks themselves are kept in
    ///   `extra["thinking_blocks"]` so a client can send them back in the next turn;
    /// - server-tool blocks (`server_tool_use`, `web_search_tool_result`, …) are not modelled
    ///   and are skipped.
    public static func decodeResponse(_ body: JSONValue, created: Int) throws(GatewayError) -> ChatResponse {
        let reader = try JSONFieldReader(body: body)
        guard let blocks = try reader.objectArray("content") else { throw reader.missing("content") }
        var turn = AssistantTurn()
        for block in blocks {
            switch try block.string("type") {
            case "text":
                turn.text += try block.string("text") ?? ""
            case "thinking":
                turn.addThinking(try block.string("thinking") ?? "", signature: try block.string("signature") ?? "")
            case "redacted_thinking":
                turn.addRedactedThinking(try block.string("data") ?? "")
            case "tool_use":
                let name = try block.requiredString("name")
                turn.addToolUse(id: name == structuredOutputToolName ? "" : try block.requiredString("id"), name: name, input: block.object["input"])
            default:
                continue
            }
        }
        let (message, finish) = turn.message(finish: finishReason(try reader.string("stop_reason")))

        return ChatResponse(
            id: try reader.string("id") ?? "", created: created, model: try reader.string("model") ?? "",
            choices: [ChatChoice(index: 0, message: message, finishReason: finish)],
            usage: try decodeUsage(reader.objectReader("usage")))
    }

    /// `usage` of a message, a `message_start` or a `message_delta` (where fields are cumulative
    /// and may be partial; absent ones read as zero).
    static func decodeUsage(_ reader: JSONFieldReader?) throws(GatewayError) -> Usage? {
        guard let reader else { return nil }
        return usage(inputTokens: try reader.count("input_tokens") ?? 0, outputTokens: try reader.count("output_tokens") ?? 0,
                     cacheReadTokens: try reader.count("cache_read_input_tokens"),
                     cacheCreationTokens: try reader.count("cache_creation_input_tokens"))
    }
}
