import GatewyseCore
import GatewyseProviders
import Testing

@Suite("Gemini adapter: stream decoding")
struct GeminiStreamDecoderTests {
    /// A recorded `alt=sse` stream: text in two frames, two whole function calls in one frame,
    /// the finish reason and usage on the last; CRLF framing as Google sends it; no `[DONE]`.
    static let toolStream = "data: {\"candidates\":[{\"content\":{\"role\":\"model\",\"parts\":[{\"text\":\"Checking \"}]},\"index\":0}],\"modelVersion\":\"gemini-2.5-flash\",\"responseId\":\"r1\"}\r\n\r\n"
        + "data: {\"candidates\":[{\"content\":{\"role\":\"model\",\"parts\":[{\"text\":\"both – ok.\"}]},\"index\":0}],\"modelVersion\":\"gemini-2.5-flash\",\"responseId\":\"r1\"}\r\n\r\n"
        + "data: {\"candidates\":[{\"content\":{\"role\":\"model\",\"parts\":[{\"functionCall\":{\"name\":\"weather\",\"args\":{\"city\":\"Paris\"}},\"thoughtSignature\":\"sig-1\"},{\"functionCall\":{\"name\":\"clock\",\"args\":{\"tz\":\"CET\"}}}]},\"finishReason\":\"STOP\",\"index\":0}],"
        + "\"usageMetadata\":{\"promptTokenCount\":12,\"candidatesTokenCount\":20,\"thoughtsTokenCount\":4,\"totalTokenCount\":36},\"modelVersion\":\"gemini-2.5-flash\",\"responseId\":\"r1\"}\r\n\r\n"

    struct Summary: Equatable {
        var roles: Int = 0
        var content = ""
        var calls: [ToolCallDelta] = []
        var finish: [FinishReason] = []
        var usage: [Usage] = []
        var signatures: [JSONValue] = []
    }

    static func summarize(_ chunks: [ChatChunk]) -> Summary {
        var s = Summary()
        for chunk in chunks {
            if let usage = chunk.usage { s.usage.append(usage) }
            for choice in chunk.choices {
                if choice.delta.role != nil { s.roles += 1 }
                s.content += choice.delta.content ?? ""
                s.calls += choice.delta.toolCalls ?? []
                if let reason = choice.finishReason { s.finish.append(reason) }
                if let sig = choice.delta.extra["gemini_thought_signatures"] { s.signatures.append(sig) }
            }
        }
        return s
    }

    static func decodeWhole(_ text: String) throws -> (Summary, Bool, [ChatChunk]) {
        var decoder = GeminiStreamDecoder(providerID: "gemini", created: 1)
        let chunks = try decoder.decode(Array(text.utf8))
        return (summarize(chunks), decoder.isFinished, chunks)
    }

