import GatewyseCore
import GatewyseProviders
import Testing

@Suite("Bedrock adapter: ConverseStream decoding")
struct BedrockStreamDecoderTests {
    static func event(_ type: String, _ payload: JSONValue) -> [UInt8] {
        AWSEventStream.encode(headers: [(":event-type", type), (":content-type", "application/json"), (":message-type", "event")],
                              payload: JSONWriter.bytes(payload))
    }

    /// Reasoning, text, then two tool calls with their input split across deltas; stop; metadata.
    static let toolStream: [UInt8] = [
        event("messageStart", ["role": "assistant", "p": "abc"]),
        event("contentBlockDelta", ["contentBlockIndex": 0, "delta": ["reasoningContent": ["text": "Need "]]]),
        event("contentBlockDelta", ["contentBlockIndex": 0, "delta": ["reasoningContent": ["text": "weather."]]]),
        event("contentBlockDelta", ["contentBlockIndex": 0, "delta": ["reasoningContent": ["signature": "sig-1"]]]),
        event("contentBlockStop", ["contentBlockIndex": 0]),
        event("contentBlockDelta", ["contentBlockIndex": 1, "delta": ["text": "Checking "]]),
        event("contentBlockDelta", ["contentBlockIndex": 1, "delta": ["text": "both."]]),
        event("contentBlockStop", ["contentBlockIndex": 1]),
        event("contentBlockStart", ["contentBlockIndex": 2, "start": ["toolUse": ["toolUseId": "tu_a", "name": "weather"]]]),
        event("contentBlockDelta", ["contentBlockIndex": 2, "delta": ["toolUse": ["input": "{\"city\":"]]]),
        event("contentBlockDelta", ["contentBlockIndex": 2, "delta": ["toolUse": ["input": "\"Paris\"}"]]]),
        event("contentBlockStop", ["contentBlockIndex": 2]),
        event("contentBlockStart", ["contentBlockIndex": 3, "start": ["toolUse": ["toolUseId": "tu_b", "name": "clock"]]]),
        event("contentBlockDelta", ["contentBlockIndex": 3, "delta": ["toolUse": ["input": "{}"]]]),
        event("contentBlockStop", ["contentBlockIndex": 3]),
        event("messageStop", ["stopReason": "tool_use"]),
        event("metadata", ["usage": ["inputTokens": 12, "outputTokens": 30, "totalTokens": 42], "metrics": ["latencyMs": 300]]),
    ].flatMap { $0 }

    struct Summary: Equatable {
        var roles = 0
        var content = ""
        var reasoning = ""
        var calls: [Int: (id: String, name: String, arguments: String)] = [:]
        var finish: [FinishReason] = []
        var usage: [Usage] = []
        var thinkingBlocks: [JSONValue] = []

        static func == (a: Summary, b: Summary) -> Bool {
            a.roles == b.roles && a.content == b.content && a.reasoning == b.reasoning && a.finish == b.finish && a.usage == b.usage
                && a.thinkingBlocks == b.thinkingBlocks && a.calls.keys.sorted() == b.calls.keys.sorted()
                && a.calls.allSatisfy { key, value in b.calls[key].map { $0 == value } ?? false }
        }
    }

    static func summarize(_ chunks: [ChatChunk]) -> Summary {
        var s = Summary()
        for chunk in chunks {
            if let usage = chunk.usage { s.usage.append(usage) }
            for choice in chunk.choices {
                if choice.delta.role != nil { s.roles += 1 }
                s.content += choice.delta.content ?? ""
                s.reasoning += choice.delta.reasoningContent ?? ""
                if let blocks = choice.delta.extra["thinking_blocks"]?.arrayValue { s.thinkingBlocks += blocks }
                for call in choice.delta.toolCalls ?? [] {
                    var entry = s.calls[call.index] ?? ("", "", "")
                    entry.id += call.id ?? ""
                    entry.name += call.name ?? ""
                    entry.arguments += call.arguments ?? ""
                    s.calls[call.index] = entry
                }
                if let reason = choice.finishReason { s.finish.append(reason) }
            }
        }
        return s
    }

    static func decoder() -> BedrockStreamDecoder { BedrockStreamDecoder(providerID: "bedrock", id: "chatcmpl-1", created: 7, model: "m") }

