import GatewyseCore
import GatewyseProviders

/// Stream fixtures: reading the recorded bytes, feeding them to a stream decoder in pieces, and
/// summing the chunks up the way a client would.
enum ConformanceStreams {
    /// The ways a recorded stream is fed besides byte by byte: whole (nil), and cuts that land
    /// inside frames, lines, multi-byte characters, JSON strings and (for Bedrock) the binary
    /// preludes.
    static let pieceSizes: [Int?] = [nil, 7, 13, 64]

    /// The upstream bytes: an SSE file as it is, or for Bedrock a JSON description of the AWS
    /// event-stream messages, encoded here with `AWSEventStream.encode`:
    ///
    ///     {"events": [{"event": "messageStart", "payload": {…}},
    ///                 {"exception": "throttlingException", "payload": {…}}]}
    static func upstreamBytes(_ provider: String, _ caseName: String) throws -> [UInt8] {
        if ConformanceFixtures.exists(provider, caseName, "upstream-stream.txt") {
            return try ConformanceFixtures.bytes(ConformanceFixtures.url(provider, caseName, "upstream-stream.txt"))
        }
        let description = try ConformanceFixtures.json(provider, caseName, "upstream-stream.json")
        guard let events = description["events"]?.arrayValue else { throw FixtureError("upstream-stream.json needs 'events'") }
        var bytes: [UInt8] = []
        for event in events {
            let payload = JSONWriter.bytes(event["payload"] ?? .object(JSONObject()))
            if let type = event["event"]?.stringValue {
                bytes += AWSEventStream.encode(headers: [(":event-type", type), (":content-type", "application/json"), (":message-type", "event")], payload: payload)
            } else if let type = event["exception"]?.stringValue {
                bytes += AWSEventStream.encode(headers: [(":exception-type", type), (":content-type", "application/json"), (":message-type", "exception")], payload: payload)
            } else {
                throw FixtureError("an event needs 'event' or 'exception': \(JSONWriter.string(event))")
            }
        }
        return bytes
    }

    /// What one decoding run produced.
    struct Outcome {
        var chunks: [JSONValue] = []
        var error: GatewayError?
        var finished = false

        /// `{"chunks": […], "finished": …, "error"?: {…}}`, the `assembled` part left to the caller.
        var json: JSONObject {
            var out = JSONObject()
            out.appendUnique("chunks", .array(chunks))
            out.appendUnique("finished", .bool(finished))
            if let error { out.appendUnique("error", ConformanceFailures.encode(error)) }
            return out
        }
    }

    /// `bytes` cut in pieces of `size` (one piece, the whole stream, when nil).
    static func pieces(of bytes: [UInt8], size: Int?) -> [[UInt8]] {
        let step = size ?? max(bytes.count, 1)
        return stride(from: 0, to: bytes.count, by: step).map { Array(bytes[$0..<min($0 + step, bytes.count)]) }
    }

    /// Feeds `bytes` in pieces of `size` (the whole stream when nil) to a fresh decoder.
    static func decode(_ bytes: [UInt8], pieceSize size: Int?, with makeDecoder: () -> any ChatStreamDecoder) -> (Outcome, [ChatChunk]) {
        var decoder = makeDecoder()
        var outcome = Outcome()
        var chunks: [ChatChunk] = []
        for piece in pieces(of: bytes, size: size) {
            do {
                chunks += try decoder.decode(piece)
            } catch {
                outcome.error = error
                break
            }
            // A failure in the stream comes after the chunks the same call returned.
            if let failure = decoder.failure {
                outcome.error = failure
                break
            }
        }
        outcome.chunks = chunks.map(OpenAIChatWire.encodeChunk)
        outcome.finished = decoder.isFinished
        return (outcome, chunks)
    }