    @Test("text deltas, whole tool calls at running indexes with call_<n> ids, finish tool_calls, then usage")
    func toolStream() throws {
        let (s, finished, chunks) = try Self.decodeWhole(Self.toolStream)
        #expect(finished)
        #expect(s.roles == 1)
        #expect(chunks.first?.choices.first?.delta.role == .assistant)
        #expect(chunks.first?.id == "r1")
        #expect(chunks.first?.model == "gemini-2.5-flash")
        #expect(s.content == "Checking both – ok.")
        #expect(s.calls == [ToolCallDelta(index: 0, id: "call_0", name: "weather", arguments: #"{"city":"Paris"}"#),
                            ToolCallDelta(index: 1, id: "call_1", name: "clock", arguments: #"{"tz":"CET"}"#)])
        #expect(s.finish == [.toolCalls])
        #expect(s.signatures == [["call_0": "sig-1"]])
        #expect(s.usage.count == 1)
        #expect(s.usage.first?.promptTokens == 12)
        #expect(s.usage.first?.completionTokens == 24)
        #expect(s.usage.first?.reasoningTokens == 4)
        #expect(s.usage.first?.totalTokens == 36)
        #expect(chunks.last?.choices.isEmpty == true)
    }

    @Test("split at every byte position, the decoder yields the same result")
    func everySplit() throws {
        let bytes = Array(Self.toolStream.utf8)
        let (whole, _, _) = try Self.decodeWhole(Self.toolStream)
        for cut in 0...bytes.count {
            var decoder = GeminiStreamDecoder(providerID: "gemini", created: 1)
            let chunks = try decoder.decode(Array(bytes[..<cut])) + decoder.decode(Array(bytes[cut...]))
            #expect(Self.summarize(chunks) == whole, "split at \(cut)")
            #expect(decoder.isFinished)
        }
    }

    @Test("thought parts stream as reasoning_content; a plain STOP is stop; not finished before the finish frame")
    func thoughts() throws {
        var decoder = GeminiStreamDecoder(providerID: "gemini", created: 1)
        let first = try decoder.decode(Array(#"data: {"candidates":[{"content":{"parts":[{"text":"hmm","thought":true}]}}]}"#.utf8) + [10, 10])
        #expect(first.first?.choices.first?.delta.reasoningContent == "hmm")
        #expect(!decoder.isFinished)
        let last = try decoder.decode(Array("data: {\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"Hi\"}]},\"finishReason\":\"STOP\"}],\"usageMetadata\":{\"promptTokenCount\":3,\"candidatesTokenCount\":1,\"totalTokenCount\":4}}\n\n".utf8))
        #expect(Self.summarize(last).finish == [.stop])
        #expect(Self.summarize(last).content == "Hi")
        #expect(decoder.isFinished)
        // A trailing usage-only frame is still read.
        let trailing = try decoder.decode(Array("data: {\"usageMetadata\":{\"promptTokenCount\":3,\"candidatesTokenCount\":2,\"totalTokenCount\":5}}\n\n".utf8))
        #expect(trailing.first?.usage?.totalTokens == 5)
    }

    @Test("usage seen on an earlier frame still goes out with the finish")
    func earlierUsage() throws {
        let (s, _, _) = try Self.decodeWhole("data: {\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"a\"}]}}],\"usageMetadata\":{\"promptTokenCount\":3,\"candidatesTokenCount\":1,\"totalTokenCount\":4}}\n\n"
            + "data: {\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"b\"}]},\"finishReason\":\"MAX_TOKENS\"}]}\n\n")
        #expect(s.content == "ab")
        #expect(s.finish == [.length])
        #expect(s.usage.map(\.totalTokens) == [4])
    }

    @Test("a blocked prompt streams content_filter; an error frame is a 502 after the text that came with it in the same read")
    func blockedAndError() throws {
        let (s, finished, _) = try Self.decodeWhole("data: {\"promptFeedback\":{\"blockReason\":\"SAFETY\"},\"usageMetadata\":{\"promptTokenCount\":8,\"totalTokenCount\":8}}\r\n\r\n")
        #expect(s.finish == [.contentFilter])
        #expect(finished)
        let stream = "data: {\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"Half \"}],\"role\":\"model\"},\"index\":0}]}\n\n"
            + "data: {\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"done\"}],\"role\":\"model\"},\"index\":0}]}\n\n"
            + "data: {\"error\":{\"code\":503,\"message\":\"overloaded\",\"status\":\"UNAVAILABLE\"}}\n\n"
            + "data: {\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"late\"}],\"role\":\"model\"},\"index\":0}]}\n\n"
        var decoder = GeminiStreamDecoder(providerID: "gemini", created: 1)
        let chunks = try decoder.decode(Array(stream.utf8))
        #expect(Self.summarize(chunks).content == "Half done")
        let error = try #require(decoder.failure)
        #expect(error.status == 502)
        #expect(error.code == "UPSTREAM_STREAM_ERROR")
        #expect(error.message.contains("overloaded (UNAVAILABLE)"))
        #expect(!decoder.isFinished)
        #expect(try decoder.decode(Array("data: {\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"x\"}]}}]}\n\n".utf8)).isEmpty)
    }
}
