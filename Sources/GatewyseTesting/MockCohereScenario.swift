import GatewyseCore

/// What `MockCohereUpstream` does, chosen by the request's `model`: `error-429` (a trial key's
/// rate limit), `error-500`, `error-400`, `error-402` (on every endpoint); `cohere-tool` calls the request's first
/// tool with `{"city":"Paris"}` (so does any request with `tool_choice: REQUIRED`),
/// `cohere-parallel-tools` calls the first two; `cohere-thinking` answers with a thinking block
/// before the text; `cohere-stream-error` ends with `finish_reason: ERROR` and `delta.error`;
/// anything else echoes.
enum MockCohereScenario {
    case error(status: Int, message: String)
    /// Content items (`text` / `thinking`), tool calls and the finish reason.
    case reply(content: [JSONValue], toolPlan: String?, toolCalls: [JSONValue], finishReason: String, error: String?)

    /// The error models, shared by `/v2/chat`, `/v2/embed` and `/v2/rerank`.
    static func failure(model: String) -> (status: Int, message: String)? {
        switch model {
        case "error-429":
            (429, "You are using a Trial key, which is limited to 20 API calls / minute. You can continue to use the Trial key for free or upgrade to a Production key with higher rate limits at 'https://dashboard.cohere.com/api-keys'.")
        case "error-500": (500, "internal server error, this has been reported to our developers")
        case "error-400": (400, "invalid request: mock rejected the request")
        case "error-402": (402, "Please add or update your payment method at https://dashboard.cohere.com/billing")
        default: nil
        }
    }

    static func forRequest(_ body: JSONObject) -> MockCohereScenario {
        let model = body["model"]?.stringValue ?? ""
        if let failure = failure(model: model) { return .error(status: failure.status, message: failure.message) }
        switch model {
        case "cohere-stream-error":
            return .reply(content: [["type": "text", "text": "Partial "]], toolPlan: nil, toolCalls: [], finishReason: "ERROR",
                          error: "internal error while generating")
        default: break
        }
        let tools = (body["tools"]?.arrayValue ?? []).compactMap { $0["function"]?["name"]?.stringValue }
        if model == "cohere-tool" || model == "cohere-parallel-tools" || (body["tool_choice"] == "REQUIRED" && !tools.isEmpty) {
            var names = [tools.first ?? "get_weather"]
            if model == "cohere-parallel-tools" { names.append(tools.count > 1 ? tools[1] : names[0]) }
            let cities = ["Paris", "London"]
            let calls: [JSONValue] = names.enumerated().map { i, name in
                ["id": .string("\(name)_mock\(i)"), "type": "function",
                 "function": ["name": .string(name), "arguments": .string("{\"city\": \"\(cities[i])\"}")]]
            }
            return .reply(content: [], toolPlan: "I will look up the weather.", toolCalls: calls, finishReason: "TOOL_CALL", error: nil)
        }
        var content: [JSONValue] = [["type": "text", "text": .string(echoText(body))]]
        if model == "cohere-thinking" { content.insert(["type": "thinking", "thinking": "The user greets me; answer briefly."], at: 0) }
        return .reply(content: content, toolPlan: nil, toolCalls: [], finishReason: "COMPLETE", error: nil)
    }

    /// "You said: <last user text>", "I see N image(s)", or "The tool said: <result>" when the
    /// conversation ends with tool results.
    static func echoText(_ body: JSONObject) -> String {
        let messages = body["messages"]?.arrayValue ?? []
        if let last = messages.last, last["role"] == "tool" {
            let content = last["content"]
            return "The tool said: " + (content?.stringValue ?? (content?.arrayValue ?? []).compactMap { $0["text"]?.stringValue }.joined())
        }
        guard let user = messages.last(where: { $0["role"] == "user" }) else { return "You said: " }
        if let text = user["content"]?.stringValue { return "You said: \(text)" }
        let items = user["content"]?.arrayValue ?? []
        let images = items.filter { $0["type"] == "image_url" }.count
        if images > 0 { return "I see \(images) image(s)" }
        return "You said: " + items.compactMap { $0["text"]?.stringValue }.joined()
    }
}

/// The mock's answers in Cohere's shapes (providers.md §7 "Response", "Streaming").
enum MockCohereResponses {
    static let responseID = "c14c80c3-18eb-4519-9460-6c92edd8cfb4"

    /// `tokens` are what the model saw (the prompt template included), `billed_units` what is
    /// charged: smaller, as on the real API.
    static let usage: JSONValue = ["billed_units": ["input_tokens": 6, "output_tokens": 5], "tokens": ["input_tokens": 10, "output_tokens": 5]]

    static func response(content: [JSONValue], toolPlan: String?, toolCalls: [JSONValue], finishReason: String) -> JSONValue {
        var message = JSONObject([("role", "assistant")])
        if let toolPlan { message["tool_plan"] = .string(toolPlan) }
        if !toolCalls.isEmpty { message["tool_calls"] = .array(toolCalls) }
        if !content.isEmpty { message["content"] = .array(content) }
        return ["id": .string(responseID), "message": .object(message), "finish_reason": .string(finishReason), "usage": usage]
    }

    /// The documented event order: `message-start`; per content block `content-start`, its
    /// `content-delta`s (word pieces), `content-end`; `tool-plan-delta`s; per tool call
    /// `tool-call-start`, argument `tool-call-delta`s, `tool-call-end`; `message-end`.
    static func streamEvents(content: [JSONValue], toolPlan: String?, toolCalls: [JSONValue], finishReason: String, error: String?) -> [JSONValue] {
        var events: [JSONValue] = [["id": .string(responseID), "type": "message-start",
                                    "delta": ["message": ["role": "assistant", "content": [], "tool_plan": "", "tool_calls": [], "citations": []]]]]
        for (index, block) in content.enumerated() {
            let kind = block["type"]?.stringValue ?? "text"
            let text = block[kind]?.stringValue ?? ""
            events.append(["type": "content-start", "index": .int(index), "delta": ["message": ["content": ["type": .string(kind), kind: ""]]]])
            for piece in MockResponses.pieces(text) {
                events.append(["type": "content-delta", "index": .int(index), "delta": ["message": ["content": [kind: .string(piece)]]]])
            }
            events.append(["type": "content-end", "index": .int(index)])
        }
        if let toolPlan {
            for piece in MockResponses.pieces(toolPlan) { events.append(["type": "tool-plan-delta", "delta": ["message": ["tool_plan": .string(piece)]]]) }
        }
        for (index, call) in toolCalls.enumerated() {
            events.append(["type": "tool-call-start", "index": .int(index), "delta": ["message": ["tool_calls": [
                "id": call["id"] ?? "", "type": "function", "function": ["name": call["function"]?["name"] ?? "", "arguments": ""]]]]])
            for fragment in fragments(call["function"]?["arguments"]?.stringValue ?? "") {
                events.append(["type": "tool-call-delta", "index": .int(index), "delta": ["message": ["tool_calls": ["function": ["arguments": .string(fragment)]]]]])
            }
            events.append(["type": "tool-call-end", "index": .int(index)])
        }
        var end = JSONObject([("finish_reason", .string(finishReason))])
        if let error { end["error"] = .string(error) }
        end["usage"] = usage
        events.append(["type": "message-end", "delta": .object(end)])
        return events
    }

    /// Arguments in 4-character fragments, as the model streams them.
    static func fragments(_ text: String) -> [String] {
        var out: [String] = []
        var rest = Substring(text)
        while !rest.isEmpty {
            out.append(String(rest.prefix(4)))
            rest = rest.dropFirst(4)
        }
        return out
    }
}