    @Test("role first, reasoning then its signed block, text, tool calls at running indexes, finish tool_calls, usage last")
    func toolStream() throws {
        var decoder = Self.decoder()
        let chunks = try decoder.decode(Self.toolStream)
        #expect(decoder.isFinished)
        let s = Self.summarize(chunks)
        #expect(s.roles == 1)
        #expect(chunks.first?.choices.first?.delta.role == .assistant)
        #expect(s.reasoning == "Need weather.")
        #expect(s.thinkingBlocks == [["type": "thinking", "thinking": "Need weather.", "signature": "sig-1"]])
        #expect(s.content == "Checking both.")
        #expect(s.calls[0]! == ("tu_a", "weather", #"{"city":"Paris"}"#))
        #expect(s.calls[1]! == ("tu_b", "clock", "{}"))
        #expect(s.finish == [.toolCalls])
        #expect(s.usage == [Usage(promptTokens: 12, completionTokens: 30)])
        #expect(chunks.last?.choices.isEmpty == true)
        #expect(chunks.allSatisfy { $0.id == "chatcmpl-1" && $0.created == 7 })
    }

    @Test("the same stream split at every byte boundary gives the same result")
    func splitEverywhere() throws {
        var whole = Self.decoder()
        let expected = Self.summarize(try whole.decode(Self.toolStream))
        for cut in stride(from: 0, through: Self.toolStream.count, by: 7) {
            var decoder = Self.decoder()
            let chunks = try decoder.decode(Array(Self.toolStream[..<cut])) + decoder.decode(Array(Self.toolStream[cut...]))
            #expect(Self.summarize(chunks) == expected, "cut at \(cut)")
            #expect(decoder.isFinished)
        }
        var byteByByte = Self.decoder()
        var chunks: [ChatChunk] = []
        for byte in Self.toolStream { chunks += try byteByByte.decode([byte]) }
        #expect(Self.summarize(chunks) == expected)
    }

    @Test("JSON mode: the forced tool's input streams as content and the finish is stop")
    func structuredOutput() throws {
        let stream = [
            Self.event("messageStart", ["role": "assistant"]),
            Self.event("contentBlockStart", ["contentBlockIndex": 0, "start": ["toolUse": ["toolUseId": "t", "name": "gatewyse_json_response"]]]),
            Self.event("contentBlockDelta", ["contentBlockIndex": 0, "delta": ["toolUse": ["input": "{\"a\":"]]]),
            Self.event("contentBlockDelta", ["contentBlockIndex": 0, "delta": ["toolUse": ["input": "1}"]]]),
            Self.event("contentBlockStop", ["contentBlockIndex": 0]),
            Self.event("messageStop", ["stopReason": "tool_use"]),
        ].flatMap { $0 }
        var decoder = Self.decoder()
        let s = Self.summarize(try decoder.decode(stream))
        #expect(s.content == #"{"a":1}"#)
        #expect(s.calls.isEmpty)
        #expect(s.finish == [.stop])
    }

    @Test("an exception message after the 200 is a 502 naming it, after the text that came with it in the same read")
    func exception() throws {
        let exception = AWSEventStream.encode(headers: [(":exception-type", "throttlingException"), (":content-type", "application/json"), (":message-type", "exception")],
                                              payload: JSONWriter.bytes(["message": "Too many tokens"]))
        let stream = Self.event("messageStart", ["role": "assistant"])
            + Self.event("contentBlockDelta", ["contentBlockIndex": 0, "delta": ["text": "Hel"]])
            + Self.event("contentBlockDelta", ["contentBlockIndex": 0, "delta": ["text": "lo"]])
            + exception
            + Self.event("contentBlockDelta", ["contentBlockIndex": 0, "delta": ["text": " after"]])
        for cut in stride(from: 0, through: stream.count, by: 5) {
            var decoder = Self.decoder()
            var chunks = try decoder.decode(Array(stream[..<cut]))
            chunks += try decoder.decode(Array(stream[cut...]))
            #expect(Self.summarize(chunks).content == "Hello", "cut \(cut)")
            let error = try #require(decoder.failure, "cut \(cut)")
            #expect(error.status == 502)
            #expect(error.message.contains("throttlingException: Too many tokens"))
            #expect(!decoder.isFinished)
        }
    }
}
