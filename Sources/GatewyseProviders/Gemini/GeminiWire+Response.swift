import GatewyseCore

// MARK: - A GenerateContentResponse → unified response (providers.md §4.2 "Response")

extension GeminiWire {
    /// What the parts of one candidate (or one stream fragment of it) amount to.
    struct CandidateParts {
        var text = ""
        var reasoning: String?
        var functionCalls: [(name: String, arguments: String, id: String?, signature: String?)] = []
    }

    static func readParts(_ candidate: JSONValue) -> CandidateParts {
        var out = CandidateParts()
        for part in candidate["content"]?["parts"]?.arrayValue ?? [] {
            if let call = part["functionCall"] {
                out.functionCalls.append((name: call["name"]?.stringValue ?? "",
                                          arguments: JSONWriter.string(call["args"] ?? .object(JSONObject())),
                                          id: call["id"]?.stringValue, signature: part["thoughtSignature"]?.stringValue))
            } else if let text = part["text"]?.stringValue {
                if part["thought"]?.boolValue == true { out.reasoning = (out.reasoning ?? "") + text } else { out.text += text }
            }
            // inlineData (image output), executableCode, codeExecutionResult: not modelled in chat.
        }
        return out
    }

    /// Reads a `GenerateContentResponse`. `created` comes from the caller (Gemini sends no
    /// timestamp).
    /// - one choice per candidate (its `index`); non-thought text joined → content (null when
    ///   only functions were called); `thought: true` text → `reasoning_content`;
    /// - `functionCall` parts → tool calls with Gemini's `id` or `call_<n>`, `arguments` = the
    ///   `args` written as JSON; their `thoughtSignature`s → `message.extra[thoughtSignaturesKey]`;
    /// - no candidates with `promptFeedback.blockReason` → one empty choice, `content_filter`,
    ///   the reason kept in `extra["gemini_block_reason"]`;
    /// - id = `responseId` (else `chatcmpl-gemini`), model = `modelVersion`.
    public static func decodeResponse(_ body: JSONValue, created: Int) throws(GatewayError) -> ChatResponse {
        guard body.objectValue != nil else { throw .badUpstreamResponse("gemini", "answer is not a JSON object") }
        var choices: [ChatChoice] = []
        for (position, candidate) in (body["candidates"]?.arrayValue ?? []).enumerated() {
            let parts = readParts(candidate)
            var message = ChatMessage(role: .assistant, content: nil)
            var calls: [ToolCall] = []
            var signatures = JSONObject()
            for (n, call) in parts.functionCalls.enumerated() {
                let id = call.id ?? synthesizedToolCallID(n)
                calls.append(ToolCall(id: id, name: call.name, arguments: call.arguments))
                if let signature = call.signature { signatures[id] = .string(signature) }
            }
            if !parts.text.isEmpty || calls.isEmpty { message.content = .text(parts.text) }
            message.toolCalls = calls.isEmpty ? nil : calls
            message.reasoningContent = parts.reasoning
            if !signatures.isEmpty { message.extra[thoughtSignaturesKey] = .object(signatures) }
            choices.append(ChatChoice(index: candidate["index"]?.intValue ?? position, message: message,
                                      finishReason: finishReason(candidate["finishReason"]?.stringValue, hasFunctionCalls: !calls.isEmpty)))
        }
        var response = ChatResponse(id: body["responseId"]?.stringValue ?? "chatcmpl-gemini", created: created,
                                    model: body["modelVersion"]?.stringValue ?? "", choices: choices, usage: usage(body["usageMetadata"]))
        if choices.isEmpty {
            let reason = body["promptFeedback"]?["blockReason"]?.stringValue
            guard let reason else { throw .badUpstreamResponse("gemini", "answer has neither candidates nor promptFeedback.blockReason") }
            response.choices = [ChatChoice(index: 0, message: ChatMessage(role: .assistant, content: .text("")), finishReason: .contentFilter)]
            response.extra["gemini_block_reason"] = .string(reason)
        }
        return response
    }
}
