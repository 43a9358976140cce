import GatewyseCore

/// Turns a ConverseStream response (AWS event-stream frames, `AWSEventStreamDecoder`) into
/// unified chunks. Fed raw bytes split anywhere (ARCHITECTURE rule 5).
///
/// Event (`:event-type` header) → chunks:
/// - `messageStart {role}` → the opening chunk (`role: assistant`, empty content);
/// - `contentBlockStart {contentBlockIndex, start:{toolUse:{toolUseId, name}}}` → a tool-call
///   delta with id, name and empty arguments; the OpenAI tool index is a running count of tool
///   blocks, not Converse's block index (a text block usually comes first);
/// - `contentBlockDelta {delta:{text}}` → content; `{delta:{toolUse:{input}}}` → argument
///   fragments at the block's tool index; `{delta:{reasoningContent:{text|signature}}}` →
///   `reasoning_content`, and when that block stops its signed form goes out once as
///   `delta.thinking_blocks` (it must be replayed in the next turn);
/// - the gateway's structured-output tool (JSON mode) streams its input as content;
/// - `messageStop {stopReason}` → a chunk with the finish reason;
/// - `metadata {usage, metrics}` → a usage chunk (`choices: []`), and the stream is finished;
/// - an `exception` message (`:exception-type`, after the HTTP 200) ends the stream with a 502
///   naming it in `failure`, after the chunks decoded before it; throttling keeps its meaning in
///   the message.
public struct BedrockStreamDecoder: ChatStreamDecoder {
    let providerID: String
    let id: String
    let created: Int
    let model: String
    private var frames = AWSEventStreamDecoder()
    public private(set) var isFinished = false
    public private(set) var failure: GatewayError?
    private var sentRole = false
    private var blocks: [Int: Block] = [:]
    private var toolCount = 0
    private var toolsCalled = false

    private enum Block {
        case tool(index: Int)
        case structuredOutput
        case reasoning(text: String, signature: String)
        case redacted(data: String)
    }

    public init(providerID: String, id: String, created: Int, model: String) {
        self.providerID = providerID
        self.id = id
        self.created = created
        self.model = model
    }

    public mutating func decode(_ bytes: [UInt8]) throws(GatewayError) -> [ChatChunk] {
        guard failure == nil else { return [] }
        var chunks: [ChatChunk] = []
        for message in try frames.feed(bytes) where !isFinished {
            let kind = message.headers[":message-type"] ?? "event"
            guard kind == "event" else {
                failure = streamFailure(message)
                break
            }
            let json: JSONValue
            do { json = try JSONParser.parse(message.payload) } catch {
                failure = GatewayError.badUpstreamResponse(providerID, "stream event: \(error.description)")
                break
            }
            chunks += event(message.headers[":event-type"] ?? "", json)
        }
        return chunks
    }

    private mutating func event(_ type: String, _ json: JSONValue) -> [ChatChunk] {
        let index = json["contentBlockIndex"]?.intValue ?? 0
        switch type {
        case "messageStart":
            return sentRole ? [] : [chunk(ChatDelta())]
        case "contentBlockStart":
            guard let toolUse = json["start"]?["toolUse"] else { return [] }
            let name = toolUse["name"]?.stringValue ?? ""
            if name == BedrockConverseWire.structuredOutputToolName {
                blocks[index] = .structuredOutput
                return []
            }
            let toolIndex = toolCount
            toolCount += 1
            toolsCalled = true
            blocks[index] = .tool(index: toolIndex)
            return [chunk(ChatDelta(toolCalls: [ToolCallDelta(index: toolIndex, id: toolUse["toolUseId"]?.stringValue, name: name, arguments: "")]))]
        case "contentBlockDelta":
            return blockDelta(index: index, json["delta"] ?? .null)
        case "contentBlockStop":
            guard let block = blocks.removeValue(forKey: index) else { return [] }
            var delta = ChatDelta()
            switch block {
            case .reasoning(let text, let signature):
                delta.extra["thinking_blocks"] = [["type": "thinking", "thinking": .string(text), "signature": .string(signature)]]
            case .redacted(let data):
                delta.extra["thinking_blocks"] = [["type": "redacted_thinking", "data": .string(data)]]
            case .tool, .structuredOutput:
                return []
            }
            return [chunk(delta)]
        case "messageStop":
            var finish = BedrockConverseWire.finishReason(json["stopReason"]?.stringValue) ?? .stop
            if finish == .toolCalls, !toolsCalled { finish = .stop }   // only the JSON-mode tool ran
            return [chunk(ChatDelta(), finishReason: finish)]
        case "metadata":
            isFinished = true
            guard let usage = BedrockConverseWire.usage(json["usage"]) else { return [] }
            return [ChatChunk(id: id, created: created, model: model, choices: [], usage: usage)]
        default:
            return []
        }
    }

    private mutating func blockDelta(index: Int, _ delta: JSONValue) -> [ChatChunk] {
        if let text = delta["text"]?.stringValue {
            return text.isEmpty ? [] : [chunk(ChatDelta(content: text))]
        }
        if let input = delta["toolUse"]?["input"]?.stringValue {
            switch blocks[index] {
            case .tool(let toolIndex)?:
                return input.isEmpty ? [] : [chunk(ChatDelta(toolCalls: [ToolCallDelta(index: toolIndex, arguments: input)]))]
            case .structuredOutput?:
                return input.isEmpty ? [] : [chunk(ChatDelta(content: input))]
            default:
                return []
            }
        }
        if let reasoning = delta["reasoningContent"] {
            var text = "", signature = ""
            if case .reasoning(let t, let s)? = blocks[index] { (text, signature) = (t, s) }
            if let redacted = reasoning["redactedContent"]?.stringValue {
                blocks[index] = .redacted(data: redacted)
                return []
            }
            if let piece = reasoning["signature"]?.stringValue { signature += piece }
            let piece = reasoning["text"]?.stringValue ?? ""
            text += piece
            blocks[index] = .reasoning(text: text, signature: signature)
            guard !piece.isEmpty else { return [] }
            var out = ChatDelta()
            out.reasoningContent = piece
            return [chunk(out)]
        }
        return []
    }

    private mutating func chunk(_ delta: ChatDelta, finishReason: FinishReason? = nil) -> ChatChunk {
        var delta = delta
        if !sentRole {
            delta.role = .assistant
            if delta.content == nil, delta.toolCalls == nil, delta.reasoningContent == nil { delta.content = "" }
            sentRole = true
        }
        return ChatChunk(id: id, created: created, model: model, choices: [ChunkChoice(index: 0, delta: delta, finishReason: finishReason)])
    }

    /// An `exception` (or generic `error`) message after the 200.
    private func streamFailure(_ message: AWSEventStreamMessage) -> GatewayError {
        let name = message.headers[":exception-type"] ?? message.headers[":error-code"] ?? "unknown error"
        let text = (try? JSONParser.parse(message.payload))?["message"]?.stringValue ?? message.headers[":error-message"] ?? ""
        return GatewayError(status: 502, code: "UPSTREAM_STREAM_ERROR", type: "api_error",
                            message: "Provider '\(providerID)' failed mid-stream: \(name)\(text.isEmpty ? "" : ": \(text)")")
    }
}
