import GatewyseCore

/// Turns Gemini's `streamGenerateContent?alt=sse` stream (providers.md §3 "Streaming", §4.2
/// "Streaming") into unified chunks. Each `data:` frame is a whole partial
/// `GenerateContentResponse`; there are no event names and no `[DONE]`. A state machine fed raw
/// bytes in pieces split anywhere (ARCHITECTURE rule 5).
///
/// - the first chunk out carries `role: assistant`;
/// - text parts → content deltas; `thought: true` parts → `reasoning_content`;
/// - each `functionCall` part arrives whole → one tool-call delta with id (`call_<n>` unless
///   Gemini sent one), name and the full arguments, at a running index per candidate; its
///   `thoughtSignature` goes out in `delta.extra[GeminiWire.thoughtSignaturesKey]`;
/// - the frame carrying `finishReason` → a chunk with the finish reason (`tool_calls` when the
///   candidate called functions), then a usage chunk (`choices: []`) from that frame's
///   `usageMetadata`, and `isFinished`. Gemini puts the authoritative usage on that last frame;
///   a trailing usage-only frame, if fed, still yields an updated usage chunk (the engine stops
///   reading at `isFinished`, so it is seldom seen);
/// - a frame `{"error":{…}}` (the HTTP status was already 200) ends the stream with a 502 in
///   `failure`, after the chunks decoded before it.
public struct GeminiStreamDecoder: ChatStreamDecoder {
    let providerID: String
    let created: Int
    private var sse = SSEDecoder()
    public private(set) var isFinished = false
    public private(set) var failure: GatewayError?
    private var sentRole = false
    private var id = ""
    private var model = ""
    /// Function calls seen so far per candidate index.
    private var callCounts: [Int: Int] = [:]
    private var lastUsage: Usage?

    public init(providerID: String, created: Int) {
        self.providerID = providerID
        self.created = created
    }

    public mutating func decode(_ bytes: [UInt8]) throws(GatewayError) -> [ChatChunk] {
        guard failure == nil else { return [] }
        let events = try sse.events(bytes, provider: providerID)
        var chunks: [ChatChunk] = []
        for event in events {
            let json: JSONValue
            do { json = try JSONParser.parse(event.data) } catch {
                failure = GatewayError.badUpstreamResponse(providerID, "stream frame: \(error.description)")
                break
            }
            if let error = json["error"] {
                let message = error["message"]?.stringValue ?? "stream failed"
                let status = error["status"]?.stringValue ?? "UNKNOWN"
                failure = GatewayError(status: 502, code: "UPSTREAM_STREAM_ERROR", type: "api_error",
                                       message: "Provider '\(providerID)' failed mid-stream: \(message) (\(status))")
                break
            }
            chunks += frame(json)
        }
        return chunks
    }

    private mutating func frame(_ json: JSONValue) -> [ChatChunk] {
        if let responseID = json["responseId"]?.stringValue { id = responseID }
        if let version = json["modelVersion"]?.stringValue { model = version }
        var chunks: [ChatChunk] = []
        var finished = false
        for (position, candidate) in (json["candidates"]?.arrayValue ?? []).enumerated() {
            let index = candidate["index"]?.intValue ?? position
            let parts = GeminiWire.readParts(candidate)
            var delta = ChatDelta()
            if !parts.text.isEmpty { delta.content = parts.text }
            delta.reasoningContent = parts.reasoning
            var calls: [ToolCallDelta] = []
            var signatures = JSONObject()
            for call in parts.functionCalls {
                let n = callCounts[index, default: 0]
                callCounts[index] = n + 1
                let callID = call.id ?? GeminiWire.synthesizedToolCallID(n)
                calls.append(ToolCallDelta(index: n, id: callID, name: call.name, arguments: call.arguments))
                if let signature = call.signature { signatures[callID] = .string(signature) }
            }
            if !calls.isEmpty { delta.toolCalls = calls }
            if !signatures.isEmpty { delta.extra[GeminiWire.thoughtSignaturesKey] = .object(signatures) }
            let finish = GeminiWire.finishReason(candidate["finishReason"]?.stringValue, hasFunctionCalls: callCounts[index, default: 0] > 0)
            let hasDelta = delta.content != nil || delta.reasoningContent != nil || delta.toolCalls != nil
            if hasDelta || !sentRole { chunks.append(chunk(index: index, delta)) }
            if let finish {
                chunks.append(chunk(index: index, ChatDelta(), finishReason: finish))
                finished = true
            }
        }
        if json["candidates"] == nil, json["promptFeedback"]?["blockReason"] != nil {
            // A blocked prompt streams one frame with no candidates.
            chunks.append(chunk(index: 0, ChatDelta(content: "")))
            chunks.append(chunk(index: 0, ChatDelta(), finishReason: .contentFilter))
            finished = true
        }
        let usage = GeminiWire.usage(json["usageMetadata"])
        if let usage { lastUsage = usage }
        // Usage goes out with the finish (from this frame, else the latest earlier frame that had
        // some) and again for a trailing usage frame after it.
        if finished || (isFinished && usage != nil), let latest = lastUsage {
            chunks.append(ChatChunk(id: id, created: created, model: model, choices: [], usage: latest))
        }
        if finished { isFinished = true }
        return chunks
    }

    private mutating func chunk(index: Int, _ delta: ChatDelta, finishReason: FinishReason? = nil) -> ChatChunk {
        var delta = delta
        if !sentRole {
            delta.role = .assistant
            if delta.content == nil, delta.toolCalls == nil, delta.reasoningContent == nil { delta.content = "" }
            sentRole = true
        }
        return ChatChunk(id: id, created: created, model: model, choices: [ChunkChoice(index: index, delta: delta, finishReason: finishReason)])
    }
}