    /// Feeds `bytes` in pieces of `size` (whole when nil) to a verbatim filter that shows every
    /// frame (usage included), and reads what it forwarded back with `makeDecoder`: the outcome
    /// an OpenAI-format client of the verbatim path sees, comparable with the decoding path's.
    static func filterVerbatim(_ bytes: [UInt8], pieceSize size: Int?, providerID: String,
                               decodingWith makeDecoder: () -> any ChatStreamDecoder) -> Outcome {
        var filter = OpenAIVerbatimStreamFilter(providerID: providerID, includeUsage: true)
        var outcome = Outcome()
        var forwarded: [UInt8] = []
        for piece in pieces(of: bytes, size: size) {
            do {
                forwarded += try filter.filter(piece)
            } catch {
                outcome.error = error
                break
            }
            if let failure = filter.failure {
                outcome.error = failure
                break
            }
        }
        if filter.isFinished { forwarded += Array("data: [DONE]\n\n".utf8) }
        var decoder = makeDecoder()
        let chunks = (try? decoder.decode(forwarded)) ?? []
        if let failure = decoder.failure { outcome.error = outcome.error ?? failure }
        outcome.chunks = chunks.map(OpenAIChatWire.encodeChunk)
        outcome.finished = filter.isFinished
        return outcome
    }

    /// The message a client assembles from the chunks: content and reasoning joined, tool calls
    /// gathered by index, the last finish reason and usage.
    static func assemble(_ chunks: [ChatChunk]) -> JSONValue {
        var role: String?
        var content: String?
        var reasoning: String?
        var calls: [Int: (id: String?, name: String?, arguments: String)] = [:]
        var finish: String?
        var usage: Usage?
        for chunk in chunks {
            if let u = chunk.usage { usage = u }
            for choice in chunk.choices {
                if let r = choice.delta.role { role = r.rawValue }
                if let c = choice.delta.content { content = (content ?? "") + c }
                if let r = choice.delta.reasoningContent { reasoning = (reasoning ?? "") + r }
                for call in choice.delta.toolCalls ?? [] {
                    var entry = calls[call.index] ?? (nil, nil, "")
                    entry.id = entry.id ?? call.id
                    entry.name = entry.name ?? call.name
                    entry.arguments += call.arguments ?? ""
                    calls[call.index] = entry
                }
                if let f = choice.finishReason { finish = f.rawValue }
            }
        }
        var out = JSONObject()
        if let role { out.appendUnique("role", .string(role)) }
        if let content { out.appendUnique("content", .string(content)) }
        if let reasoning { out.appendUnique("reasoning_content", .string(reasoning)) }
        if !calls.isEmpty {
            out.appendUnique("tool_calls", .array(calls.keys.sorted().map { index in
                let call = calls[index]!
                return ["index": .int(index), "id": call.id.map(JSONValue.string) ?? .null,
                        "name": call.name.map(JSONValue.string) ?? .null, "arguments": .string(call.arguments)]
            }))
        }
        if let finish { out.appendUnique("finish_reason", .string(finish)) }
        if let usage { out.appendUnique("usage", OpenAIChatWire.encodeUsage(usage)) }
        return .object(out)
    }
}

/// Upstream failures in the form the fixtures state them.
enum ConformanceFailures {
    /// `{"status", "code", "type", "message", "param"?, "headers"}`: what the client receives.
    static func encode(_ error: GatewayError) -> JSONValue {
        var out = JSONObject()
        out.appendUnique("status", .int(error.status))
        out.appendUnique("code", .string(error.code))
        out.appendUnique("type", .string(error.type))
        out.appendUnique("message", .string(error.message))
        if let param = error.param { out.appendUnique("param", .string(param)) }
        out.appendUnique("headers", ConformanceFixtures.encodeHeaders(error.headers))
        return .object(out)
    }

    /// `{"error": {…}, "retryable", "retry_after_seconds"}`: also what the router decides from.
    static func encode(_ failure: UpstreamFailure) -> JSONValue {
        ["error": encode(failure.error), "retryable": .bool(failure.retryable),
         "retry_after_seconds": failure.retryAfterSeconds.map(JSONValue.double) ?? .null]
    }
}
