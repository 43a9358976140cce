import GatewyseCore

// MARK: - System prompt, turns and content blocks

extension BedrockConverseWire {
    struct Conversation {
        var system: [String] = []
        var messages: [JSONValue] = []
        /// Tool names used by `toolUse` blocks in the history, in first-use order.
        var toolNames: [String] = []
    }

    /// One Converse message being assembled; tool results come first in a user turn, as after an
    /// assistant `toolUse` the next message must answer it.
    struct Turn {
        var role: String
        var toolResults: [JSONValue] = []
        var blocks: [JSONValue] = []
    }

    /// Text sent as the first user turn when a conversation does not start with one: Converse
    /// requires the first message to be from the user.
    public static let conversationStartPlaceholder = AnthropicMessagesWire.conversationStartPlaceholder

    /// Folds the OpenAI message list into Converse's alternating turns: system and developer
    /// messages → `system`; `role: tool` → `toolResult` blocks in a user turn (the results of
    /// one assistant turn share one message); consecutive messages of a role merge; empty or
    /// whitespace-only text is left out (Converse refuses blank text blocks), so a blank assistant
    /// turn disappears and the user turns around it merge.
    static func encodeConversation(_ messages: [ChatMessage]) throws(GatewayError) -> Conversation {
        var conversation = Conversation()
        var turns: [Turn] = []
        func append(_ role: String, toolResult: JSONValue? = nil, blocks: [JSONValue] = []) {
            guard toolResult != nil || !blocks.isEmpty else { return }
            if turns.last?.role != role { turns.append(Turn(role: role)) }
            if let toolResult { turns[turns.count - 1].toolResults.append(toolResult) }
            turns[turns.count - 1].blocks += blocks
        }
        for (i, message) in messages.enumerated() {
            let path = "messages[\(i)]"
            switch message.role {
            case .system, .developer:
                if let text = message.content?.plainText, !AnthropicMessagesWire.isBlank(text) { conversation.system.append(text) }
            case .user:
                append("user", blocks: try contentBlocks(message.content, path: "\(path).content"))
            case .tool:
                append("user", toolResult: toolResultBlock(message))
            case .assistant:
                var blocks = reasoningBlocks(message)
                blocks += try contentBlocks(message.content, path: "\(path).content")
                for (j, call) in (message.toolCalls ?? []).enumerated() {
                    let input = try ToolArguments.object(call.arguments, path: "\(path).tool_calls[\(j)].function.arguments", provider: "Bedrock")
                    blocks.append(["toolUse": ["toolUseId": .string(toolUseID(call.id)), "name": .string(call.name), "input": input]])
                    if !conversation.toolNames.contains(call.name) { conversation.toolNames.append(call.name) }
                }
                append("assistant", blocks: blocks)
            }
        }
        if turns.first?.role != "user" {
            turns.insert(Turn(role: "user", blocks: [["text": .string(conversationStartPlaceholder)]]), at: 0)
        }
        conversation.messages = turns.map { ["role": .string($0.role), "content": .array($0.toolResults + $0.blocks)] }
        return conversation
    }

    /// Text, image and document blocks. Images and documents must be inline bytes (a `data:`
    /// URI); `incompatibility(with:)` keeps http(s) image URLs and other parts away.
    static func contentBlocks(_ content: MessageContent?, path: String) throws(GatewayError) -> [JSONValue] {
        switch content {
        case nil:
            return []
        case .text(let text)?:
            return AnthropicMessagesWire.isBlank(text) ? [] : [["text": .string(text)]]
        case .parts(let parts)?:
            var blocks: [JSONValue] = []
            var documents = 0
            for (j, part) in parts.enumerated() {
                let partPath = "\(path)[\(j)]"
                switch part {
                case .text(let text):
                    if !AnthropicMessagesWire.isBlank(text) { blocks.append(["text": .string(text)]) }
                case .imageURL(let url, _):
                    blocks.append(try mediaBlock(url, path: "\(partPath).image_url.url", documentNumber: &documents))
                case .other(let object) where object["type"] == "file":
                    let fileData = object["file"]?["file_data"]?.stringValue ?? ""
                    blocks.append(try mediaBlock(fileData, path: "\(partPath).file.file_data", documentNumber: &documents))
                case .inputAudio, .other:
                    throw .unsupportedCapability("Bedrock Converse does not accept this kind of content part ('\(partPath)').", param: partPath)
                }
            }
            return blocks
        }
    }

    /// `data:image/png;base64,…` → `{image:{format:"png", source:{bytes}}}`; a document media
    /// type → `{document:{format, name, source:{bytes}}}` (Converse requires a name; they are
    /// numbered per message).
    static func mediaBlock(_ uri: String, path: String, documentNumber: inout Int) throws(GatewayError) -> JSONValue {
        guard let (mediaType, data) = AnthropicMessagesWire.base64DataURI(uri) else {
            throw .invalidRequest("Field '\(path)' must be a base64 data URI (data:<media type>;base64,<data>) for Bedrock, which reads inline bytes only.",
                                  param: path, code: "INVALID_FIELD")
        }
        if let format = imageFormats[mediaType] {
            return ["image": ["format": .string(format), "source": ["bytes": .string(data)]]]
        }
        if let format = documentFormats[mediaType] {
            documentNumber += 1
            return ["document": ["format": .string(format), "name": .string("document-\(documentNumber)"), "source": ["bytes": .string(data)]]]
        }
        throw .invalidRequest("Field '\(path)' has media type '\(mediaType)', which Bedrock Converse does not read.", param: path, code: "INVALID_FIELD")
    }

    /// `{toolResult:{toolUseId, content:[{text}]}}`; an empty or whitespace-only result is an
    /// empty JSON object, since Converse refuses blank text.
    static func toolResultBlock(_ message: ChatMessage) -> JSONValue {
        let text = message.content?.plainText ?? ""
        let content: JSONValue = AnthropicMessagesWire.isBlank(text) ? [["json": [:]]] : [["text": .string(text)]]
        return ["toolResult": ["toolUseId": .string(toolUseID(message.toolCallID ?? "")), "content": content]]
    }

    /// Signed reasoning from an earlier assistant turn goes back unchanged (Claude on Bedrock
    /// refuses a tool-loop turn without it). It travels in `extra["thinking_blocks"]`, the field
    /// the Anthropic adapter also fills and reads.
    static func reasoningBlocks(_ message: ChatMessage) -> [JSONValue] {
        guard let blocks = message.extra["thinking_blocks"]?.arrayValue else { return [] }
        return blocks.compactMap { block in
            switch block["type"]?.stringValue {
            case "thinking":
                guard let text = block["thinking"]?.stringValue, let signature = block["signature"]?.stringValue else { return nil }
                return ["reasoningContent": ["reasoningText": ["text": .string(text), "signature": .string(signature)]]]
            case "redacted_thinking":
                guard let data = block["data"]?.stringValue else { return nil }
                return ["reasoningContent": ["redactedContent": .string(data)]]
            default:
                return nil
            }
        }
    }

    /// Whether Converse can take this part (used by `incompatibility(with:)`).
    static func isSupported(_ part: ContentPart) -> Bool {
        func inline(_ uri: String) -> Bool {
            guard let (mediaType, _) = AnthropicMessagesWire.base64DataURI(uri) else { return false }
            return imageFormats[mediaType] != nil || documentFormats[mediaType] != nil
        }
        switch part {
        case .text: return true
        case .imageURL(let url, _): return inline(url)
        case .inputAudio: return false
        case .other(let object): return object["type"] == "file" && inline(object["file"]?["file_data"]?.stringValue ?? "")
        }
    }
}
