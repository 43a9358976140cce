import GatewyseCore

/// The mock's answers in Anthropic's shapes: a `message` object, or the event sequence of a
/// stream (providers.md §2 "Response", "Streaming").
enum MockAnthropicResponses {
    static let messageID = "msg_mock123"
    static let requestID = "req_mock_anthropic"

    static func message(_ reply: MockAnthropicReply, model: String) -> JSONValue {
        ["id": .string(messageID), "type": "message", "role": "assistant", "model": .string(model),
         "content": .array(reply.blocks.map(block)), "stop_reason": .string(reply.stopReason), "stop_sequence": nil,
         "usage": usage(reply.usage, output: reply.usage.output)]
    }

    static func block(_ block: MockAnthropicBlock) -> JSONValue {
        switch block {
        case .text(let text): ["type": "text", "text": .string(text)]
        case .toolUse(let id, let name, let input): ["type": "tool_use", "id": .string(id), "name": .string(name), "input": input]
        case .thinking(let text, let signature): ["type": "thinking", "thinking": .string(text), "signature": .string(signature)]
        }
    }

    static func usage(_ usage: MockAnthropicUsage, output: Int) -> JSONValue {
        ["input_tokens": .int(usage.input), "cache_creation_input_tokens": .int(usage.cacheCreation),
         "cache_read_input_tokens": .int(usage.cacheRead), "output_tokens": .int(output)]
    }

    /// `message_start` → per block (`content_block_start`, deltas, `content_block_stop`), with a
    /// `ping` after the first block opens → `message_delta` (stop reason, cumulative output
    /// tokens) → `message_stop`. Text streams in word pieces, tool input in `input_json_delta`
    /// fragments starting with an empty one, thinking in pieces then its signature.
    static func streamEvents(_ reply: MockAnthropicReply, model: String) -> [JSONValue] {
        var events: [JSONValue] = [messageStart(reply.usage, model: model)]
        for (index, content) in reply.blocks.enumerated() {
            let i = JSONValue.int(index)
            switch content {
            case .text(let text):
                events.append(["type": "content_block_start", "index": i, "content_block": ["type": "text", "text": ""]])
                if index == 0 { events.append(["type": "ping"]) }
                for piece in MockResponses.pieces(text) {
                    events.append(["type": "content_block_delta", "index": i, "delta": ["type": "text_delta", "text": .string(piece)]])
                }
            case .toolUse(let id, let name, let input):
                events.append(["type": "content_block_start", "index": i,
                               "content_block": ["type": "tool_use", "id": .string(id), "name": .string(name), "input": [:]]])
                if index == 0 { events.append(["type": "ping"]) }
                for fragment in jsonFragments(input) {
                    events.append(["type": "content_block_delta", "index": i, "delta": ["type": "input_json_delta", "partial_json": .string(fragment)]])
                }
            case .thinking(let text, let signature):
                events.append(["type": "content_block_start", "index": i, "content_block": ["type": "thinking", "thinking": ""]])
                if index == 0 { events.append(["type": "ping"]) }
                for piece in MockResponses.pieces(text) {
                    events.append(["type": "content_block_delta", "index": i, "delta": ["type": "thinking_delta", "thinking": .string(piece)]])
                }
                events.append(["type": "content_block_delta", "index": i, "delta": ["type": "signature_delta", "signature": .string(signature)]])
            }
            events.append(["type": "content_block_stop", "index": i])
        }
        events.append(["type": "message_delta", "delta": ["stop_reason": .string(reply.stopReason), "stop_sequence": nil],
                       "usage": ["output_tokens": .int(reply.usage.output)]])
        events.append(["type": "message_stop"])
        return events
    }

    /// A stream that starts well and then reports `overloaded_error` in-band (the HTTP status was
    /// already 200; providers.md §2).
    static func failingStreamEvents(model: String) -> [JSONValue] {
        [messageStart(MockAnthropicUsage(), model: model),
         ["type": "content_block_start", "index": 0, "content_block": ["type": "text", "text": ""]],
         ["type": "ping"],
         ["type": "content_block_delta", "index": 0, "delta": ["type": "text_delta", "text": "partial "]],
         ["type": "error", "error": ["type": "overloaded_error", "message": "Overloaded"]]]
    }

    static func messageStart(_ usage: MockAnthropicUsage, model: String) -> JSONValue {
        ["type": "message_start",
         "message": ["id": .string(messageID), "type": "message", "role": "assistant", "model": .string(model), "content": [],
                     "stop_reason": nil, "stop_sequence": nil, "usage": self.usage(usage, output: 1)]]
    }

    /// The tool input as JSON text cut into three fragments, the first one empty, as Anthropic
    /// streams `input_json_delta`s.
    static func jsonFragments(_ input: JSONValue) -> [String] {
        let text = JSONWriter.string(input)
        let cut = text.index(text.startIndex, offsetBy: text.count / 2)
        return ["", String(text[..<cut]), String(text[cut...])]
    }
}
