import GatewyseCore

/// Checks a `POST /v2/chat` the way Cohere's API does (providers.md §7), so an adapter bug shows
/// up as the 400 a real Cohere would answer. Unknown fields get Cohere's own wording
/// (`unknown field: parameter n is not a valid field`), and so does a tool result whose id
/// matches no earlier call (`tool call id not found in previous tool calls`); other problems
/// use its `invalid request: …` prefix and name the field. Stricter than the reference on
/// nested objects: an unknown key inside a message or a tool is refused too, which catches
/// OpenAI-only fields (`name`, `strict`, `refusal`) leaking through.
enum MockCohereValidator {
    struct Rejection: Error {
        var status = 400
        var message: String
    }

    static let topLevelFields: Set<String> = [
        "model", "messages", "tools", "strict_tools", "documents", "citation_options", "response_format", "safety_mode",
        "max_tokens", "stop_sequences", "temperature", "seed", "frequency_penalty", "presence_penalty", "k", "p",
        "logprobs", "tool_choice", "thinking", "priority", "stream",
    ]
    /// Fields each role's message may carry.
    static let messageFields: [String: Set<String>] = [
        "system": ["role", "content"], "user": ["role", "content"],
        "assistant": ["role", "content", "tool_calls", "tool_plan", "citations"], "tool": ["role", "tool_call_id", "content"],
    ]
    /// Content item types each role accepts.
    static let contentTypes: [String: Set<String>] = [
        "system": ["text"], "user": ["text", "image_url", "document"], "assistant": ["text", "thinking"], "tool": ["text", "document"],
    ]

    static func validate(headers: [String: String], body: JSONValue?) -> Rejection? {
        let token = headers["authorization"].flatMap { $0.hasPrefix("Bearer ") ? String($0.dropFirst(7)) : nil } ?? ""
        guard !token.isEmpty else { return Rejection(status: 401, message: "no api key supplied") }
        guard let body = body?.objectValue else { return Rejection(message: "invalid request: the body must be a JSON object") }
        do throws(Rejection) {
            try unknownFields(body, allowed: topLevelFields, path: "")
            try validateParameters(body)
            try validateMessages(body["messages"])
            try validateTools(body)
        } catch {
            return error
        }
        return nil
    }

    static func unknownFields(_ object: JSONObject, allowed: Set<String>, path: String) throws(Rejection) {
        for key in object.keys where !allowed.contains(key) {
            throw Rejection(message: "unknown field: parameter \(path)\(key) is not a valid field")
        }
    }

    static func number(_ body: JSONObject, _ field: String, in range: ClosedRange<Double>) throws(Rejection) {
        guard let value = body[field] else { return }
        guard let number = value.doubleValue else { throw Rejection(message: "invalid request: \(field) must be a number") }
        guard range.contains(number) else {
            throw Rejection(message: "invalid request: \(field) must be between \(range.lowerBound) and \(range.upperBound), got \(number)")
        }
    }

    static func validateParameters(_ body: JSONObject) throws(Rejection) {
        guard let model = body["model"]?.stringValue, !model.isEmpty else { throw Rejection(message: "invalid request: model is required") }
        try number(body, "p", in: 0.01...0.99)
        try number(body, "frequency_penalty", in: 0...1)
        try number(body, "presence_penalty", in: 0...1)
        try number(body, "temperature", in: 0...Double.greatestFiniteMagnitude)
        if let k = body["k"], !(k.intValue.map { (0...500).contains($0) } ?? false) {
            throw Rejection(message: "invalid request: k must be an integer between 0 and 500")
        }
        if let max = body["max_tokens"], !(max.intValue.map { $0 >= 1 } ?? false) {
            throw Rejection(message: "invalid request: max_tokens must be a positive integer")
        }
        for field in ["stream", "logprobs", "strict_tools"] where body[field] != nil && body[field]?.boolValue == nil {
            throw Rejection(message: "invalid request: \(field) must be a boolean")
        }
        if let stops = body["stop_sequences"] {
            guard let items = stops.arrayValue, items.allSatisfy({ $0.stringValue != nil }) else {
                throw Rejection(message: "invalid request: stop_sequences must be a list of strings")
            }
            if items.count > 5 { throw Rejection(message: "invalid request: stop_sequences can have at most 5 items") }
        }
        if let format = body["response_format"] {
            let type = format["type"]?.stringValue ?? ""
            guard type == "text" || type == "json_object" else {
                throw Rejection(message: "invalid request: response_format.type must be one of text, json_object")
            }
            try unknownFields(format.objectValue ?? JSONObject(), allowed: type == "text" ? ["type"] : ["type", "json_schema"], path: "response_format.")
        }
    }

