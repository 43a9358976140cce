import GatewyseCore

/// Turns Anthropic's named-event stream (providers.md §2 "Streaming", §4.1 "Streaming") into
/// unified chunks. A state machine fed raw bytes in pieces split anywhere (ARCHITECTURE rule 5).
///
/// - `message_start` → the opening chunk (`role: assistant`, empty content); its id, model and
///   input usage are remembered for every later chunk;
/// - `content_block_start` of a `tool_use` → a tool-call delta with id, name and empty
///   arguments; its `input_json_delta`s → argument fragments. The OpenAI tool index is a running
///   count of tool blocks, not Anthropic's block index (a text block usually comes first);
/// - `text_delta` → content; `thinking_delta` → `reasoning_content`; when a thinking block
///   stops, its signed form goes out once as `delta.thinking_blocks` (the signature must be
///   replayed in the next turn);
/// - `message_delta` → a chunk with the finish reason, then a usage chunk (`choices: []`) that
///   adds `message_delta`'s cumulative output to `message_start`'s input;
/// - `message_stop` ends the stream; `ping` and `content_block_stop` emit nothing; an `error`
///   event (the HTTP status was already 200) ends it with a 502 in `failure`, after the chunks
///   decoded before it.
public struct AnthropicStreamDecoder: ChatStreamDecoder {
    let providerID: String
    let created: Int
    /// The request asked for JSON via `response_format`: the gateway's forced tool streams as
    /// content (see `AnthropicMessagesWire.structuredOutputToolName`).
    let emulatesStructuredOutput: Bool

    private var sse = SSEDecoder()
    public private(set) var isFinished = false
    public private(set) var failure: GatewayError?
    private var id = ""
    private var model = ""
    private var inputUsage = JSONObject()
    private var blocks: [Int: Block] = [:]
    private var toolCount = 0

    private enum Block {
        case text
        case tool(index: Int)
        case structuredOutput
        case thinking(text: String, signature: String)
        case redactedThinking(data: String)
        /// Server tools and future block types: their deltas are not passed on.
        case ignored
    }

    /// `message_start`'s usage (input, cache reads and writes; output so far), read only when
    /// a stream ends without `message_delta`.
    public var promptUsage: Usage? {
        guard !inputUsage.isEmpty else { return nil }
        return try? AnthropicMessagesWire.decodeUsage(JSONFieldReader(inputUsage))
    }

    public init(providerID: String, created: Int, emulatesStructuredOutput: Bool = false) {
        self.providerID = providerID
        self.created = created
        self.emulatesStructuredOutput = emulatesStructuredOutput
    }

    public mutating func decode(_ bytes: [UInt8]) throws(GatewayError) -> [ChatChunk] {
        guard failure == nil else { return [] }
        let events = try sse.events(bytes, provider: providerID)
        var chunks: [ChatChunk] = []
        for event in events where !isFinished {
            do { try handle(event, into: &chunks) } catch {
                failure = error
                break
            }
        }
        return chunks
    }

    private mutating func handle(_ event: SSEEvent, into chunks: inout [ChatChunk]) throws(GatewayError) {
        let json = try StreamPayload.json(event.data, provider: providerID)
        // The `type` inside the data names the event as reliably as the `event:` line does.
        switch json["type"]?.stringValue ?? event.event ?? "" {
        case "message_start": chunks += messageStart(json["message"])
        case "content_block_start": chunks += blockStart(json)
        case "content_block_delta": chunks += blockDelta(json)
        case "content_block_stop": chunks += blockStop(json)
        case "message_delta": chunks += try messageDelta(json)
        case "message_stop": isFinished = true
        case "error": throw streamError(json["error"])
        default: break  // `ping`, and event types added later (Anthropic asks clients to ignore them)
        }
    }

    // MARK: Events

    private mutating func messageStart(_ message: JSONValue?) -> [ChatChunk] {
        id = message?["id"]?.stringValue ?? ""
        model = message?["model"]?.stringValue ?? ""
        inputUsage = message?["usage"]?.objectValue ?? JSONObject()
        return [chunk(ChatDelta(role: .assistant, content: ""))]
    }

