import GatewyseCore

// MARK: - A chat response → unified response (providers.md §7 "Response", §4.3 "Response")

extension CohereChatWire {
    /// Reads a non-streamed `/v2/chat` answer `{id, finish_reason, message, usage, logprobs?}`.
    /// - `text` content items joined → content (null when the model only called tools);
    ///   `thinking` items joined → `reasoning_content`;
    /// - `tool_calls` pass through (arguments are already a JSON string; an object is written
    ///   as one);
    /// - `tool_plan` and `citations` are dropped: OpenAI has no place for them, and the stream
    ///   decoder drops them too, so both forms of an answer agree;
    /// - `finish_reason` mapped by `finishReason`; `ERROR` / `TIMEOUT` throw a 502;
    /// - Cohere names neither the model nor a time: `model` is left empty and `created` comes
    ///   from the caller.
    public static func decodeResponse(_ body: JSONValue, providerID: String, created: Int) throws(GatewayError) -> ChatResponse {
        guard body.objectValue != nil, let message = body["message"], message.objectValue != nil else {
            throw .badUpstreamResponse(providerID, "answer has no 'message' object")
        }
        let reason = body["finish_reason"]?.stringValue
        if reason == "ERROR" || reason == "TIMEOUT" {
            throw generationFailure(providerID: providerID, reason: reason, detail: nil)
        }
        var text = ""
        var reasoning: String?
        for item in message["content"]?.arrayValue ?? [] {
            switch item["type"]?.stringValue {
            case "text": text += item["text"]?.stringValue ?? ""
            case "thinking": reasoning = (reasoning ?? "") + (item["thinking"]?.stringValue ?? "")
            default: continue
            }
        }
        let calls = (message["tool_calls"]?.arrayValue ?? []).map(decodeToolCall)
        var out = ChatMessage(role: .assistant, content: nil)
        if !text.isEmpty || calls.isEmpty { out.content = .text(text) }
        out.toolCalls = calls.isEmpty ? nil : calls
        out.reasoningContent = reasoning
        let choice = ChatChoice(index: 0, message: out, finishReason: finishReason(reason),
                                logprobs: body["logprobs"]?.arrayValue.flatMap(logprobs))
        return ChatResponse(id: body["id"]?.stringValue ?? "chatcmpl-cohere", created: created, model: "",
                            choices: [choice], usage: usage(body["usage"]))
    }

    static func decodeToolCall(_ call: JSONValue) -> ToolCall {
        let arguments = call["function"]?["arguments"]
        return ToolCall(id: call["id"]?.stringValue ?? "", name: call["function"]?["name"]?.stringValue ?? "",
                        arguments: arguments?.stringValue ?? arguments.map(JSONWriter.string) ?? "{}")
    }
}
