import GatewyseCore
import GatewyseProviders

/// What the mock Bedrock answers, before it is written as JSON or as event-stream frames.
struct MockBedrockReply: Sendable {
    enum Block: Sendable {
        case text(String)
        case toolUse(id: String, name: String, input: JSONValue)
        case reasoning(text: String, signature: String)
    }

    var blocks: [Block]
    var stopReason: String
    var inputTokens: Int
    var outputTokens: Int
}

/// How the mock Bedrock answers, chosen by the model id:
/// - `…throttle…` → 429 `ThrottlingException`; `…unavailable…` → 503 `ServiceUnavailableException`;
///   `…fail…` → 500 `InternalServerException`; `…midstream…` → a stream that breaks with a
///   `modelStreamErrorException` after its first events (424 `ModelErrorException` unstreamed);
/// - a forced tool (`toolChoice.tool`) → that tool called with `{"answer": 42}`;
/// - `…tool…` with tools, unless the last turn answers a tool → "Let me check." and a call of
///   the first tool with `{"city": "Paris"}`;
/// - `…reason…` → a signed reasoning block, then the echo;
/// - otherwise "You said: <last user text>" (or "The tool said: <result>").
enum MockBedrockScenario {
    case reply(MockBedrockReply)
    case error(MockBedrockRejection)
    case failingStream(MockBedrockReply)

    static func forRequest(model: String, body: JSONObject) -> MockBedrockScenario {
        if model.contains("throttle") { return .error(MockBedrockRejection(status: 429, type: "ThrottlingException", message: "Too many requests, please wait before trying again.")) }
        if model.contains("unavailable") { return .error(MockBedrockRejection(status: 503, type: "ServiceUnavailableException", message: "Bedrock is unable to process your request.")) }
        if model.contains("fail") { return .error(MockBedrockRejection(status: 500, type: "InternalServerException", message: "The server encountered an internal error.")) }
        let messages = body["messages"]?.arrayValue ?? []
        let inputTokens = max(1, JSONWriter.bytes(.array(messages)).count / 4)
        let lastBlocks = messages.last?["content"]?.arrayValue ?? []
        let toolResult = lastBlocks.compactMap { $0["toolResult"] }.first
        let text = lastBlocks.compactMap { $0["text"]?.stringValue }.joined(separator: " ")
        func reply(_ blocks: [MockBedrockReply.Block], stop: String) -> MockBedrockReply {
            let output = blocks.reduce(0) { total, block in
                if case .text(let text) = block { return total + text.split(separator: " ").count }
                return total + 8
            }
            return MockBedrockReply(blocks: blocks, stopReason: stop, inputTokens: inputTokens, outputTokens: max(1, output))
        }
        if let forced = body["toolConfig"]?["toolChoice"]?["tool"]?["name"]?.stringValue {
            return .reply(reply([.toolUse(id: "tooluse_forced0001", name: forced, input: ["answer": 42])], stop: "tool_use"))
        }
        if model.contains("tool"), toolResult == nil, let firstTool = body["toolConfig"]?["tools"]?.arrayValue?.first?["toolSpec"]?["name"]?.stringValue {
            return .reply(reply([.text("Let me check."), .toolUse(id: "tooluse_weather0001", name: firstTool, input: ["city": "Paris"])], stop: "tool_use"))
        }
        let answer = toolResult.map { "The tool said: " + ($0["content"]?.arrayValue?.compactMap { $0["text"]?.stringValue }.joined() ?? "") } ?? "You said: \(text)"
        if model.contains("midstream") { return .failingStream(reply([.text(answer)], stop: "end_turn")) }
        if model.contains("reason") {
            return .reply(reply([.reasoning(text: "The user wants an echo.", signature: "sig-mock-0001"), .text(answer)], stop: "end_turn"))
        }
        return .reply(reply([.text(answer)], stop: "end_turn"))
    }
}

enum MockBedrockResponses {
    static let requestID = "5d3c1c6e-1b0f-4a8e-9f3e-0a6b2c9d7e41"

    /// The Converse answer: `{output:{message}, stopReason, usage, metrics}`.
    static func converse(_ reply: MockBedrockReply) -> JSONValue {
        let content: [JSONValue] = reply.blocks.map { block in
            switch block {
            case .text(let text): ["text": .string(text)]
            case .toolUse(let id, let name, let input): ["toolUse": ["toolUseId": .string(id), "name": .string(name), "input": input]]
            case .reasoning(let text, let signature): ["reasoningContent": ["reasoningText": ["text": .string(text), "signature": .string(signature)]]]
            }
        }
        return ["output": ["message": ["role": "assistant", "content": .array(content)]], "stopReason": .string(reply.stopReason),
                "usage": usage(reply), "metrics": ["latencyMs": 42]]
    }

    static func usage(_ reply: MockBedrockReply) -> JSONValue {
        ["inputTokens": .int(reply.inputTokens), "outputTokens": .int(reply.outputTokens), "totalTokens": .int(reply.inputTokens + reply.outputTokens)]
    }

    /// ConverseStream frames in the documented order: `messageStart`, per block
    /// `contentBlockStart` (tool use only) / `contentBlockDelta`s / `contentBlockStop`,
    /// `messageStop`, `metadata`. Payloads carry AWS's `p` padding field.
    static func streamEvents(_ reply: MockBedrockReply) -> [[UInt8]] {
        var frames = [frame("messageStart", ["role": "assistant"])]
        for (index, block) in reply.blocks.enumerated() {
            switch block {
            case .text(let text):
                for piece in pieces(text) { frames.append(frame("contentBlockDelta", ["contentBlockIndex": .int(index), "delta": ["text": .string(piece)]])) }
            case .toolUse(let id, let name, let input):
                frames.append(frame("contentBlockStart", ["contentBlockIndex": .int(index), "start": ["toolUse": ["toolUseId": .string(id), "name": .string(name)]]]))
                for piece in pieces(JSONWriter.string(input)) {
                    frames.append(frame("contentBlockDelta", ["contentBlockIndex": .int(index), "delta": ["toolUse": ["input": .string(piece)]]]))
                }
            case .reasoning(let text, let signature):
                for piece in pieces(text) {
                    frames.append(frame("contentBlockDelta", ["contentBlockIndex": .int(index), "delta": ["reasoningContent": ["text": .string(piece)]]]))
                }
                frames.append(frame("contentBlockDelta", ["contentBlockIndex": .int(index), "delta": ["reasoningContent": ["signature": .string(signature)]]]))
            }
            frames.append(frame("contentBlockStop", ["contentBlockIndex": .int(index)]))
        }
        frames.append(frame("messageStop", ["stopReason": .string(reply.stopReason)]))
        frames.append(frame("metadata", ["usage": usage(reply), "metrics": ["latencyMs": 42]]))
        return frames
    }

    static func frame(_ type: String, _ payload: JSONValue) -> [UInt8] {
        var object = payload.objectValue ?? JSONObject()
        object["p"] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJ"
        return AWSEventStream.encode(headers: [(":event-type", type), (":content-type", "application/json"), (":message-type", "event")],
                                     payload: JSONWriter.bytes(.object(object)))
    }

    /// The text in three roughly equal pieces (at character boundaries), so clients see several deltas.
    static func pieces(_ text: String) -> [String] {
        let characters = Array(text)
        guard characters.count >= 3 else { return [text] }
        let size = (characters.count + 2) / 3
        return stride(from: 0, to: characters.count, by: size).map { String(characters[$0..<min($0 + size, characters.count)]) }
    }
}
