import GatewyseCore

// MARK: - Prompt-caching markers and tool-result errors (providers.md §2 "prompt caching",
// §4.1 "System", "Tool results")

extension AnthropicMessagesWire {
    /// Where the unified model keeps Anthropic block fields that OpenAI Chat Completions has no
    /// field for, so they survive from the client's wire to an Anthropic upstream:
    /// - prompt-caching markers (`cache_control: {"type": "ephemeral", "ttl"?}`), which OpenAI
    ///   clients send the way LiteLLM taught them — on a content part, on a tool, or on a whole
    ///   message — and Anthropic clients send on blocks, system blocks and tools;
    /// - `tool_result.is_error`, which only an Anthropic client can send: an OpenAI tool message
    ///   has no error flag, and none is inferred from its text.
    ///
    /// Only the Anthropic adapter reads them; `OpenAICompatibleAdapter` removes them, since
    /// OpenAI-format upstreams define none of these fields.
    public enum ExtraKey {
        /// `ChatMessage.extra`: LiteLLM's message-level marker. Anthropic gets it on the last
        /// block the message becomes (for a tool message, its `tool_result` block).
        public static let cacheControl = "cache_control"
        /// `ChatMessage.extra`: an array aligned with the message's content parts, each a
        /// `cache_control` object or null.
        public static let partCacheControl = "cache_control_parts"
        /// `ChatRequest.extra`: an array aligned with `tools`, each a `cache_control` object or null.
        public static let toolCacheControl = "cache_control_tools"
        /// `ChatMessage.extra` of a tool message: `true` when its `tool_result` reported an error.
        public static let isError = "is_error"

        /// The message keys above, for the adapters that must not forward them.
        public static let messageKeys = [cacheControl, partCacheControl, isError]
    }

    /// The `cache_control` objects of the items of array `key` (content parts, tools, system
    /// blocks) aligned with them, null where an item has none; nil when none has one (the common
    /// case reads the array once and allocates nothing). A marker that is not an object is
    /// refused with its path.
    public static func cacheControls(in reader: JSONFieldReader, _ key: String) throws(GatewayError) -> JSONValue? {
        guard let raw = reader.object[key]?.arrayValue, raw.contains(where: { $0["cache_control"].map { !$0.isNull } ?? false }),
              let items = try reader.objectArray(key) else { return nil }
        var marks: [JSONValue] = []
        marks.reserveCapacity(items.count)
        for item in items { marks.append(try item.objectReader("cache_control").map { .object($0.object) } ?? .null) }
        return .array(marks)
    }

    /// The marker of content part `index`, if the message carries one.
    static func partCacheControl(_ message: ChatMessage, _ index: Int) -> JSONValue? {
        guard let marks = message.extra[ExtraKey.partCacheControl]?.arrayValue, index < marks.count,
              case .object = marks[index] else { return nil }
        return marks[index]
    }

    /// The message-level marker, if any.
    static func messageCacheControl(_ message: ChatMessage) -> JSONValue? {
        guard let mark = message.extra[ExtraKey.cacheControl], case .object = mark else { return nil }
        return mark
    }

    /// Puts `mark` on the last block that can carry one. Thinking blocks cannot (Anthropic caches
    /// them only as part of the turn around them), so a message that is only thinking gets none.
    static func markLast(_ blocks: inout [JSONValue], with mark: JSONValue?) {
        guard let mark, let i = blocks.lastIndex(where: { $0["type"] != "thinking" && $0["type"] != "redacted_thinking" }),
              case .object(var block) = blocks[i] else { return }
        block["cache_control"] = mark
        blocks[i] = .object(block)
    }

    /// The top-level `system`: the texts joined into one string, as before, unless a system
    /// message carries a marker; then text blocks (one per text, in order), so each marker stays
    /// where the client put it (providers.md §4.1: "text blocks if `cache_control` needs to be
    /// kept").
    static func encodeSystem(_ messages: [ChatMessage]) -> JSONValue? {
        var blocks: [JSONValue] = []
        var marked = false
        for message in messages {
            var own: [JSONValue] = []
            switch message.content {
            case .text(let text)?:
                if !isBlank(text) { own.append(textBlock(text)) }
            case .parts(let parts)?:
                for (j, part) in parts.enumerated() {
                    guard case .text(let text) = part else { continue }   // Anthropic's system is text only
                    if !isBlank(text) { own.append(textBlock(text)) }
                    markLast(&own, with: partCacheControl(message, j))
                }
            case nil:
                break
            }
            markLast(&own, with: messageCacheControl(message))
            marked = marked || own.contains { $0["cache_control"] != nil }
            blocks += own
        }
        guard !blocks.isEmpty else { return nil }
        if marked { return .array(blocks) }
        // Unmarked: one string, each message's plain text joined by a blank line.
        let texts = messages.compactMap { $0.content?.plainText }.filter { !isBlank($0) }
        return .string(texts.joined(separator: "\n\n"))
    }
}
