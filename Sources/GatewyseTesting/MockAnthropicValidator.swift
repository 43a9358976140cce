import GatewyseCore

/// Checks a `POST /v1/messages` the way the real API does (providers.md §2), so an adapter bug
/// shows up as the 400 a real Anthropic would answer. The `tool_use` / `tool_result` pairing
/// messages are the API's own words as quoted in public bug reports; the others follow its
/// `<field path>: <reason>` style (`max_tokens: Field required`, `n: Extra inputs are not
/// permitted`). Stricter than the API on one point, as the brief for this mock asks: consecutive
/// same-role messages are refused, where the API would merge them.
enum MockAnthropicValidator {
    struct Rejection: Error {
        var status = 400
        var type = "invalid_request_error"
        var message: String
    }

    static let topLevelFields: Set<String> = [
        "model", "messages", "max_tokens", "system", "temperature", "top_p", "top_k", "stop_sequences", "stream",
        "tools", "tool_choice", "metadata", "thinking", "service_tier",
    ]
    static let imageMediaTypes: Set<String> = ["image/jpeg", "image/png", "image/gif", "image/webp"]

    static func validate(headers: [String: String], body: JSONValue?) -> Rejection? {
        // The official SDK may send `Authorization: Bearer` instead of `x-api-key` (providers.md §2).
        let bearer = headers["authorization"]?.hasPrefix("Bearer ") ?? false
        guard !(headers["x-api-key"] ?? "").isEmpty || bearer else {
            return Rejection(status: 401, type: "authentication_error", message: "x-api-key header is required")
        }
        guard headers["anthropic-version"] != nil else { return Rejection(message: "anthropic-version: header is required") }
        guard let body = body?.objectValue else { return Rejection(message: "There was an issue with the request body: it is not a JSON object") }
        do {
            try validateTopLevel(body)
            try validateMessages(body["messages"])
            try validateCacheBreakpoints(body)
        } catch {
            return error
        }
        return nil
    }

    // MARK: Top level

    static func validateTopLevel(_ body: JSONObject) throws(Rejection) {
        for key in body.keys where !topLevelFields.contains(key) { throw Rejection(message: "\(key): Extra inputs are not permitted") }
        guard body["model"]?.stringValue != nil else { throw Rejection(message: "model: Field required") }
        guard let maxTokens = body["max_tokens"] else { throw Rejection(message: "max_tokens: Field required") }
        guard let max = maxTokens.intValue else { throw Rejection(message: "max_tokens: Input should be a valid integer") }
        guard max >= 1 else { throw Rejection(message: "max_tokens: Input should be greater than or equal to 1") }
        for field in ["temperature", "top_p"] {
            guard let value = body[field] else { continue }
            guard let number = value.doubleValue else { throw Rejection(message: "\(field): Input should be a valid number") }
            if number < 0 { throw Rejection(message: "\(field): Input should be greater than or equal to 0") }
            if number > 1 { throw Rejection(message: "\(field): Input should be less than or equal to 1") }
        }
        if let stream = body["stream"], stream.boolValue == nil { throw Rejection(message: "stream: Input should be a valid boolean") }
        if let stops = body["stop_sequences"] {
            guard let items = stops.arrayValue, items.allSatisfy({ $0.stringValue != nil }) else {
                throw Rejection(message: "stop_sequences: Input should be a valid list of strings")
            }
        }
        try validateSystem(body["system"])
        if let metadata = body["metadata"] {
            guard let object = metadata.objectValue else { throw Rejection(message: "metadata: Input should be a valid dictionary") }
            for key in object.keys where key != "user_id" { throw Rejection(message: "metadata.\(key): Extra inputs are not permitted") }
        }
        let toolNames = try validateTools(body["tools"])
        try validateToolChoice(body["tool_choice"], toolNames: toolNames)
        try validateThinking(body, maxTokens: max)
    }

    static func validateSystem(_ system: JSONValue?) throws(Rejection) {
        guard let system, system.stringValue == nil else { return }
        guard let blocks = system.arrayValue else { throw Rejection(message: "system: Input should be a valid string or list of text blocks") }
        for (i, block) in blocks.enumerated() {
            guard block["type"] == "text", block["text"]?.stringValue != nil else { throw Rejection(message: "system.\(i): Input should be a text block") }
            try validateKeys(block, allowed: blockFields["text"]!, path: "system.\(i)")
            try validateCacheControl(block["cache_control"], path: "system.\(i)")
        }
    }

    static func validateTools(_ tools: JSONValue?) throws(Rejection) -> Set<String> {
        guard let tools else { return [] }
        guard let items = tools.arrayValue else { throw Rejection(message: "tools: Input should be a valid list") }
        var names: Set<String> = []
        for (i, tool) in items.enumerated() {
            guard let name = tool["name"]?.stringValue else { throw Rejection(message: "tools.\(i).name: Field required") }
            guard let schema = tool["input_schema"] else { throw Rejection(message: "tools.\(i).input_schema: Field required") }
            guard schema["type"] == "object" else { throw Rejection(message: "tools.\(i).input_schema.type: Input should be 'object'") }
            for key in tool.objectValue?.keys ?? [] where !["name", "description", "input_schema", "cache_control", "type"].contains(key) {
                throw Rejection(message: "tools.\(i).\(key): Extra inputs are not permitted")
            }
            try validateCacheControl(tool["cache_control"], path: "tools.\(i)")
            guard names.insert(name).inserted else { throw Rejection(message: "tools: Tool names must be unique.") }
        }
        return names
    }

