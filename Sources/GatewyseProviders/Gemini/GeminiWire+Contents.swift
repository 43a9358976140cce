import GatewyseCore

// MARK: - System instruction, turns and parts (providers.md §4.2 "System", "Roles", "Parts",
// "Assistant tool calls", "Tool results")

extension GeminiWire {
    struct Conversation {
        var system: String?
        var contents: [JSONValue]
    }

    /// Splits system prompts off and folds the OpenAI messages into Gemini `contents`:
    /// - every `system` / `developer` text joins `systemInstruction` (blank-line separated);
    /// - `user` → `user`, `assistant` → `model` (text parts, then one `functionCall` part per
    ///   tool call, with its `thoughtSignature` re-attached from `extra[thoughtSignaturesKey]`);
    /// - `tool` → a `user` turn of `functionResponse` parts whose `name` is looked up from the
    ///   latest earlier tool call with that `tool_call_id` (unknown id → 400);
    /// - consecutive turns of one Gemini role merge (several tool results, or tool results and the
    ///   user text that follows, become one `user` entry).
    /// Ids are not sent in `functionCall` / `functionResponse`: most were synthesized by the
    /// gateway, and Gemini pairs calls and responses by order and name.
    static func encodeConversation(_ messages: [ChatMessage]) throws(GatewayError) -> Conversation {
        var system: [String] = []
        var turns: [(role: String, parts: [JSONValue])] = []
        var callNames: [String: String] = [:]
        func append(_ role: String, _ parts: [JSONValue]) {
            guard !parts.isEmpty else { return }
            if turns.last?.role == role { turns[turns.count - 1].parts += parts } else { turns.append((role, parts)) }
        }
        for (i, message) in messages.enumerated() {
            let path = "messages[\(i)]"
            switch message.role {
            case .system, .developer:
                if let text = message.content?.plainText, !text.isEmpty { system.append(text) }
            case .user:
                append("user", try parts(message.content, path: "\(path).content"))
            case .assistant:
                var out = try parts(message.content, path: "\(path).content")
                let signatures = message.extra[thoughtSignaturesKey]?.objectValue
                for (j, call) in (message.toolCalls ?? []).enumerated() {
                    let args = try ToolArguments.object(call.arguments, path: "\(path).tool_calls[\(j)].function.arguments", provider: "Gemini")
                    var part = JSONObject()
                    part.appendUnique("functionCall", ["name": .string(call.name), "args": args])
                    if let signature = signatures?[call.id]?.stringValue { part.appendUnique("thoughtSignature", .string(signature)) }
                    out.append(.object(part))
                    callNames[call.id] = call.name
                }
                append("model", out)
            case .tool:
                let id = message.toolCallID ?? ""
                guard let name = callNames[id] else {
                    throw .invalidRequest("Field '\(path).tool_call_id' ('\(id)') matches no earlier assistant tool call; Gemini needs the function name of every tool result.",
                                          param: "\(path).tool_call_id", code: "INVALID_FIELD")
                }
                append("user", [["functionResponse": ["name": .string(name), "response": functionResponse(message.content)]]])
            }
        }
        return Conversation(system: system.isEmpty ? nil : system.joined(separator: "\n\n"),
                            contents: turns.map { ["role": .string($0.role), "parts": .array($0.parts)] })
    }

    /// `functionResponse.response` must be an object: a tool result that is a JSON object goes as
    /// it is; anything else is wrapped as `{"result": <parsed JSON, or the text>}`.
    static func functionResponse(_ content: MessageContent?) -> JSONValue {
        let text = content?.plainText ?? ""
        if let parsed = try? JSONParser.parse(text) {
            if case .object = parsed { return parsed }
            return ["result": parsed]
        }
        return ["result": .string(text)]
    }

    /// Gemini parts for OpenAI content:
    /// - text → `{text}` (empty text left out);
    /// - `data:` image (or `file.file_data`) → `{inlineData:{mimeType, data}}`;
    /// - any other URL (`https://`, `gs://`, Files API) → `{fileData:{fileUri, mimeType?}}`, with
    ///   the MIME type guessed from the extension. The gateway does not download URLs (no I/O in
    ///   adapters); whether Gemini fetches arbitrary https URLs is UNCONFIRMED (providers.md §4.2);
    /// - `input_audio` → `inlineData` with `audio/<format>`.
    static func parts(_ content: MessageContent?, path: String) throws(GatewayError) -> [JSONValue] {
        switch content {
        case nil: return []
        case .text(let text)?: return text.isEmpty ? [] : [["text": .string(text)]]
        case .parts(let parts)?:
            var out: [JSONValue] = []
            for (j, part) in parts.enumerated() {
                let partPath = "\(path)[\(j)]"
                switch part {
                case .text(let text):
                    if !text.isEmpty { out.append(["text": .string(text)]) }
                case .imageURL(let url, _):
                    out.append(try mediaPart(url, path: "\(partPath).image_url.url"))
                case .inputAudio(let data, let format):
                    out.append(["inlineData": ["mimeType": .string("audio/\(format)"), "data": .string(data)]])
                case .other(let object):
                    guard object["type"] == "file", let data = object["file"]?["file_data"]?.stringValue else {
                        throw .unsupportedCapability("Gemini does not accept content parts of type '\(object["type"]?.stringValue ?? "?")' ('\(partPath)').", param: partPath)
                    }
                    out.append(try mediaPart(data, path: "\(partPath).file.file_data"))
                }
            }
            return out
        }
    }

    static func mediaPart(_ url: String, path: String) throws(GatewayError) -> JSONValue {
        guard url.hasPrefix("data:") else {
            var fileData = JSONObject()
            if let mimeType = mimeType(forURL: url) { fileData.appendUnique("mimeType", .string(mimeType)) }
            fileData.appendUnique("fileUri", .string(url))
            return ["fileData": .object(fileData)]
        }
        guard let (mimeType, data) = AnthropicMessagesWire.base64DataURI(url) else {
            throw .invalidRequest("Field '\(path)' must be a base64 data URI (data:<media type>;base64,<data>) or a URL.",
                                  param: path, code: "INVALID_FIELD")
        }
        return ["inlineData": ["mimeType": .string(mimeType), "data": .string(data)]]
    }

    static let mimeTypesByExtension: [String: String] = [
        "jpg": "image/jpeg", "jpeg": "image/jpeg", "png": "image/png", "webp": "image/webp", "gif": "image/gif",
        "heic": "image/heic", "heif": "image/heif", "pdf": "application/pdf",
    ]

    static func mimeType(forURL url: String) -> String? {
        let path = url.split(separator: "?").first.map(String.init) ?? url
        guard let dot = path.lastIndex(of: "."), !path[dot...].contains("/") else { return nil }
        return mimeTypesByExtension[path[path.index(after: dot)...].lowercased()]
    }
}
