import GatewyseCore

/// What `MockAnthropicUpstream` does, chosen by the request's `model` (and, like the real API,
/// by a `tool_choice` that forces a tool).
enum MockAnthropicScenario {
    /// An HTTP error with Anthropic's error body.
    case error(status: Int, headers: [(String, String)], type: String, message: String)
    /// A normal answer (JSON, or a stream when `stream: true`).
    case reply(MockAnthropicReply)
    /// A 200 stream that fails with an `error` event after some text.
    case failingStream

    static func forRequest(model: String, body: JSONObject) -> MockAnthropicScenario {
        switch model {
        case "error-429":
            return .error(status: 429, headers: rateLimitHeaders(), type: "rate_limit_error",
                          message: "Number of request tokens has exceeded your per-minute rate limit")
        case "error-529": return .error(status: 529, headers: [], type: "overloaded_error", message: "Overloaded")
        case "error-500": return .error(status: 500, headers: [], type: "api_error", message: "Internal server error")
        case "error-400": return .error(status: 400, headers: [], type: "invalid_request_error", message: "mock rejected the request")
        case "error-401": return .error(status: 401, headers: [], type: "authentication_error", message: "invalid x-api-key")
        case "error-stream": return .failingStream
        default: break
        }
        let choice = body["tool_choice"]?["type"]?.stringValue
        let forced = choice == "any" || choice == "tool"
        if forced || model == "claude-tool" || model == "claude-parallel-tools" {
            return .reply(toolReply(body, forced: forced, parallel: model == "claude-parallel-tools"))
        }
        var reply = MockAnthropicReply(blocks: [.text(echoText(body))], stopReason: "end_turn")
        if model == "claude-thinking" {
            reply.blocks.insert(.thinking("The user greets me; answer briefly.", signature: "sig_mock_EqQBCkYIBhgCIkA"), at: 0)
        }
        if model == "claude-cache" { reply.usage = MockAnthropicUsage(input: 10, cacheRead: 100, cacheCreation: 20, output: 5) }
        else if usesPromptCache(body) { reply.usage = promptCacheUsage }
        return .reply(reply)
    }

    /// A request with `cache_control` breakpoints (system, messages or tools) is answered, as
    /// the real API answers a prompt whose prefix was partly cached and partly written (providers.md
    /// §2 "Response": `input_tokens` excludes both), with these counts.
    static let promptCacheUsage = MockAnthropicUsage(input: 12, cacheRead: 1_800, cacheCreation: 200, output: 5)

    static func usesPromptCache(_ body: JSONObject) -> Bool {
        JSONWriter.string(.object(body)).contains(#""cache_control""#)
    }

    /// A 429's headers: `retry-after` in seconds, and counters with RFC 3339 resets (providers.md §2).
    static func rateLimitHeaders() -> [(String, String)] {
        [("retry-after", "7"),
         ("anthropic-ratelimit-requests-limit", "50"), ("anthropic-ratelimit-requests-remaining", "0"),
         ("anthropic-ratelimit-requests-reset", "2026-11-24T12:00:07Z"),
         ("anthropic-ratelimit-tokens-limit", "40000"), ("anthropic-ratelimit-tokens-remaining", "39000"),
         ("anthropic-ratelimit-tokens-reset", "2026-11-24T12:00:01Z")]
    }

    /// Calls the forced tool, else the request's first tool (or `get_weather`) with
    /// `{"city": "Paris"}`; `claude-parallel-tools` adds a second call unless the request set
    /// `disable_parallel_tool_use`. A forced call has no text before it, as on the real API.
    static func toolReply(_ body: JSONObject, forced: Bool, parallel: Bool) -> MockAnthropicReply {
        let tools = body["tools"]?.arrayValue ?? []
        let forcedName = body["tool_choice"]?["type"] == "tool" ? body["tool_choice"]?["name"]?.stringValue : nil
        let first = forcedName ?? tools.first?["name"]?.stringValue ?? "get_weather"
        var blocks: [MockAnthropicBlock] = forced ? [] : [.text("I'll look that up.")]
        blocks.append(.toolUse(id: "toolu_mock_1", name: first, input: ["city": "Paris"]))
        let disabled = body["tool_choice"]?["disable_parallel_tool_use"]?.boolValue ?? false
        if parallel, !disabled {
            let second = tools.count > 1 ? tools[1]["name"]?.stringValue ?? first : first
            blocks.append(.toolUse(id: "toolu_mock_2", name: second, input: ["city": "London"]))
        }
        return MockAnthropicReply(blocks: blocks, stopReason: "tool_use")
    }

    /// "You said: <last user text>", "I see N image(s)", or the last tool result's text.
    static func echoText(_ body: JSONObject) -> String {
        guard let last = body["messages"]?.arrayValue?.last(where: { $0["role"] == "user" }) else { return "You said: " }
        if let text = last["content"]?.stringValue { return "You said: \(text)" }
        let blocks = last["content"]?.arrayValue ?? []
        let images = blocks.filter { $0["type"] == "image" }.count
        if images > 0 { return "I see \(images) image(s)" }
        let text = blocks.compactMap { $0["type"] == "text" ? $0["text"]?.stringValue : nil }.joined()
        if text.isEmpty, let result = blocks.last(where: { $0["type"] == "tool_result" }) {
            let content = result["content"]?.stringValue
                ?? (result["content"]?.arrayValue ?? []).compactMap { $0["text"]?.stringValue }.joined()
            return "The tool said: \(content)"
        }
        return "You said: \(text)"
    }
}

/// One content block of a mock answer.
enum MockAnthropicBlock {
    case text(String)
    case toolUse(id: String, name: String, input: JSONValue)
    case thinking(String, signature: String)
}

struct MockAnthropicUsage {
    var input = 10
    var cacheRead = 0
    var cacheCreation = 0
    var output = 5
}

struct MockAnthropicReply {
    var blocks: [MockAnthropicBlock]
    var stopReason: String
    var usage = MockAnthropicUsage()
}