    static func validateToolChoice(_ choice: JSONValue?, toolNames: Set<String>) throws(Rejection) {
        guard let choice else { return }
        switch choice["type"]?.stringValue {
        case "auto"?, "any"?, "none"?: break
        case "tool"?:
            guard let name = choice["name"]?.stringValue else { throw Rejection(message: "tool_choice.tool.name: Field required") }
            guard toolNames.contains(name) else { throw Rejection(message: "tool_choice.name: Tool '\(name)' not found in provided tools") }
        default:
            throw Rejection(message: "tool_choice: Input tag does not match any of the expected tags: 'auto', 'any', 'tool', 'none'")
        }
        if let flag = choice["disable_parallel_tool_use"], flag.boolValue == nil {
            throw Rejection(message: "tool_choice.disable_parallel_tool_use: Input should be a valid boolean")
        }
    }

    static func validateThinking(_ body: JSONObject, maxTokens: Int) throws(Rejection) {
        guard let thinking = body["thinking"] else { return }
        switch thinking["type"]?.stringValue {
        case "disabled"?: return
        case "enabled"?: break
        default: throw Rejection(message: "thinking: Input tag does not match any of the expected tags: 'enabled', 'disabled'")
        }
        guard let budget = thinking["budget_tokens"]?.intValue else { throw Rejection(message: "thinking.enabled.budget_tokens: Field required") }
        if budget < 1024 { throw Rejection(message: "thinking.enabled.budget_tokens: Input should be greater than or equal to 1024") }
        if budget >= maxTokens { throw Rejection(message: "`max_tokens` must be greater than `thinking.budget_tokens`") }
        if let temperature = body["temperature"]?.doubleValue, temperature != 1 {
            throw Rejection(message: "`temperature` may only be set to 1 when thinking is enabled")
        }
        if let type = body["tool_choice"]?["type"]?.stringValue, type == "any" || type == "tool" {
            throw Rejection(message: "Thinking may not be enabled when tool_choice forces tool use.")
        }
    }

    // MARK: Messages

    static func validateMessages(_ messages: JSONValue?) throws(Rejection) {
        guard let messages else { throw Rejection(message: "messages: Field required") }
        guard let items = messages.arrayValue else { throw Rejection(message: "messages: Input should be a valid list") }
        guard !items.isEmpty else { throw Rejection(message: "messages: at least one message is required") }
        var previousRole: String?
        var pendingToolUses: [String] = []
        for (i, message) in items.enumerated() {
            guard let role = message["role"]?.stringValue, role == "user" || role == "assistant" else {
                throw Rejection(message: "messages.\(i).role: Input should be 'user' or 'assistant'")
            }
            if i == 0, role != "user" { throw Rejection(message: "messages: first message must use the \"user\" role") }
            if role == previousRole {
                throw Rejection(message: "messages: roles must alternate between \"user\" and \"assistant\", but found multiple \"\(role)\" roles in a row")
            }
            let blocks = try contentBlocks(message["content"], path: "messages.\(i)", isFinalAssistant: role == "assistant" && i == items.count - 1)
            for (j, block) in blocks.enumerated() { try validateBlock(block, role: role, path: "messages.\(i).content.\(j)") }
            if role == "user" {
                try checkToolResults(blocks, answering: pendingToolUses, index: i)
                pendingToolUses = []
            } else {
                pendingToolUses = blocks.compactMap { $0["type"] == "tool_use" ? $0["id"]?.stringValue : nil }
            }
            previousRole = role
        }
    }

    /// A message's content as blocks (a string is one text block); empty content is refused.
    static func contentBlocks(_ content: JSONValue?, path: String, isFinalAssistant: Bool) throws(Rejection) -> [JSONValue] {
        let emptyMessage = "\(path): all messages must have non-empty content except for the optional final assistant message"
        guard let content else { throw Rejection(message: "\(path).content: Field required") }
        if let text = content.stringValue {
            if text.isEmpty, !isFinalAssistant { throw Rejection(message: emptyMessage) }
            return [["type": "text", "text": .string(text)]]
        }
        guard let blocks = content.arrayValue else { throw Rejection(message: "\(path).content: Input should be a valid string or list") }
        if blocks.isEmpty, !isFinalAssistant { throw Rejection(message: emptyMessage) }
        return blocks
    }

    /// Every `tool_result` must answer a `tool_use` of the previous message and come before any
    /// other block ("Messages following `tool_use` blocks must begin with a matching number of
    /// `tool_result` blocks"), and every `tool_use` of the previous message must be answered.
    static func checkToolResults(_ blocks: [JSONValue], answering toolUses: [String], index: Int) throws(Rejection) {
        var leading = 0
        while leading < blocks.count, blocks[leading]["type"] == "tool_result" { leading += 1 }
        for (j, block) in blocks.enumerated() where block["type"] == "tool_result" {
            let id = block["tool_use_id"]?.stringValue ?? ""
            if !toolUses.contains(id) {
                throw Rejection(message: "messages.\(index).content.\(j): unexpected `tool_use_id` found in `tool_result` blocks: \(id). Each `tool_result` block must have a corresponding `tool_use` block in the previous message.")
            }
            if j >= leading {
                throw Rejection(message: "messages.\(index): Did not find \(toolUses.count) `tool_result` block(s) at the beginning of this message. Messages following `tool_use` blocks must begin with a matching number of `tool_result` blocks.")
            }
        }
        let answered = Set(blocks.compactMap { $0["type"] == "tool_result" ? $0["tool_use_id"]?.stringValue : nil })
        let missing = toolUses.filter { !answered.contains($0) }
        if !missing.isEmpty {
            throw Rejection(message: "messages.\(index - 1): `tool_use` ids were found without `tool_result` blocks immediately after: \(missing.joined(separator: ", ")). Each `tool_use` block must have a corresponding `tool_result` block in the next message.")
        }
    }
}
