import GatewyseCore

/// Turns unified chunks into Anthropic's event sequence (providers.md §2, streaming):
/// `message_start`, then per content block `content_block_start` / `content_block_delta`… /
/// `content_block_stop`, then `message_delta` (stop reason, usage) and `message_stop`.
/// A state machine; blocks are strictly sequential, as Anthropic's are.
struct AnthropicStreamEncoder {
    private enum Block { case text, toolUse(toolIndex: Int) }

    private var started = false
    private var open: Block?
    private var blockIndex = -1
    private var stopReason: FinishReason?
    private var usage: Usage?
    private var model = ""
    private var id = ""

    /// Appends the events `chunk` produces to `out`.
    mutating func encode(_ chunk: ChatChunk, into out: inout [UInt8]) {
        if !started {
            started = true
            model = chunk.model
            id = AnthropicInboundWire.messageID(chunk.id)
            let message: JSONValue = ["id": .string(id), "type": "message", "role": "assistant", "model": .string(model),
                                      "content": [], "stop_reason": nil, "stop_sequence": nil,
                                      "usage": ["input_tokens": 0, "output_tokens": 0]]
            event("message_start", ["type": "message_start", "message": message], into: &out)
        }
        if let usage = chunk.usage { self.usage = usage }
        // Anthropic streams one message: only the first choice is rendered.
        guard let choice = chunk.choices.first(where: { $0.index == 0 }) else { return }
        if let text = choice.delta.content, !text.isEmpty {
            if case .text? = open {} else {
                closeBlock(into: &out)
                openBlock(.text, content: ["type": "text", "text": ""], into: &out)
            }
            event("content_block_delta", ["type": "content_block_delta", "index": .int(blockIndex),
                                          "delta": ["type": "text_delta", "text": .string(text)]], into: &out)
        }
        for call in choice.delta.toolCalls ?? [] {
            if call.id != nil || call.name != nil {
                closeBlock(into: &out)
                openBlock(.toolUse(toolIndex: call.index),
                          content: ["type": "tool_use", "id": .string(call.id ?? "toolu_\(call.index)"), "name": .string(call.name ?? ""), "input": [:]],
                          into: &out)
            }
            if let fragment = call.arguments, !fragment.isEmpty, case .toolUse(let index)? = open, index == call.index {
                event("content_block_delta", ["type": "content_block_delta", "index": .int(blockIndex),
                                              "delta": ["type": "input_json_delta", "partial_json": .string(fragment)]], into: &out)
            }
        }
        if let reason = choice.finishReason { stopReason = reason }
    }

    /// Closes the message: the last block, `message_delta` with stop reason and usage, `message_stop`.
    mutating func finish(into out: inout [UInt8]) {
        if !started { encode(ChatChunk(id: "", created: 0, model: model, choices: []), into: &out) }
        closeBlock(into: &out)
        event("message_delta", ["type": "message_delta",
                                "delta": ["stop_reason": AnthropicInboundWire.stopReason(stopReason ?? .stop), "stop_sequence": nil],
                                "usage": AnthropicInboundWire.usage(usage)], into: &out)
        event("message_stop", ["type": "message_stop"], into: &out)
    }

    static func error(_ error: GatewayError, into out: inout [UInt8]) {
        SSEEncoder.encodeData(["type": "error", "error": ["type": .string(AnthropicErrorType.name(for: error)), "message": .string(error.message)]],
                              event: "error", into: &out)
    }

    private mutating func openBlock(_ block: Block, content: JSONValue, into out: inout [UInt8]) {
        blockIndex += 1
        open = block
        event("content_block_start", ["type": "content_block_start", "index": .int(blockIndex), "content_block": content], into: &out)
    }

    private mutating func closeBlock(into out: inout [UInt8]) {
        guard open != nil else { return }
        open = nil
        event("content_block_stop", ["type": "content_block_stop", "index": .int(blockIndex)], into: &out)
    }

    private func event(_ name: String, _ data: JSONValue, into out: inout [UInt8]) {
        SSEEncoder.encodeData(data, event: name, into: &out)
    }
}

/// Anthropic's error `type` for a gateway error, by status (Anthropic API errors page).
enum AnthropicErrorType {
    static func name(for error: GatewayError) -> String {
        switch error.status {
        case 400, 422: "invalid_request_error"
        case 401: "authentication_error"
        case 403: "permission_error"
        case 404: "not_found_error"
        case 413: "request_too_large"
        case 429: "rate_limit_error"
        case 503, 529: "overloaded_error"
        default: "api_error"
        }
    }
}

extension AnthropicStreamEncoder: ChatSSEFraming {
    func encode(error: GatewayError, into out: inout [UInt8]) { Self.error(error, into: &out) }
}
