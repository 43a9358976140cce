import GatewyseCore
import GatewyseProviders
import Testing

@Suite("Anthropic adapter: stream decoding")
struct AnthropicStreamDecoderTests {
    typealias F = AnthropicFixtures

    /// A recorded stream: a text block, then two tool_use blocks (Anthropic block indexes 1 and
    /// 2, OpenAI tool indexes 0 and 1), a `ping` anywhere, cache-aware usage.
    static let toolStream = """
    event: message_start
    data: {"type":"message_start","message":{"id":"msg_01XYZ","type":"message","role":"assistant","model":"claude-sonnet-4-20250514","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":12,"cache_creation_input_tokens":3,"cache_read_input_tokens":40,"output_tokens":1}}}

    event: content_block_start
    data: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}

    event: ping
    data: {"type": "ping"}

    event: content_block_delta
    data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Checking "}}

    event: content_block_delta
    data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"both – ok."}}

    event: content_block_stop
    data: {"type":"content_block_stop","index":0}

    event: content_block_start
    data: {"type":"content_block_start","index":1,"content_block":{"type":"tool_use","id":"toolu_01A","name":"weather","input":{}}}

    event: content_block_delta
    data: {"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":""}}

    event: content_block_delta
    data: {"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"{\\"city\\": \\"Pa"}}

    event: content_block_delta
    data: {"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"ris\\"}"}}

    event: content_block_stop
    data: {"type":"content_block_stop","index":1}

    event: content_block_start
    data: {"type":"content_block_start","index":2,"content_block":{"type":"tool_use","id":"toolu_01B","name":"clock","input":{}}}

    event: content_block_delta
    data: {"type":"content_block_delta","index":2,"delta":{"type":"input_json_delta","partial_json":"{\\"tz\\":\\"CET\\"}"}}

    event: content_block_stop
    data: {"type":"content_block_stop","index":2}

    event: message_delta
    data: {"type":"message_delta","delta":{"stop_reason":"tool_use","stop_sequence":null},"usage":{"output_tokens":42}}

    event: message_stop
    data: {"type":"message_stop"}


    """

    static func decode(_ pieces: [[UInt8]], emulatesStructuredOutput: Bool = false) throws -> (chunks: [ChatChunk], finished: Bool) {
        var decoder = AnthropicStreamDecoder(providerID: "claude", created: Int(F.now), emulatesStructuredOutput: emulatesStructuredOutput)
        var chunks: [ChatChunk] = []
        for piece in pieces { chunks += try decoder.decode(piece) }
        return (chunks, decoder.isFinished)
    }

    @Test("a recorded stream gives the opener, text, tool-call deltas with a stable running index, the finish and the usage")
    func toolStream() throws {
        let (chunks, finished) = try Self.decode([Array(Self.toolStream.utf8)])
        #expect(finished)
        #expect(chunks.allSatisfy { $0.id == "msg_01XYZ" && $0.model == "claude-sonnet-4-20250514" && $0.created == Int(F.now) })
        #expect(chunks.first?.choices.first?.delta.role == .assistant)
        #expect(chunks.first?.choices.first?.delta.content == "")

        let deltas = chunks.compactMap { $0.choices.first?.delta }
        #expect(deltas.compactMap(\.content).joined() == "Checking both – ok.")
        let calls = deltas.flatMap { $0.toolCalls ?? [] }
        #expect(calls.map(\.index) == [0, 0, 0, 1, 1])
        #expect(calls[0] == ToolCallDelta(index: 0, id: "toolu_01A", name: "weather", arguments: ""))
        #expect(calls[3] == ToolCallDelta(index: 1, id: "toolu_01B", name: "clock", arguments: ""))
        let first = calls.filter { $0.index == 0 }.compactMap(\.arguments).joined()
        #expect(try JSONParser.parse(first) == ["city": "Paris"])
        #expect(calls.filter { $0.index == 1 }.compactMap(\.arguments).joined() == #"{"tz":"CET"}"#)

        #expect(chunks.compactMap { $0.choices.first?.finishReason } == [.toolCalls])
        let usageChunks = chunks.filter { $0.usage != nil }
        #expect(usageChunks.count == 1)
        #expect(usageChunks[0].choices.isEmpty)
        #expect(chunks.last == usageChunks[0])
        let usage = try #require(usageChunks[0].usage)
        #expect(usage.promptTokens == 55)
        #expect(usage.completionTokens == 42)
        #expect(usage.totalTokens == 97)
        #expect(usage.cachedPromptTokens == 40)
        #expect(usage.cacheWriteTokens == 3)
    }

