import Foundation
import GatewyseCore
import GatewyseProviders
import Testing

/// The provider conformance suite: every adapter × every case, data-driven from
/// `Tests/GatewyseTests/Fixtures/` (layout in `ConformanceFixtures` and `Fixtures/README.md`).
/// For each pair it checks, whole JSON against whole JSON:
/// - the upstream request the adapter builds (method, URL, headers, body), which must also pass
///   the provider's validating mock or its documented wire rules;
/// - the unified answer read from a recorded upstream response, in OpenAI shape;
/// - the chunks decoded from a recorded stream, fed whole and cut into pieces, and the message
///   they assemble into;
/// - the classification of an upstream error (status, code, retryability, retry hint);
/// - or, where the provider genuinely cannot serve the case, the adapter's stated reason.
@Suite("Conformance: every adapter × every case, from fixtures")
struct ConformanceTests {
    @Test("each provider folder × each case", arguments: ConformanceFixtures.allPairs)
    func conformance(_ pair: ConformancePair) throws {
        let provider = try ConformanceProvider(pair.provider)
        let request = try OpenAIChatWire.decodeRequest(try ConformanceFixtures.request(pair.caseName))
        let has = { (kind: String) in ConformanceFixtures.exists(pair.provider, pair.caseName, kind) }

        if has("incompatible.json") {
            let reason = try ConformanceFixtures.json(pair.provider, pair.caseName, "incompatible.json")["reason"]?.stringValue
            #expect(reason != nil, "incompatible.json needs a 'reason'")
            #expect(provider.adapter.incompatibility(with: request) == reason)
            for kind in ConformanceFixtures.kinds where kind != "incompatible.json" && has(kind) {
                Issue.record("\(pair.caseName).\(kind) contradicts \(pair.caseName).incompatible.json")
            }
            return
        }
        #expect(provider.adapter.incompatibility(with: request) == nil)

        let outcomes = ["upstream-response.json", "upstream-stream.txt", "upstream-stream.json", "upstream-error.json"].filter(has)
        guard outcomes.count == 1 else {
            Issue.record("\(pair.provider)/\(pair.caseName) needs exactly one of upstream-response, upstream-stream or upstream-error (or incompatible.json); found \(outcomes)")
            return
        }
        if has("upstream-request.json") {
            try checkUpstreamRequest(pair, provider, request)
        } else if !has("upstream-error.json") {
            Issue.record("\(pair.provider)/\(pair.caseName).upstream-request.json is missing")
        }
        let expected = try ConformanceFixtures.json(pair.provider, pair.caseName, "expected.json")
        switch outcomes[0] {
        case "upstream-response.json": try checkResponse(pair, provider, expected)
        case "upstream-error.json": try checkFailure(pair, provider, expected)
        default: try checkStream(pair, provider, request, expected)
        }
    }

    /// The request the adapter builds, compared whole; then checked the way the provider would.
    func checkUpstreamRequest(_ pair: ConformancePair, _ provider: ConformanceProvider, _ request: ChatRequest) throws {
        let upstream = try provider.adapter.makeChatRequest(request, upstreamModel: provider.upstreamModel)
        let body = try JSONParser.parse(upstream.body)
        let headers = upstream.headers.map { ($0.0.lowercased(), $0.1) }.sorted { $0.0 < $1.0 }
        let actual: JSONValue = ["method": .string(upstream.method), "url": .string(upstream.url), "expects_stream": .bool(upstream.expectsStream),
                                 "headers": ConformanceFixtures.encodeHeaders(headers), "body": body]
        let expected = try ConformanceFixtures.json(pair.provider, pair.caseName, "upstream-request.json")
        ConformanceJSON.expectEqual(actual, expected, "\(pair.provider)/\(pair.caseName).upstream-request.json")
        if let refusal = provider.mockValidationError(upstream, body: body) {
            Issue.record("the \(pair.provider) mock refuses this request as the real API would: \(refusal)")
        }
        for violation in provider.rules.violations(body) { Issue.record("\(pair.provider): \(violation)") }
        let visible = upstream.url + JSONWriter.string(body)
        for secret in provider.secrets where visible.contains(secret) { Issue.record("the provider key leaks into the URL or body") }
    }

    /// A recorded answer read and re-encoded as the OpenAI response the client receives.
    func checkResponse(_ pair: ConformancePair, _ provider: ConformanceProvider, _ expected: JSONValue) throws {
        let (status, headers, body) = try Self.upstreamMessage(pair, "upstream-response.json")
        let response = try provider.adapter.parseChatResponse(status: status, headers: headers, body: body)
        let actual = OpenAIChatWire.encodeResponse(response)
        ConformanceJSON.expectEqual(actual, expected, "\(pair.provider)/\(pair.caseName).expected.json")
        for choice in response.choices {
            for call in choice.message.toolCalls ?? [] where (try? JSONParser.parse(call.arguments))?.objectValue == nil {
                Issue.record("tool call \(call.id) has arguments that are not a JSON object: \(call.arguments)")
            }
        }
    }

