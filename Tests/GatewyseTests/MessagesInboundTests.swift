import GatewyseCore
import GatewyseProviders
@testable import GatewyseEngine
import Testing

@Suite("Anthropic Messages inbound")
struct MessagesInboundTests {
    func decode(_ text: String) throws -> ChatRequest {
        try AnthropicInboundWire.decodeRequest(try JSONParser.parse(text))
    }

    @Test("system, tool use and tool results become unified messages in order")
    func request() throws {
        let chat = try decode("""
            {"model":"m","max_tokens":50,"system":[{"type":"text","text":"a"},{"type":"text","text":"b"}],
             "stop_sequences":["END"],"tool_choice":{"type":"any","disable_parallel_tool_use":true},
             "tools":[{"name":"f","input_schema":{"type":"object"}}],
             "messages":[{"role":"user","content":"q"},
                         {"role":"assistant","content":[{"type":"text","text":"calling"},{"type":"tool_use","id":"t1","name":"f","input":{"x":1}}]},
                         {"role":"user","content":[{"type":"tool_result","tool_use_id":"t1","content":[{"type":"text","text":"42"}]}]}]}
            """)
        #expect(chat.messages.map(\.role) == [.system, .user, .assistant, .tool])
        #expect(chat.messages[0].content == .text("a\n\nb"))
        #expect(chat.messages[2].toolCalls == [ToolCall(id: "t1", name: "f", arguments: #"{"x":1}"#)])
        #expect(chat.messages[3].toolCallID == "t1" && chat.messages[3].content == .text("42"))
        #expect(chat.toolChoice == .required && chat.parallelToolCalls == false)
        #expect(chat.stop == ["END"] && chat.maxTokens == 50)
    }

    @Test("invalid requests name the field", arguments: [
        (#"{"model":"m","messages":[{"role":"user","content":"x"}]}"#, "max_tokens"),
        (#"{"model":"m","max_tokens":5,"messages":[{"role":"system","content":"x"}]}"#, "messages[0].role"),
        (#"{"model":"m","max_tokens":5,"temperature":1.5,"messages":[{"role":"user","content":"x"}]}"#, "temperature"),
        (#"{"model":"m","max_tokens":5,"n":2,"messages":[{"role":"user","content":"x"}]}"#, "n"),
        (#"{"model":"m","max_tokens":5,"messages":[{"role":"user","content":[{"type":"tool_use","id":"a","name":"f","input":{}}]}]}"#, "messages[0].content[0].type"),
    ])
    func invalid(body: String, param: String) {
        do {
            _ = try decode(body)
            Issue.record("accepted \(body)")
        } catch let error as GatewayError {
            #expect(error.status == 400)
            #expect(error.param == param, "\(error)")
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test("a streamed tool call becomes the exact Anthropic event sequence")
    func streamEvents() throws {
        var encoder = AnthropicStreamEncoder()
        var out: [UInt8] = []
        let chunks = [
            ChatChunk(id: "c", created: 0, model: "m", choices: [ChunkChoice(index: 0, delta: ChatDelta(role: .assistant, content: "Let me check. "))]),
            ChatChunk(id: "c", created: 0, model: "m", choices: [ChunkChoice(index: 0, delta: ChatDelta(toolCalls: [ToolCallDelta(index: 0, id: "call_1", name: "f", arguments: "")]))]),
            ChatChunk(id: "c", created: 0, model: "m", choices: [ChunkChoice(index: 0, delta: ChatDelta(toolCalls: [ToolCallDelta(index: 0, arguments: "{\"a\":")]))]),
            ChatChunk(id: "c", created: 0, model: "m", choices: [ChunkChoice(index: 0, delta: ChatDelta(toolCalls: [ToolCallDelta(index: 0, arguments: "1}")]))]),
            ChatChunk(id: "c", created: 0, model: "m", choices: [ChunkChoice(index: 0, delta: ChatDelta(), finishReason: .toolCalls)]),
            ChatChunk(id: "c", created: 0, model: "m", choices: [], usage: Usage(promptTokens: 12, completionTokens: 7)),
        ]
        for chunk in chunks { encoder.encode(chunk, into: &out) }
        encoder.finish(into: &out)
        var decoder = SSEDecoder()
        let events = try decoder.feed(out)
        #expect(events.map { $0.event ?? "" } == [
            "message_start", "content_block_start", "content_block_delta", "content_block_stop",
            "content_block_start", "content_block_delta", "content_block_delta", "content_block_stop",
            "message_delta", "message_stop",
        ])
        let json = try events.map { try JSONParser.parse($0.data) }
        #expect(json[4]["content_block"]?["type"] == "tool_use" && json[4]["index"] == 1)
        #expect(json[5]["delta"]?["partial_json"] == "{\"a\":")
        #expect(json[8]["delta"]?["stop_reason"] == "tool_use")
        #expect(json[8]["usage"]?["output_tokens"] == 7)
        #expect(events.allSatisfy { (try? JSONParser.parse($0.data))?["type"]?.stringValue == $0.event })
    }
}

@Suite("Anthropic thinking signatures through /v1/messages")
struct MessagesThinkingTests {
    @Test("signed thinking blocks are kept on the way in, and only Anthropic upstreams receive them")
    func signaturesIn() throws {
        let chat = try AnthropicInboundWire.decodeRequest(try JSONParser.parse("""
            {"model":"m","max_tokens":5,"messages":[{"role":"user","content":"q"},
             {"role":"assistant","content":[{"type":"thinking","thinking":"hmm","signature":"sig1"},{"type":"tool_use","id":"t","name":"f","input":{}}]},
             {"role":"user","content":[{"type":"tool_result","tool_use_id":"t","content":"ok"}]}]}
            """))
        #expect(chat.messages[1].extra["thinking_blocks"] == [["type": "thinking", "thinking": "hmm", "signature": "sig1"]])
        let openAI = OpenAICompatibleAdapter(configuration: ProviderConfiguration(
            id: "o", entry: ProviderCatalog.entry(forType: "openai")!, baseURL: "https://api.openai.com/v1", apiKey: Secret("k")))
        let body = try JSONParser.parse(try openAI.makeChatRequest(chat, upstreamModel: "gpt").body)
        #expect(body["messages"]?.arrayValue?[1]["thinking_blocks"] == nil)
    }

    @Test("signed thinking from the upstream goes back to the client with its signature")
    func signaturesOut() {
        var message = ChatMessage(role: .assistant, content: .text("hi"))
        message.reasoningContent = "hmm"
        message.extra["thinking_blocks"] = [["type": "thinking", "thinking": "hmm", "signature": "sig1"]]
        let json = AnthropicInboundWire.encodeResponse(ChatResponse(id: "msg_1", created: 0, model: "m",
                                                                    choices: [ChatChoice(index: 0, message: message, finishReason: .stop)], usage: nil))
        #expect(json["content"]?.arrayValue?.first == ["type": "thinking", "thinking": "hmm", "signature": "sig1"])
    }
}