    private mutating func blockStart(_ json: JSONValue) -> [ChatChunk] {
        guard let index = json["index"]?.intValue, let block = json["content_block"] else { return [] }
        switch block["type"]?.stringValue {
        case "text":
            blocks[index] = .text
            if let text = block["text"]?.stringValue, !text.isEmpty, !emulatesStructuredOutput { return [chunk(ChatDelta(content: text))] }
        case "tool_use":
            let name = block["name"]?.stringValue ?? ""
            if emulatesStructuredOutput, name == AnthropicMessagesWire.structuredOutputToolName {
                blocks[index] = .structuredOutput
                return []
            }
            let toolIndex = toolCount
            toolCount += 1
            blocks[index] = .tool(index: toolIndex)
            let call = ToolCallDelta(index: toolIndex, id: block["id"]?.stringValue, name: name, arguments: "")
            return [chunk(ChatDelta(toolCalls: [call]))]
        case "thinking":
            let text = block["thinking"]?.stringValue ?? ""
            blocks[index] = .thinking(text: text, signature: block["signature"]?.stringValue ?? "")
            if !text.isEmpty { return [reasoningChunk(text)] }
        case "redacted_thinking":
            blocks[index] = .redactedThinking(data: block["data"]?.stringValue ?? "")
        default:
            blocks[index] = .ignored
        }
        return []
    }

    private mutating func blockDelta(_ json: JSONValue) -> [ChatChunk] {
        guard let index = json["index"]?.intValue, let delta = json["delta"], let block = blocks[index] else { return [] }
        switch (delta["type"]?.stringValue, block) {
        case ("text_delta", .text):
            guard let text = delta["text"]?.stringValue, !text.isEmpty, !emulatesStructuredOutput else { return [] }
            return [chunk(ChatDelta(content: text))]
        case ("input_json_delta", .tool(let toolIndex)):
            // The first fragment is often empty; the opener already sent `arguments: ""`.
            guard let fragment = delta["partial_json"]?.stringValue, !fragment.isEmpty else { return [] }
            return [chunk(ChatDelta(toolCalls: [ToolCallDelta(index: toolIndex, arguments: fragment)]))]
        case ("input_json_delta", .structuredOutput):
            guard let fragment = delta["partial_json"]?.stringValue, !fragment.isEmpty else { return [] }
            return [chunk(ChatDelta(content: fragment))]
        case ("thinking_delta", .thinking(let text, let signature)):
            let piece = delta["thinking"]?.stringValue ?? ""
            blocks[index] = .thinking(text: text + piece, signature: signature)
            return piece.isEmpty ? [] : [reasoningChunk(piece)]
        case ("signature_delta", .thinking(let text, let signature)):
            blocks[index] = .thinking(text: text, signature: signature + (delta["signature"]?.stringValue ?? ""))
            return []
        default:
            return []  // citations_delta, deltas of ignored blocks
        }
    }

    private mutating func blockStop(_ json: JSONValue) -> [ChatChunk] {
        guard let index = json["index"]?.intValue, let block = blocks[index] else { return [] }
        let signed: JSONValue
        switch block {
        case .thinking(let text, let signature):
            signed = ["type": "thinking", "thinking": .string(text), "signature": .string(signature)]
        case .redactedThinking(let data):
            signed = ["type": "redacted_thinking", "data": .string(data)]
        default:
            return []
        }
        var delta = ChatDelta()
        delta.extra["thinking_blocks"] = [signed]
        return [chunk(delta)]
    }

    private mutating func messageDelta(_ json: JSONValue) throws(GatewayError) -> [ChatChunk] {
        var chunks: [ChatChunk] = []
        var finish = AnthropicMessagesWire.finishReason(json["delta"]?["stop_reason"]?.stringValue)
        if emulatesStructuredOutput, finish == .toolCalls, toolCount == 0 { finish = .stop }
        if let finish { chunks.append(chunk(ChatDelta(), finishReason: finish)) }
        // `message_delta.usage` is cumulative; recent API versions repeat the input counts there.
        var combined = inputUsage
        var present = JSONObject()
        for (key, value) in json["usage"]?.objectValue ?? JSONObject() where !value.isNull { present.appendUnique(key, value) }
        combined.merge(present)
        if let usage = try AnthropicMessagesWire.decodeUsage(JSONFieldReader(combined)) {
            chunks.append(ChatChunk(id: id, created: created, model: model, choices: [], usage: usage))
        }
        return chunks
    }

    private func streamError(_ error: JSONValue?) -> GatewayError {
        let type = error?["type"]?.stringValue ?? "api_error"
        let message = error?["message"]?.stringValue ?? "stream failed"
        return GatewayError(status: 502, code: "UPSTREAM_STREAM_ERROR", type: "api_error",
                            message: "Provider '\(providerID)' failed mid-stream: \(message) (\(type))")
    }

    // MARK: Chunks

    private func chunk(_ delta: ChatDelta, finishReason: FinishReason? = nil) -> ChatChunk {
        ChatChunk(id: id, created: created, model: model, choices: [ChunkChoice(index: 0, delta: delta, finishReason: finishReason)])
    }

    private func reasoningChunk(_ text: String) -> ChatChunk {
        var delta = ChatDelta()
        delta.reasoningContent = text
        return chunk(delta)
    }
}
