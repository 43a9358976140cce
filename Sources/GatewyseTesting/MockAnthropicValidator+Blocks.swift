import GatewyseCore

// MARK: - Content blocks, sources and prompt-caching markers (providers.md §2)

extension MockAnthropicValidator {
    /// The fields each block type takes; anything else is refused, as the API refuses it
    /// (`<path>.<type>.<field>: Extra inputs are not permitted`). Thinking blocks take no
    /// `cache_control`: Anthropic caches them only with the turn around them.
    static let blockFields: [String: Set<String>] = [
        "text": ["type", "text", "cache_control", "citations"],
        "image": ["type", "source", "cache_control"],
        "document": ["type", "source", "cache_control", "title", "context", "citations"],
        "tool_use": ["type", "id", "name", "input", "cache_control"],
        "tool_result": ["type", "tool_use_id", "content", "is_error", "cache_control"],
        "thinking": ["type", "thinking", "signature"],
        "redacted_thinking": ["type", "data"],
    ]

    /// The most `cache_control` breakpoints one request may set, over tools, system and messages.
    static let maximumCacheBreakpoints = 4

    static func validateBlock(_ block: JSONValue, role: String, path: String) throws(Rejection) {
        let type = block["type"]?.stringValue ?? ""
        guard let allowed = blockFields[type] else {
            throw Rejection(message: "\(path).type: Input tag '\(type)' found using 'type' does not match any of the expected tags")
        }
        try validateKeys(block, allowed: allowed, path: "\(path).\(type)")
        try validateCacheControl(block["cache_control"], path: "\(path).\(type)")
        switch type {
        case "text":
            guard let text = block["text"]?.stringValue else { throw Rejection(message: "\(path).text: Field required") }
            if text.isEmpty { throw Rejection(message: "\(path).text: text content blocks must be non-empty") }
        case "image", "document":
            try validateSource(block["source"], isImage: type == "image", path: "\(path).source")
        case "tool_use":
            guard role == "assistant" else { throw Rejection(message: "\(path): tool_use blocks are only allowed in assistant messages") }
            guard let id = block["id"]?.stringValue, !id.isEmpty,
                  id.utf8.allSatisfy({ $0 == 0x5F || $0 == 0x2D || ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x41 && $0 <= 0x5A) || ($0 >= 0x61 && $0 <= 0x7A) })
            else { throw Rejection(message: "\(path).id: String should match pattern '^[a-zA-Z0-9_-]+$'") }
            guard block["name"]?.stringValue != nil else { throw Rejection(message: "\(path).name: Field required") }
            guard block["input"]?.objectValue != nil else { throw Rejection(message: "\(path).input: Input should be a valid dictionary") }
        case "tool_result":
            guard role == "user" else { throw Rejection(message: "\(path): tool_result blocks are only allowed in user messages") }
            guard block["tool_use_id"]?.stringValue != nil else { throw Rejection(message: "\(path).tool_use_id: Field required") }
            if let flag = block["is_error"], flag.boolValue == nil {
                throw Rejection(message: "\(path).tool_result.is_error: Input should be a valid boolean")
            }
            try validateToolResultContent(block["content"], path: "\(path).tool_result.content")
        case "thinking":
            guard block["signature"]?.stringValue != nil else { throw Rejection(message: "\(path).thinking.signature: Field required") }
        default:
            guard block["data"]?.stringValue != nil else { throw Rejection(message: "\(path).redacted_thinking.data: Field required") }
        }
    }

    /// A `tool_result`'s content: a string, or text, image and document blocks.
    static func validateToolResultContent(_ content: JSONValue?, path: String) throws(Rejection) {
        guard let content, content.stringValue == nil else { return }
        guard let items = content.arrayValue else { throw Rejection(message: "\(path): Input should be a valid string or list") }
        for (k, item) in items.enumerated() {
            let type = item["type"]?.stringValue ?? ""
            guard ["text", "image", "document"].contains(type) else {
                throw Rejection(message: "\(path).\(k).type: Input tag '\(type)' found using 'type' does not match any of the expected tags: 'text', 'image', 'document'")
            }
            try validateBlock(item, role: "user", path: "\(path).\(k)")
        }
    }

    /// Image sources: base64 (jpeg/png/gif/webp) or url. Document sources: base64 PDF, plain
    /// text, url, or content blocks.
    static func validateSource(_ source: JSONValue?, isImage: Bool, path: String) throws(Rejection) {
        guard let source else { throw Rejection(message: "\(path): Field required") }
        switch source["type"]?.stringValue {
        case "base64"?:
            guard let mediaType = source["media_type"]?.stringValue else { throw Rejection(message: "\(path).media_type: Field required") }
            if isImage, !imageMediaTypes.contains(mediaType) {
                throw Rejection(message: "\(path).media_type: Input should be 'image/jpeg', 'image/png', 'image/gif' or 'image/webp'")
            }
            if !isImage, mediaType != "application/pdf" { throw Rejection(message: "\(path).media_type: Input should be 'application/pdf'") }
            guard let data = source["data"]?.stringValue, !data.isEmpty else { throw Rejection(message: "\(path).data: Field required") }
        case "url"?:
            guard let url = source["url"]?.stringValue, url.hasPrefix("http") else { throw Rejection(message: "\(path).url: Field required") }
        case "text"? where !isImage:
            guard source["media_type"] == "text/plain" else { throw Rejection(message: "\(path).media_type: Input should be 'text/plain'") }
            guard source["data"]?.stringValue != nil else { throw Rejection(message: "\(path).data: Field required") }
        case "content"? where !isImage:
            guard source["content"]?.stringValue != nil || source["content"]?.arrayValue != nil else {
                throw Rejection(message: "\(path).content: Field required")
            }
        default:
            let tags = isImage ? "'base64', 'url'" : "'base64', 'text', 'content', 'url'"
            throw Rejection(message: "\(path).type: Input tag does not match any of the expected tags: \(tags)")
        }
    }

    static func validateKeys(_ object: JSONValue, allowed: Set<String>, path: String) throws(Rejection) {
        for key in object.objectValue?.keys ?? [] where !allowed.contains(key) {
            throw Rejection(message: "\(path).\(key): Extra inputs are not permitted")
        }
    }

    /// `{"type": "ephemeral", "ttl"?: "5m" | "1h"}`.
    static func validateCacheControl(_ mark: JSONValue?, path: String) throws(Rejection) {
        guard let mark else { return }
        guard mark.objectValue != nil else { throw Rejection(message: "\(path).cache_control: Input should be a valid dictionary") }
        guard mark["type"] == "ephemeral" else { throw Rejection(message: "\(path).cache_control.type: Input should be 'ephemeral'") }
        if let ttl = mark["ttl"], ttl != "5m", ttl != "1h" { throw Rejection(message: "\(path).cache_control.ttl: Input should be '5m' or '1h'") }
        try validateKeys(mark, allowed: ["type", "ttl"], path: "\(path).cache_control")
    }

    /// At most four breakpoints over tools, system blocks, message blocks and the blocks inside
    /// tool results.
    static func validateCacheBreakpoints(_ body: JSONObject) throws(Rejection) {
        func marked(_ items: [JSONValue]?) -> Int { (items ?? []).filter { $0["cache_control"] != nil }.count }
        var count = marked(body["tools"]?.arrayValue) + marked(body["system"]?.arrayValue)
        for message in body["messages"]?.arrayValue ?? [] {
            let blocks = message["content"]?.arrayValue ?? []
            count += marked(blocks)
            for block in blocks where block["type"] == "tool_result" { count += marked(block["content"]?.arrayValue) }
        }
        if count > maximumCacheBreakpoints {
            throw Rejection(message: "A maximum of \(maximumCacheBreakpoints) blocks with cache_control may be provided. Found \(count).")
        }
    }
}