    @Test("the same chunks come out wherever the bytes are split")
    func everySplit() throws {
        let bytes = Array(Self.toolStream.utf8)
        let whole = try Self.decode([bytes]).chunks
        for cut in 0...bytes.count {
            let (chunks, finished) = try Self.decode([Array(bytes[..<cut]), Array(bytes[cut...])])
            #expect(chunks == whole, "split at byte \(cut)")
            #expect(finished)
        }
        let byteByByte = try Self.decode(bytes.map { [$0] })
        #expect(byteByByte.chunks == whole)
    }

    @Test("the stream is not finished before message_stop, and nothing after it is decoded")
    func finish() throws {
        let text = Self.toolStream
        let cut = text.range(of: "event: message_stop")!.lowerBound
        var decoder = AnthropicStreamDecoder(providerID: "claude", created: 0)
        _ = try decoder.decode(Array(text[..<cut].utf8))
        #expect(!decoder.isFinished)
        _ = try decoder.decode(Array(text[cut...].utf8))
        #expect(decoder.isFinished)
        let late = try decoder.decode(Array("event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"late\"}}\n\n".utf8))
        #expect(late.isEmpty)
    }

    static let failingStream = """
        event: message_start
        data: {"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant","model":"m","content":[],"stop_reason":null,"usage":{"input_tokens":5,"output_tokens":1}}}

        event: content_block_start
        data: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}

        event: content_block_delta
        data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"partial"}}

        event: error
        data: {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}

        event: content_block_delta
        data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"after the error"}}


        """

    @Test("an error event after the 200 is a 502 naming Anthropic's error, after the text that came with it in the same read")
    func errorEvent() throws {
        var decoder = AnthropicStreamDecoder(providerID: "claude", created: 0)
        let chunks = try decoder.decode(Array(Self.failingStream.utf8))
        #expect(chunks.compactMap { $0.choices.first?.delta.content }.joined() == "partial")
        let error = try #require(decoder.failure)
        #expect(error.status == 502)
        #expect(error.code == "UPSTREAM_STREAM_ERROR")
        #expect(error.message.contains("Overloaded"))
        #expect(error.message.contains("overloaded_error"))
        #expect(!decoder.isFinished)
        // Nothing after the failure is decoded, in this read or a later one.
        #expect(try decoder.decode(Array("event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"x\"}}\n\n".utf8)).isEmpty)
    }

    @Test("split anywhere, the failing stream gives the same text and the same failure")
    func errorEventSplit() throws {
        let bytes = Array(Self.failingStream.utf8)
        for cut in 0...bytes.count {
            var decoder = AnthropicStreamDecoder(providerID: "claude", created: 0)
            var chunks = try decoder.decode(Array(bytes[..<cut]))
            chunks += try decoder.decode(Array(bytes[cut...]))
            #expect(chunks.compactMap { $0.choices.first?.delta.content }.joined() == "partial", "cut \(cut)")
            #expect(decoder.failure?.code == "UPSTREAM_STREAM_ERROR", "cut \(cut)")
        }
    }

    @Test("thinking streams as reasoning_content; its signature is kept and sent once with the finished block")
    func thinking() throws {
        let stream = """
        event: message_start
        data: {"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant","model":"m","content":[],"stop_reason":null,"usage":{"input_tokens":5,"output_tokens":1}}}

        event: content_block_start
        data: {"type":"content_block_start","index":0,"content_block":{"type":"thinking","thinking":""}}

        event: content_block_delta
        data: {"type":"content_block_delta","index":0,"delta":{"type":"thinking_delta","thinking":"Let me "}}

        event: content_block_delta
        data: {"type":"content_block_delta","index":0,"delta":{"type":"thinking_delta","thinking":"think."}}

        event: content_block_delta
        data: {"type":"content_block_delta","index":0,"delta":{"type":"signature_delta","signature":"EqQB"}}

        event: content_block_delta
        data: {"type":"content_block_delta","index":0,"delta":{"type":"signature_delta","signature":"xyz"}}

        event: content_block_stop
        data: {"type":"content_block_stop","index":0}

        event: content_block_start
        data: {"type":"content_block_start","index":1,"content_block":{"type":"text","text":""}}

        event: content_block_delta
        data: {"type":"content_block_delta","index":1,"delta":{"type":"text_delta","text":"Hi."}}

        event: content_block_stop
        data: {"type":"content_block_stop","index":1}

        event: message_delta
        data: {"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":9}}

        event: message_stop
        data: {"type":"message_stop"}


        """
        let (chunks, finished) = try Self.decode([Array(stream.utf8)])
        #expect(finished)
        let deltas = chunks.compactMap { $0.choices.first?.delta }
        #expect(deltas.compactMap(\.reasoningContent).joined() == "Let me think.")
        #expect(deltas.compactMap(\.content).joined() == "Hi.")
        let signed = deltas.compactMap { $0.extra["thinking_blocks"] }
        #expect(signed == [[["type": "thinking", "thinking": "Let me think.", "signature": "EqQBxyz"]]])
        #expect(chunks.compactMap { $0.choices.first?.finishReason } == [.stop])
    }

