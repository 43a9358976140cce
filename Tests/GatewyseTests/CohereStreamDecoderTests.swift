import Foundation
import GatewyseCore
import GatewyseProviders
import Testing

@Suite("Cohere adapter: stream decoding")
struct CohereStreamDecoderTests {
    static func event(_ type: String, _ json: String) -> String { "event: \(type)\ndata: \(json)\n\n" }

    /// A recorded-shape stream: thinking, text with a citation, a tool plan, two tool calls with
    /// fragmented arguments, the end with usage, and a trailing `[DONE]`.
    static let toolStream = event("message-start", #"{"id":"c0ffee","type":"message-start","delta":{"message":{"role":"assistant","content":[],"tool_plan":"","tool_calls":[],"citations":[]}}}"#)
        + event("content-start", #"{"type":"content-start","index":0,"delta":{"message":{"content":{"type":"thinking","thinking":""}}}}"#)
        + event("content-delta", #"{"type":"content-delta","index":0,"delta":{"message":{"content":{"thinking":"Two cities."}}}}"#)
        + event("content-end", #"{"type":"content-end","index":0}"#)
        + event("content-start", #"{"type":"content-start","index":1,"delta":{"message":{"content":{"type":"text","text":""}}}}"#)
        + event("content-delta", #"{"type":"content-delta","index":1,"delta":{"message":{"content":{"text":"Checking "}}}}"#)
        + event("content-delta", #"{"type":"content-delta","index":1,"delta":{"message":{"content":{"text":"both – ok."}}}}"#)
        + event("citation-start", #"{"type":"citation-start","index":0,"delta":{"message":{"citations":{"start":0,"end":8,"text":"Checking","sources":[]}}}}"#)
        + event("citation-end", #"{"type":"citation-end","index":0}"#)
        + event("content-end", #"{"type":"content-end","index":1}"#)
        + event("tool-plan-delta", #"{"type":"tool-plan-delta","delta":{"message":{"tool_plan":"I will call both."}}}"#)
        + event("tool-call-start", #"{"type":"tool-call-start","index":0,"delta":{"message":{"tool_calls":{"id":"weather_a1","type":"function","function":{"name":"weather","arguments":""}}}}}"#)
        + event("tool-call-delta", #"{"type":"tool-call-delta","index":0,"delta":{"message":{"tool_calls":{"function":{"arguments":"{\"city\""}}}}}"#)
        + event("tool-call-delta", #"{"type":"tool-call-delta","index":0,"delta":{"message":{"tool_calls":{"function":{"arguments":": \"Paris\"}"}}}}}"#)
        + event("tool-call-end", #"{"type":"tool-call-end","index":0}"#)
        + event("tool-call-start", #"{"type":"tool-call-start","index":1,"delta":{"message":{"tool_calls":{"id":"clock_b2","type":"function","function":{"name":"clock","arguments":""}}}}}"#)
        + event("tool-call-delta", #"{"type":"tool-call-delta","index":1,"delta":{"message":{"tool_calls":{"function":{"arguments":"{}"}}}}}"#)
        + event("tool-call-end", #"{"type":"tool-call-end","index":1}"#)
        + event("debug", #"{"type":"debug","prompt":"…"}"#)
        + event("message-end", #"{"type":"message-end","delta":{"finish_reason":"TOOL_CALL","usage":{"billed_units":{"input_tokens":9,"output_tokens":20},"tokens":{"input_tokens":40,"output_tokens":24},"cached_tokens":32}}}"#)
        + "data: [DONE]\n\n"

    struct Summary: Equatable {
        var roles = 0
        var content = ""
        var reasoning = ""
        var calls: [ToolCallDelta] = []
        var finish: [FinishReason] = []
        var usage: [Usage] = []
    }

    static func summarize(_ chunks: [ChatChunk]) -> Summary {
        var s = Summary()
        for chunk in chunks {
            if let usage = chunk.usage { s.usage.append(usage) }
            for choice in chunk.choices {
                if choice.delta.role != nil { s.roles += 1 }
                s.content += choice.delta.content ?? ""
                s.reasoning += choice.delta.reasoningContent ?? ""
                s.calls += choice.delta.toolCalls ?? []
                if let reason = choice.finishReason { s.finish.append(reason) }
            }
        }
        return s
    }

    static func decodeWhole(_ text: String) throws -> (Summary, Bool, [ChatChunk]) {
        var decoder = CohereStreamDecoder(providerID: "cohere", created: 1)
        let chunks = try decoder.decode(Array(text.utf8))
        return (summarize(chunks), decoder.isFinished, chunks)
    }

    @Test("role chunk with Cohere's id, thinking as reasoning, text, tool calls at running indexes with argument fragments, finish tool_calls, usage last")
    func toolStream() throws {
        let (s, finished, chunks) = try Self.decodeWhole(Self.toolStream)
        #expect(finished)
        #expect(s.roles == 1)
        #expect(chunks.first?.choices.first?.delta == ChatDelta(role: .assistant, content: ""))
        #expect(chunks.allSatisfy { $0.id == "c0ffee" && $0.created == 1 })
        #expect(s.reasoning == "Two cities.")
        #expect(s.content == "Checking both – ok.")
        #expect(s.calls == [ToolCallDelta(index: 0, id: "weather_a1", name: "weather", arguments: ""),
                            ToolCallDelta(index: 0, arguments: #"{"city""#),
                            ToolCallDelta(index: 0, arguments: #": "Paris"}"#),
                            ToolCallDelta(index: 1, id: "clock_b2", name: "clock", arguments: ""),
                            ToolCallDelta(index: 1, arguments: "{}")])
        #expect(s.finish == [.toolCalls])
        #expect(s.usage.count == 1)
        #expect(s.usage.first?.promptTokens == 40)
        #expect(s.usage.first?.completionTokens == 24)
        #expect(s.usage.first?.totalTokens == 64)
        #expect(s.usage.first?.cachedPromptTokens == 32)
        #expect(chunks.last?.choices.isEmpty == true)
        #expect(chunks.last?.usage != nil)
    }

    @Test("split at every byte position, the decoder yields the same result")
    func everySplit() throws {
        let bytes = Array(Self.toolStream.utf8)
        let (whole, _, _) = try Self.decodeWhole(Self.toolStream)
        for cut in 0...bytes.count {
            var decoder = CohereStreamDecoder(providerID: "cohere", created: 1)
            let chunks = try decoder.decode(Array(bytes[..<cut])) + decoder.decode(Array(bytes[cut...]))
            #expect(Self.summarize(chunks) == whole, "split at \(cut)")
            #expect(decoder.isFinished)
        }
    }

    @Test("fed one byte at a time (CRLF framing), a text stream comes out whole and is finished only at message-end")
    func byteByByte() throws {
        let stream = (Self.event("message-start", #"{"id":"m1","type":"message-start","delta":{"message":{"role":"assistant"}}}"#)
            + Self.event("content-delta", #"{"type":"content-delta","index":0,"delta":{"message":{"content":{"text":"Hé "}}},"logprobs":{"token_ids":[5],"text":"Hé ","logprobs":[-0.5]}}"#)
            + Self.event("content-delta", #"{"type":"content-delta","index":0,"delta":{"message":{"content":{"text":"là"}}}}"#))
            .replacingOccurrences(of: "\n", with: "\r\n")
        let end = Self.event("message-end", #"{"type":"message-end","delta":{"finish_reason":"MAX_TOKENS","usage":{"tokens":{"input_tokens":3,"output_tokens":2}}}}"#)
        var decoder = CohereStreamDecoder(providerID: "cohere", created: 1)
        var chunks: [ChatChunk] = []
        for byte in Array(stream.utf8) { chunks += try decoder.decode([byte]) }
        #expect(!decoder.isFinished)
        for byte in Array(end.utf8) { chunks += try decoder.decode([byte]) }
        #expect(decoder.isFinished)
        let s = Self.summarize(chunks)
        #expect(s.content == "Hé là")
        #expect(s.finish == [.length])
        #expect(s.usage.first?.totalTokens == 5)
        let logprobs = chunks.compactMap { $0.choices.first?.logprobs }
        #expect(logprobs == [["content": [["token": "Hé ", "logprob": -0.5, "bytes": [72, 195, 169, 32], "top_logprobs": []]]]])
    }

    @Test("message-end with delta.error, or finish_reason ERROR/TIMEOUT, is a 502 after the text that came with it in the same read")
    func streamError() throws {
        let head = Self.event("message-start", #"{"id":"e1","type":"message-start","delta":{"message":{"role":"assistant"}}}"#)
            + Self.event("content-delta", #"{"type":"content-delta","index":0,"delta":{"message":{"content":{"text":"Half an "}}}}"#)
            + Self.event("content-delta", #"{"type":"content-delta","index":0,"delta":{"message":{"content":{"text":"answer"}}}}"#)
        for end in [#"{"type":"message-end","delta":{"error":"internal error while generating","finish_reason":"ERROR"}}"#,
                    #"{"type":"message-end","delta":{"finish_reason":"TIMEOUT"}}"#] {
            var decoder = CohereStreamDecoder(providerID: "cohere", created: 1)
            let chunks = try decoder.decode(Array((head + Self.event("message-end", end) + "data: [DONE]\n\n").utf8))
            #expect(Self.summarize(chunks).content == "Half an answer")
            #expect(Self.summarize(chunks).finish.isEmpty)
            let error = try #require(decoder.failure)
            #expect(error.status == 502)
            #expect(error.code == "UPSTREAM_GENERATION_FAILED")
            #expect(!decoder.isFinished)
            #expect(try decoder.decode(Array(Self.event("content-delta", #"{"type":"content-delta","index":0,"delta":{"message":{"content":{"text":"late"}}}}"#).utf8)).isEmpty)
        }
    }

    @Test("a frame that is not JSON is an unreadable response, after the chunks before it")
    func malformed() throws {
        var decoder = CohereStreamDecoder(providerID: "cohere", created: 1)
        let chunks = try decoder.decode(Array((Self.event("message-start", #"{"id":"e1","type":"message-start"}"#)
                                               + "event: content-delta\ndata: {oops\n\n").utf8))
        #expect(chunks.count == 1)
        #expect(decoder.failure?.code == "UPSTREAM_BAD_RESPONSE")
    }
}
