import GatewyseCore

// MARK: - Forwarding a client's own body (ClientBody)

extension OpenAIChatWire {
    /// Whether a Chat Completions body reads the same to an OpenAI-format upstream as the body
    /// `encodeRequest` would make from its decoding, so it can be forwarded as it came. The
    /// decoder accepts a few looser forms and normalizes them; a body using any is encoded
    /// again instead:
    /// - an explicit `null` on a field (dropped when encoding), except a message's `content`;
    /// - both `max_tokens` and `max_completion_tokens` (only the latter is kept);
    /// - a tool without `type`, a tool call without `type` or `function.arguments`, an empty
    ///   `tool_calls` array (the defaults are written out, the empty array dropped);
    /// - `image_url` given as a bare string (written as `{"url": …}`).
    /// Checked on the parsed tree: a few lookups per message, nothing allocated.
    public static func isForwardable(_ body: JSONValue) -> Bool {
        guard case .object(let request) = body, case .array(let messages)? = request["messages"] else { return false }
        if request.contains(where: { $0.value.isNull }) { return false }
        if request["max_tokens"] != nil, request["max_completion_tokens"] != nil { return false }
        if case .array(let tools)? = request["tools"], tools.contains(where: { $0["type"] == nil }) { return false }
        for case .object(let message) in messages {
            if message.contains(where: { $0.key != "content" && $0.value.isNull }) { return false }
            if case .array(let calls)? = message["tool_calls"] {
                if calls.isEmpty { return false }
                if calls.contains(where: { $0["type"] == nil || $0["function"]?["arguments"] == nil }) { return false }
            }
            if case .array(let parts)? = message["content"],
               parts.contains(where: { $0["type"]?.stringValue == "image_url" && $0["image_url"]?.objectValue == nil }) {
                return false
            }
        }
        return true
    }

    /// What to keep of a client's body for forwarding (`ClientBody`): nil unless it is
    /// forwardable and its top-level `model` was located. `bytes` are only copied when kept.
    public static func clientBody(_ json: JSONValue, bytes: @autoclosure () -> [UInt8], modelRange: Range<Int>?) -> ClientBody? {
        guard let modelRange, isForwardable(json) else { return nil }
        return ClientBody(bytes: bytes(), modelRange: modelRange, hasStreamOptions: json["stream_options"] != nil)
    }

    /// The client's bytes with `model` replaced, and with `"stream_options":{"include_usage":true}`
    /// added first when `addingStreamUsage` (the body must not have `stream_options` then).
    public static func forwardedBody(_ client: ClientBody, model: String, addingStreamUsage: Bool) -> [UInt8] {
        let bytes = client.bytes
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + model.utf8.count + (addingStreamUsage ? 40 : 0))
        var start = 0
        if addingStreamUsage, let brace = bytes.firstIndex(of: UInt8(ascii: "{")), brace < client.modelRange.lowerBound {
            // The body has members (a model at least), so the one added first takes a comma.
            out.append(contentsOf: bytes[...brace])
            out.append(contentsOf: #""stream_options":{"include_usage":true},"#.utf8)
            start = brace + 1
        }
        out.append(contentsOf: bytes[start..<client.modelRange.lowerBound])
        JSONWriter.writeString(model, into: &out)
        out.append(contentsOf: bytes[client.modelRange.upperBound...])
        return out
    }
}