    @Test("with emulated JSON mode the forced tool's input streams as content and the finish is stop")
    func structuredOutput() throws {
        let name = AnthropicMessagesWire.structuredOutputToolName
        let stream = """
        event: message_start
        data: {"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant","model":"m","content":[],"stop_reason":null,"usage":{"input_tokens":5,"output_tokens":1}}}

        event: content_block_start
        data: {"type":"content_block_start","index":0,"content_block":{"type":"tool_use","id":"toolu_1","name":"\(name)","input":{}}}

        event: content_block_delta
        data: {"type":"content_block_delta","index":0,"delta":{"type":"input_json_delta","partial_json":"{\\"a\\":"}}

        event: content_block_delta
        data: {"type":"content_block_delta","index":0,"delta":{"type":"input_json_delta","partial_json":" 1}"}}

        event: content_block_stop
        data: {"type":"content_block_stop","index":0}

        event: message_delta
        data: {"type":"message_delta","delta":{"stop_reason":"tool_use","stop_sequence":null},"usage":{"output_tokens":4}}

        event: message_stop
        data: {"type":"message_stop"}


        """
        let (chunks, _) = try Self.decode([Array(stream.utf8)], emulatesStructuredOutput: true)
        let deltas = chunks.compactMap { $0.choices.first?.delta }
        #expect(deltas.compactMap(\.content).joined() == #"{"a": 1}"#)
        #expect(deltas.allSatisfy { $0.toolCalls == nil })
        #expect(chunks.compactMap { $0.choices.first?.finishReason } == [.stop])
    }

    @Test("deltas of server-tool blocks are not mistaken for the client's tool calls")
    func serverToolsIgnored() throws {
        let stream = """
        event: message_start
        data: {"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant","model":"m","content":[],"stop_reason":null,"usage":{"input_tokens":5,"output_tokens":1}}}

        event: content_block_start
        data: {"type":"content_block_start","index":0,"content_block":{"type":"server_tool_use","id":"srvtoolu_1","name":"web_search","input":{}}}

        event: content_block_delta
        data: {"type":"content_block_delta","index":0,"delta":{"type":"input_json_delta","partial_json":"{\\"query\\":\\"x\\"}"}}

        event: content_block_stop
        data: {"type":"content_block_stop","index":0}

        event: content_block_start
        data: {"type":"content_block_start","index":1,"content_block":{"type":"tool_use","id":"toolu_1","name":"f","input":{}}}

        event: content_block_delta
        data: {"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"{}"}}

        event: message_delta
        data: {"type":"message_delta","delta":{"stop_reason":"tool_use"},"usage":{"output_tokens":4}}

        event: message_stop
        data: {"type":"message_stop"}


        """
        let (chunks, _) = try Self.decode([Array(stream.utf8)])
        let calls = chunks.flatMap { $0.choices.first?.delta.toolCalls ?? [] }
        #expect(calls == [ToolCallDelta(index: 0, id: "toolu_1", name: "f", arguments: ""), ToolCallDelta(index: 0, arguments: "{}")])
    }

    @Test("a malformed event is a 502 UPSTREAM_BAD_RESPONSE, after the chunks before it")
    func malformed() throws {
        var decoder = AnthropicStreamDecoder(providerID: "claude", created: 0)
        let head = Self.failingStream[..<Self.failingStream.range(of: "event: error")!.lowerBound]
        let chunks = try decoder.decode(Array((head + "event: content_block_delta\ndata: {oops\n\n").utf8))
        #expect(chunks.compactMap { $0.choices.first?.delta.content }.joined() == "partial")
        #expect(decoder.failure?.code == "UPSTREAM_BAD_RESPONSE")
    }
}
