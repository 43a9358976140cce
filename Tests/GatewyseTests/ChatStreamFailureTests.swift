import GatewyseCore
@testable import GatewyseEngine
import GatewyseProviders
import Synchronization
import Testing

/// An upstream failure inside a stream, delivered by `ChatStream` after what preceded it: each
/// provider's recorded `stream-error` fixture arrives in ONE read (content and error event
/// together, as one TCP segment often brings them), and the client must still get every chunk
/// before the error.
@Suite("ChatStream: content that arrives with a mid-stream error is delivered, then the error")
struct ChatStreamFailureTests {
    /// An upstream body handing out fixed reads, then the end.
    final class Reads: UpstreamBody {
        private let reads: Mutex<[[UInt8]]>
        init(_ reads: [[UInt8]]) { self.reads = Mutex(reads) }
        var remaining: Int { reads.withLock { $0.count } }
        func next() async throws -> [UInt8]? { reads.withLock { $0.isEmpty ? nil : $0.removeFirst() } }
        func collect(upTo limit: Int) async throws -> [UInt8] { reads.withLock { $0.flatMap { $0 } } }
    }

    /// The providers whose `stream-error` fixture fails in-band (Mistral's ends with
    /// `finish_reason: "error"` and `[DONE]` instead, an ordinary end for the stream).
    static let providers = ConformanceFixtures.providers.filter { name in
        ConformanceFixtures.exists(name, "stream-error", "expected.json")
            && (try? ConformanceFixtures.json(name, "stream-error", "expected.json"))?["error"] != nil
    }

    static func stream(_ provider: ConformanceProvider, _ request: ChatRequest, _ body: Reads, verbatim: Bool, includeUsage: Bool = true) -> ChatStream {
        ChatStream(body: body, decoder: provider.adapter.makeChatStreamDecoder(for: request),
                   verbatim: verbatim ? provider.adapter.makeVerbatimStreamFilter(for: request) : nil,
                   providerID: provider.configuration.id, upstreamModel: provider.upstreamModel, includeUsage: includeUsage)
    }

    /// Calls `next()` until it throws or ends: the chunks it returned and what it threw.
    static func drain(_ stream: ChatStream) async -> ([ChatChunk], GatewayError?, calls: Int) {
        var chunks: [ChatChunk] = []
        var calls = 0
        while true {
            calls += 1
            do {
                guard let more = try await stream.next() else { return (chunks, nil, calls) }
                chunks += more
            } catch {
                return (chunks, error as? GatewayError, calls)
            }
        }
    }

    @Test("decoding path: every provider's content and error in one read", arguments: providers)
    func decoded(_ name: String) async throws {
        let provider = try ConformanceProvider(name)
        let request = try OpenAIChatWire.decodeRequest(try ConformanceFixtures.request("stream-error"))
        let expected = try ConformanceFixtures.json(name, "stream-error", "expected.json")
        let body = Reads([try ConformanceStreams.upstreamBytes(name, "stream-error")])
        let stream = Self.stream(provider, request, body, verbatim: false)

        let (chunks, error, calls) = await Self.drain(stream)
        let content = ConformanceStreams.assemble(chunks)["content"]
        #expect(content != nil && content == expected["assembled"]?["content"], "\(name): \(String(describing: content))")
        let thrown = try #require(error, "\(name): the stream ended without its error")
        ConformanceJSON.expectEqual(ConformanceFailures.encode(thrown), expected["error"] ?? .null, "\(name) stream error")
        #expect(calls == 2, "the chunks come in the first call, the error in the second")
        #expect(try await stream.next() == nil, "the stream stays ended after its failure")
    }

    @Test("verbatim path: an OpenAI-format upstream's frames and error in one read", arguments: providers)
    func verbatim(_ name: String) async throws {
        let provider = try ConformanceProvider(name)
        let request = try OpenAIChatWire.decodeRequest(try ConformanceFixtures.request("stream-error"))
        guard provider.adapter.makeVerbatimStreamFilter(for: request) != nil else { return }
        let expected = try ConformanceFixtures.json(name, "stream-error", "expected.json")
        let bytes = try ConformanceStreams.upstreamBytes(name, "stream-error")
        let stream = Self.stream(provider, request, Reads([bytes]), verbatim: true)

        let first = try await stream.nextVerbatim()
        let frames = try #require(first, "\(name): the frames before the error were dropped")
        var decoder = provider.adapter.makeChatStreamDecoder(for: request)
        let content = ConformanceStreams.assemble(try decoder.decode(frames))["content"]
        #expect(content != nil && content == expected["assembled"]?["content"])
        #expect(decoder.failure == nil, "the error frame itself is not forwarded")
        do {
            _ = try await stream.nextVerbatim()
            Issue.record("\(name): the stream ended without its error")
        } catch let error as GatewayError {
            ConformanceJSON.expectEqual(ConformanceFailures.encode(error), expected["error"] ?? .null, "\(name) verbatim stream error")
        }
        #expect(try await stream.nextVerbatim() == nil)
    }

    @Test("a failure with nothing before it in its read is thrown at once, and the upstream is not read further")
    func failureAlone() async throws {
        let provider = try ConformanceProvider("anthropic")
        let request = try OpenAIChatWire.decodeRequest(try ConformanceFixtures.request("stream-error"))
        let start = #"event: message_start"# + "\n"
            + #"data: {"type":"message_start","message":{"id":"msg_1","model":"m","usage":{"input_tokens":3,"output_tokens":1}}}"# + "\n\n"
        let error = #"event: error"# + "\n" + #"data: {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}"# + "\n\n"
        let late = #"event: content_block_delta"# + "\n" + #"data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"x"}}"# + "\n\n"
        let body = Reads([Array(start.utf8), Array(error.utf8), Array(late.utf8)])
        let stream = Self.stream(provider, request, body, verbatim: false)
        #expect(try await stream.next()?.count == 1)
        await #expect(throws: GatewayError.self) { try await stream.next() }
        #expect(body.remaining == 1)
        #expect(try await stream.next() == nil)
    }

    @Test("a usage chunk hidden from the client still meters, and the failure after it is thrown at once")
    func hiddenUsageThenFailure() async throws {
        let provider = try ConformanceProvider("openai")
        let request = try OpenAIChatWire.decodeRequest(try ConformanceFixtures.request("stream-error"))
        let frames = #"data: {"id":"c","choices":[],"usage":{"prompt_tokens":3,"completion_tokens":2,"total_tokens":5}}"# + "\n\n"
            + #"data: {"error":{"message":"boom"}}"# + "\n\n"
        let stream = Self.stream(provider, request, Reads([Array(frames.utf8)]), verbatim: false, includeUsage: false)
        let error = await #expect(throws: GatewayError.self) { try await stream.next() }
        #expect(error?.message == "Provider 'openai' failed mid-stream: boom")
        #expect(stream.usage?.totalTokens == 5)
    }
}