    /// A recorded stream decoded byte by byte (the reference: every event completes in its own
    /// call), then whole and in other pieces: the same chunks and the same end every time. A
    /// stream that fails in-band must too: the chunks decoded before the failure in the same call
    /// are returned and the failure follows them (the `ChatStreamDecoder` contract), so feeding
    /// content and error in one piece loses nothing.
    func checkStream(_ pair: ConformancePair, _ provider: ConformanceProvider, _ request: ChatRequest, _ expected: JSONValue) throws {
        let bytes = try ConformanceStreams.upstreamBytes(pair.provider, pair.caseName)
        let makeDecoder = { provider.adapter.makeChatStreamDecoder(for: request) }
        let (reference, chunks) = ConformanceStreams.decode(bytes, pieceSize: 1, with: makeDecoder)
        var actual = reference.json
        let assembled = ConformanceStreams.assemble(chunks)
        actual.appendUnique("assembled", assembled)
        ConformanceJSON.expectEqual(.object(actual), expected, "\(pair.provider)/\(pair.caseName).expected.json")
        for size in ConformanceStreams.pieceSizes {
            let (other, _) = ConformanceStreams.decode(bytes, pieceSize: size, with: makeDecoder)
            let what = size.map { "the stream fed in pieces of \($0) bytes" } ?? "the stream fed whole"
            ConformanceJSON.expectEqual(.object(other.json), .object(reference.json), what)
        }
        // An OpenAI-format client of an OpenAI-format upstream gets the frames verbatim: what it
        // reads from them must be what the decoding path gives, failure included.
        if provider.adapter.makeVerbatimStreamFilter(for: request) != nil {
            for size in [1] + ConformanceStreams.pieceSizes {
                let verbatim = ConformanceStreams.filterVerbatim(bytes, pieceSize: size, providerID: provider.configuration.id, decodingWith: makeDecoder)
                let what = size.map { "the verbatim stream fed in pieces of \($0) bytes" } ?? "the verbatim stream fed whole"
                ConformanceJSON.expectEqual(.object(verbatim.json), .object(reference.json), what)
            }
        }
        for call in assembled["tool_calls"]?.arrayValue ?? [] where reference.error == nil {
            if (try? JSONParser.parse(call["arguments"]?.stringValue ?? ""))?.objectValue == nil {
                Issue.record("streamed tool call \(JSONWriter.string(call)) does not assemble into a JSON object")
            }
        }
    }

    /// A recorded error answer classified as the client and the router see it.
    func checkFailure(_ pair: ConformancePair, _ provider: ConformanceProvider, _ expected: JSONValue) throws {
        let (status, headers, body) = try Self.upstreamMessage(pair, "upstream-error.json")
        let failure = provider.adapter.parseFailure(status: status, headers: headers, body: body)
        let actual = ConformanceFailures.encode(failure)
        ConformanceJSON.expectEqual(actual, expected, "\(pair.provider)/\(pair.caseName).expected.json")
        let visible = JSONWriter.string(actual)
        for secret in provider.secrets where visible.contains(secret) { Issue.record("the provider key leaks into the client's error") }
    }

    /// `{"status", "headers", "body"}` (a JSON body) or `"body_text"` (anything else, such as a
    /// proxy's HTML page).
    static func upstreamMessage(_ pair: ConformancePair, _ kind: String) throws -> (Int, [(String, String)], [UInt8]) {
        let fixture = try ConformanceFixtures.json(pair.provider, pair.caseName, kind)
        guard let status = fixture["status"]?.intValue else { throw FixtureError("\(pair.provider)/\(pair.caseName).\(kind) needs 'status'") }
        let body = fixture["body_text"]?.stringValue.map { Array($0.utf8) } ?? JSONWriter.bytes(fixture["body"] ?? .null)
        return (status, try ConformanceFixtures.headers(fixture["headers"]), body)
    }

    @Test("the fixtures folder holds only known providers, cases and kinds")
    func noStrayFixtures() {
        let cases = Set(ConformanceFixtures.caseNames)
        let providers = ConformanceFixtures.providers
        #expect(cases.count >= 10, "cases/ lists \(cases.count) cases")
        #expect(providers.count >= 8, "fixtures cover \(providers) only")
        for entry in ConformanceFixtures.names(in: ConformanceFixtures.directory) where entry != "cases" && entry != "README.md" && !providers.contains(entry) {
            Issue.record("Fixtures/\(entry) is neither cases/, README.md nor a provider folder with provider.json")
        }
        for provider in providers {
            for file in ConformanceFixtures.names(in: ConformanceFixtures.directory.appendingPathComponent(provider)) where file != "provider.json" {
                let parts = file.split(separator: ".", maxSplits: 1).map(String.init)
                if parts.count != 2 || !cases.contains(parts[0]) || !ConformanceFixtures.kinds.contains(parts[1]) {
                    Issue.record("Fixtures/\(provider)/\(file) matches no case and kind, so no test would read it")
                }
            }
        }
    }
}
