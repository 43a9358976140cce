import GatewyseCore

/// Turns Cohere's v2 chat stream (providers.md §7 "Streaming", §4.3 "Streaming") into unified
/// chunks. Each SSE event has an `event:` line and `data: {"type": <same name>, …}`. A state
/// machine fed raw bytes in pieces split anywhere (ARCHITECTURE rule 5).
///
/// - `message-start` → the opening chunk (`role: assistant`, empty content) with Cohere's id,
///   kept for every later chunk;
/// - `content-delta` → content, or `reasoning_content` when it carries `thinking`; its
///   `logprobs` item → the chunk's logprobs;
/// - `tool-call-start` → a tool-call delta `{index, id, type, name, arguments: ""}`; the index
///   is a running count of the calls in this answer, so it stays stable whatever Cohere numbers
///   its events; `tool-call-delta` → argument fragments for that call;
/// - `message-end` → a chunk with the finish reason, then a usage chunk (`choices: []`; the
///   engine hides it from clients that did not ask), and `isFinished`. A `delta.error`, or a
///   finish reason `ERROR` / `TIMEOUT`, ends the stream with a 502 in `failure` (the HTTP status
///   was already 200), after the chunks decoded before it;
/// - `content-start`, `content-end`, `tool-plan-delta`, `tool-call-end`, `citation-*`, `debug`
///   and unknown types emit nothing; a trailing `data: [DONE]` (in Cohere's OpenAPI spec,
///   UNCONFIRMED on the wire) is tolerated.
public struct CohereStreamDecoder: ChatStreamDecoder {
    let providerID: String
    let created: Int
    private var sse = SSEDecoder()
    public private(set) var isFinished = false
    public private(set) var failure: GatewayError?
    private var id = ""
    private var sentRole = false
    /// Cohere's tool-call event index → the OpenAI index given at its `tool-call-start`.
    private var toolIndexes: [Int: Int] = [:]
    private var toolCount = 0

    public init(providerID: String, created: Int) {
        self.providerID = providerID
        self.created = created
    }

    public mutating func decode(_ bytes: [UInt8]) throws(GatewayError) -> [ChatChunk] {
        guard failure == nil else { return [] }
        let events = try sse.events(bytes, provider: providerID)
        var chunks: [ChatChunk] = []
        for event in events where !isFinished {
            if event.data == "[DONE]" {
                isFinished = true
                break
            }
            do { try handle(event, into: &chunks) } catch {
                failure = error
                break
            }
        }
        return chunks
    }

    private mutating func handle(_ event: SSEEvent, into chunks: inout [ChatChunk]) throws(GatewayError) {
        let json = try StreamPayload.json(event.data, provider: providerID)
        switch json["type"]?.stringValue ?? event.event ?? "" {
        case "message-start": chunks += messageStart(json)
        case "content-delta": chunks += contentDelta(json)
        case "tool-call-start": chunks += toolCallStart(json)
        case "tool-call-delta": chunks += toolCallDelta(json)
        case "message-end": chunks += try messageEnd(json["delta"])
        default: break
        }
    }

    // MARK: Events

    private mutating func messageStart(_ json: JSONValue) -> [ChatChunk] {
        id = json["id"]?.stringValue ?? id
        return [chunk(ChatDelta(role: .assistant, content: ""))]
    }

    private mutating func contentDelta(_ json: JSONValue) -> [ChatChunk] {
        let content = json["delta"]?["message"]?["content"]
        var delta = ChatDelta()
        if let text = content?["text"]?.stringValue, !text.isEmpty {
            delta.content = text
        } else if let thinking = content?["thinking"]?.stringValue, !thinking.isEmpty {
            delta.reasoningContent = thinking
        } else {
            return []
        }
        let logprobs = json["logprobs"].flatMap { $0.objectValue != nil ? CohereChatWire.logprobs([$0]) : nil }
        return [chunk(delta, logprobs: logprobs)]
    }

    private mutating func toolCallStart(_ json: JSONValue) -> [ChatChunk] {
        let call = json["delta"]?["message"]?["tool_calls"]
        let index = toolCount
        toolCount += 1
        toolIndexes[json["index"]?.intValue ?? index] = index
        let delta = ToolCallDelta(index: index, id: call?["id"]?.stringValue, name: call?["function"]?["name"]?.stringValue ?? "",
                                  arguments: call?["function"]?["arguments"]?.stringValue ?? "")
        return [chunk(ChatDelta(toolCalls: [delta]))]
    }

    private mutating func toolCallDelta(_ json: JSONValue) -> [ChatChunk] {
        guard toolCount > 0,
              let fragment = json["delta"]?["message"]?["tool_calls"]?["function"]?["arguments"]?.stringValue, !fragment.isEmpty
        else { return [] }
        let index = json["index"]?.intValue.flatMap { toolIndexes[$0] } ?? toolCount - 1
        return [chunk(ChatDelta(toolCalls: [ToolCallDelta(index: index, arguments: fragment)]))]
    }

    private mutating func messageEnd(_ delta: JSONValue?) throws(GatewayError) -> [ChatChunk] {
        let reason = delta?["finish_reason"]?.stringValue
        let error = delta?["error"]?.stringValue
        if (error.map { !$0.isEmpty } ?? false) || reason == "ERROR" || reason == "TIMEOUT" {
            throw CohereChatWire.generationFailure(providerID: providerID, reason: reason, detail: error)
        }
        isFinished = true
        var chunks: [ChatChunk] = []
        chunks.append(chunk(ChatDelta(), finishReason: CohereChatWire.finishReason(reason) ?? .stop))
        if let usage = CohereChatWire.usage(delta?["usage"]) {
            chunks.append(ChatChunk(id: id, created: created, model: "", choices: [], usage: usage))
        }
        return chunks
    }

    // MARK: Chunks

    private mutating func chunk(_ delta: ChatDelta, finishReason: FinishReason? = nil, logprobs: JSONValue? = nil) -> ChatChunk {
        var delta = delta
        if !sentRole {
            // A stream that skipped `message-start` still opens with the role.
            delta.role = .assistant
            sentRole = true
        }
        return ChatChunk(id: id, created: created, model: "", choices: [ChunkChoice(index: 0, delta: delta, finishReason: finishReason, logprobs: logprobs)])
    }
}
