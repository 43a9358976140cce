import GatewyseCore
@testable import GatewyseEngine
@testable import GatewyseProviders
import Testing

/// What the gateway counts when a stream's usage never came (`UsageEstimate`), what each path
/// counts of the generated text, and how the unified usage renders for an Anthropic client.
@Suite("Usage estimates and usage on the client wires")
struct UsageEstimateTests {
    @Test("the verbatim filter counts generated text in its pass over choices: content, reasoning, tool names and arguments")
    func verbatimCountsText() throws {
        var filter = OpenAIVerbatimStreamFilter(providerID: "p", includeUsage: false)
        let frames = [
            #"{"id":"c","choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}]}"#,
            #"{"id":"c","choices":[{"index":0,"delta":{"content":"Hello \"you\""},"finish_reason":null}]}"#,  // 13 bytes as spelled
            #"{"id":"c","choices":[{"index":0,"delta":{"reasoning_content":"think"}}]}"#,
            #"{"id":"c","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_1","type":"function","function":{"name":"f","arguments":"{\"a\":1}"}}]}}]}"#,
            #"{"id":"c","choices":[{"index":0,"delta":{},"finish_reason":"tool_calls"}]}"#,
        ]
        let bytes = frames.map { "data: \($0)\n\n" }.joined()
        _ = try filter.filter(Array(bytes.utf8))
        // 13 ("Hello \"you\"" as the JSON spells it) + 5 + 1 (name) + 9 (arguments as spelled).
        #expect(filter.producedBytes == 13 + 5 + 1 + 9)
        #expect(filter.finishReason == .toolCalls)
    }

    @Test("the scan reads only key-value pairs: look-alike text inside strings and array items count nothing")
    func scanIgnoresLookAlikes() {
        let choices = #"[{"delta":{"content":"say \"content\": \"x\""},"logprobs":{"content":[{"token":"a","bytes":[97]}]},"finish_reason":"stop"}]"#
        let seen = Array(choices.utf8).withUnsafeBufferPointer { OpenAIVerbatimStreamFilter.scan(choices: $0) }
        #expect(seen.finishReason == .stop)
        #expect(seen.textBytes == #"say \"content\": \"x\""#.utf8.count)
    }

    @Test("the scan crosses strings eight bytes at a time: an escaped quote or backslash at every position of strings of 0–40 bytes")
    func scanAcrossWords() {
        for length in 0...40 {
            for position in -1..<length {
                // `position` -1: a plain string; else an escape (\" or \\) starting there.
                for escape in [#"\""#, #"\\"#] {
                    var text = String(repeating: "a", count: length)
                    if position >= 0 {
                        let index = text.index(text.startIndex, offsetBy: position)
                        text.replaceSubrange(index...index, with: escape)
                    }
                    let choices = #"[{"index":0,"delta":{"role":"assistant","content":""# + text + #""},"logprobs":null,"finish_reason":"length"}]"#
                    let seen = Array(choices.utf8).withUnsafeBufferPointer { OpenAIVerbatimStreamFilter.scan(choices: $0) }
                    #expect(seen.textBytes == text.utf8.count, "length \(length), escape at \(position)")
                    #expect(seen.finishReason == .length, "length \(length), escape at \(position)")
                }
            }
        }
        // Unterminated: nothing read past the end, nothing counted for the open string.
        let open = Array(#"[{"delta":{"content":"abc\"#.utf8)
        #expect(open.withUnsafeBufferPointer { OpenAIVerbatimStreamFilter.scan(choices: $0) } == .init())
        #expect([UInt8]().withUnsafeBufferPointer { OpenAIVerbatimStreamFilter.scan(choices: $0) } == .init())
    }

    @Test("an estimate: a token per 4 bytes produced, rounded up; the prompt as TokenEstimator counts it, or as the upstream reported it")
    func estimate() {
        let request = ChatRequest(model: "m", messages: [ChatMessage(role: .user, content: .text("12345678"))])
        let guessed = UsageEstimate.usage(request: request, reportedPrompt: nil, producedBytes: 9)
        #expect(guessed.completionTokens == 3)
        #expect(guessed.promptTokens == 4 + 2)  // a message's framing + 8 bytes
        var reported = Usage(promptTokens: 2_012, completionTokens: 1)
        reported.cachedPromptTokens = 1_800
        reported.cacheWriteTokens = 200
        let anthropic = UsageEstimate.usage(request: request, reportedPrompt: reported, producedBytes: 40)
        #expect(anthropic.promptTokens == 2_012 && anthropic.cachedPromptTokens == 1_800 && anthropic.cacheWriteTokens == 200)
        #expect(anthropic.completionTokens == 10)
        #expect(UsageEstimate.usage(request: request, reportedPrompt: nil, producedBytes: 0).completionTokens == 0)
    }

    @Test("an Anthropic client sees input without cache reads and writes, and each apart")
    func anthropicClientUsage() {
        var usage = Usage(promptTokens: 2_012, completionTokens: 5)
        usage.cachedPromptTokens = 1_800
        usage.cacheWriteTokens = 200
        let rendered = AnthropicInboundWire.usage(usage)
        #expect(rendered["input_tokens"] == 12 && rendered["cache_read_input_tokens"] == 1_800
                && rendered["cache_creation_input_tokens"] == 200 && rendered["output_tokens"] == 5)
        // From an OpenAI-format upstream: cached tokens only.
        var openAI = Usage(promptTokens: 100, completionTokens: 5)
        openAI.cachedPromptTokens = 60
        #expect(AnthropicInboundWire.usage(openAI) == ["input_tokens": 40, "output_tokens": 5, "cache_read_input_tokens": 60])
    }

    @Test("Anthropic's message_start usage is the stream's real prompt when message_delta never comes")
    func anthropicPromptUsage() throws {
        var decoder = AnthropicStreamDecoder(providerID: "claude", created: 0)
        #expect(decoder.promptUsage == nil)
        let start = #"event: message_start"# + "\n" + #"data: {"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant","model":"m","content":[],"stop_reason":null,"usage":{"input_tokens":12,"cache_creation_input_tokens":200,"cache_read_input_tokens":1800,"output_tokens":1}}}"# + "\n\n"
        _ = try decoder.decode(Array(start.utf8))
        let usage = try #require(decoder.promptUsage)
        #expect(usage.promptTokens == 2_012 && usage.cachedPromptTokens == 1_800 && usage.cacheWriteTokens == 200)
    }
}