    static func validateMessages(_ value: JSONValue?) throws(Rejection) {
        guard let messages = value?.arrayValue else { throw Rejection(message: "invalid request: messages is required") }
        guard !messages.isEmpty else { throw Rejection(message: "invalid request: messages must not be empty") }
        var callIDs: Set<String> = []
        for (i, message) in messages.enumerated() {
            let path = "messages[\(i)]"
            let role = message["role"]?.stringValue ?? ""
            guard let allowed = messageFields[role] else {
                throw Rejection(message: "invalid request: \(path).role must be one of system, user, assistant, tool, got \"\(role)\"")
            }
            try unknownFields(message.objectValue ?? JSONObject(), allowed: allowed, path: "\(path).")
            try validateContent(message["content"], role: role, path: "\(path).content")
            switch role {
            case "assistant":
                let calls = message["tool_calls"]?.arrayValue ?? []
                if message["content"] == nil, calls.isEmpty {
                    throw Rejection(message: "invalid request: \(path) must have content or tool_calls")
                }
                for (j, call) in calls.enumerated() {
                    let callPath = "\(path).tool_calls[\(j)]"
                    guard let id = call["id"]?.stringValue, !id.isEmpty, call["type"] == "function",
                          call["function"]?["name"]?.stringValue != nil, call["function"]?["arguments"]?.stringValue != nil else {
                        throw Rejection(message: "invalid request: \(callPath) must have an id, type function and function.name and function.arguments (a string)")
                    }
                    callIDs.insert(id)
                }
            case "tool":
                guard let id = message["tool_call_id"]?.stringValue, !id.isEmpty else {
                    throw Rejection(message: "invalid request: \(path).tool_call_id is required")
                }
                guard callIDs.contains(id) else { throw Rejection(message: "tool call id not found in previous tool calls") }
            default:
                if message["content"] == nil { throw Rejection(message: "invalid request: \(path).content is required") }
            }
        }
    }

    static func validateContent(_ content: JSONValue?, role: String, path: String) throws(Rejection) {
        guard let content, content.stringValue == nil else { return }
        guard let items = content.arrayValue else { throw Rejection(message: "invalid request: \(path) must be a string or a list of content items") }
        for (j, item) in items.enumerated() {
            let type = item["type"]?.stringValue ?? ""
            guard contentTypes[role]?.contains(type) == true else {
                throw Rejection(message: "invalid request: \(path)[\(j)].type \"\(type)\" is not valid for a \(role) message")
            }
            let ok = switch type {
            case "text": item["text"]?.stringValue != nil
            case "thinking": item["thinking"]?.stringValue != nil
            case "image_url": item["image_url"]?["url"]?.stringValue != nil
            default: item["document"]?.objectValue != nil
            }
            if !ok { throw Rejection(message: "invalid request: \(path)[\(j)] is missing its \(type) field") }
        }
    }

    static func validateTools(_ body: JSONObject) throws(Rejection) {
        let tools = body["tools"]?.arrayValue ?? []
        for (i, tool) in tools.enumerated() {
            let path = "tools[\(i)]"
            guard tool["type"] == "function", let function = tool["function"]?.objectValue else {
                throw Rejection(message: "invalid request: \(path) must be {type: function, function: {name, …}}")
            }
            try unknownFields(tool.objectValue ?? JSONObject(), allowed: ["type", "function"], path: "\(path).")
            try unknownFields(function, allowed: ["name", "description", "parameters"], path: "\(path).function.")
            guard !(function["name"]?.stringValue ?? "").isEmpty else { throw Rejection(message: "invalid request: \(path).function.name is required") }
        }
        guard let choice = body["tool_choice"] else { return }
        guard let value = choice.stringValue, value == "REQUIRED" || value == "NONE" else {
            throw Rejection(message: "invalid request: tool_choice must be one of REQUIRED, NONE, got \(JSONWriter.string(choice))")
        }
        if tools.isEmpty { throw Rejection(message: "invalid request: tool_choice requires tools to be specified") }
    }
}
