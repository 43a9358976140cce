import GatewyseCore

/// Hands an OpenAI-format upstream's stream to an OpenAI-format client frame by frame, as the
/// upstream wrote each `data:` payload, without decoding chunks into the unified model and
/// encoding them again (docs/PERFORMANCE.md). Each payload is still checked to be one JSON
/// object (`JSONSkimmer`); what the gateway needs from it is read in place:
/// - `usage` (a non-null object) is recorded for metering; when the client did not ask for it
///   (the gateway always asks upstream), the usage-only chunk (`choices: []`) is dropped and
///   usage on a chunk with choices is cut out of it;
/// - a `finish_reason` string is recorded, and the bytes of generated text counted
///   (`producedBytes`), in one pass over `choices` (`scan(choices:)`);
/// - an `error` member (a failure after the 200) ends the stream with a 502 in `failure`, as the
///   decoding path does, after the frames before it (so is a frame that is not a JSON object);
/// - `"usage": null`, which an upstream puts on every chunk once usage is asked for, is taken out
///   when the gateway asked on behalf of a client that did not: the client sees the chunks it
///   would have had without the gateway;
/// - `[DONE]` ends the stream; the caller writes its own. Comments and keep-alives are dropped.
public struct OpenAIVerbatimStreamFilter: VerbatimStreamFilter {
    let providerID: String
    let includeUsage: Bool
    private var sse = SSEDecoder()
    public private(set) var isFinished = false
    public private(set) var usage: Usage?
    public private(set) var finishReason: FinishReason?
    public private(set) var failure: GatewayError?
    public private(set) var producedBytes = 0

    public init(providerID: String, includeUsage: Bool) {
        self.providerID = providerID
        self.includeUsage = includeUsage
    }

    public mutating func filter(_ bytes: [UInt8]) throws(GatewayError) -> [UInt8] {
        guard failure == nil else { return [] }
        let events = try sse.events(bytes, provider: providerID)
        var out: [UInt8] = []
        for event in events where !isFinished {
            if event.data == "[DONE]" { isFinished = true; break }
            var data = event.data
            do {
                try data.withUTF8 { frame in
                    try Result { () throws(GatewayError) in
                        guard let cut = try inspect(frame) else { return }
                        out.append(contentsOf: "data: ".utf8)
                        out.append(contentsOf: UnsafeBufferPointer(rebasing: frame[..<cut.lowerBound]))
                        out.append(contentsOf: UnsafeBufferPointer(rebasing: frame[cut.upperBound...]))
                        out.append(contentsOf: "\n\n".utf8)
                    }.get()
                }
            } catch let error as GatewayError {
                failure = error
                break
            } catch {
                failure = .badUpstreamResponse(providerID, "stream event: \(error)")
                break
            }
        }
        return out
    }

    /// What is read of each frame (`topLevelValues` order).
    private static let inspectedKeys = ["choices", "usage", "error"]

    /// Records usage and finish reason. Returns what to cut from the frame before the client
    /// sees it (an empty range for nothing), or nil for a frame the client must not see.
    private mutating func inspect(_ frame: UnsafeBufferPointer<UInt8>) throws(GatewayError) -> Range<Int>? {
        let members: [JSONSkimmer.Member?]
        do { members = try JSONSkimmer.topLevelMembers(in: frame, keys: Self.inspectedKeys) } catch {
            throw GatewayError.badUpstreamResponse(providerID, "stream event: \(error.description)")
        }
        let choices = members[0]?.value, usageRange = members[1]?.value
        if let range = members[2]?.value, frame[range.lowerBound] != UInt8(ascii: "n") {
            let failure = try? JSONParser.parse(buffer: UnsafeBufferPointer(rebasing: frame[range]))
            let message = failure?["message"]?.stringValue ?? failure?.stringValue ?? "stream failed"
            throw GatewayError(status: 502, code: "UPSTREAM_STREAM_ERROR", type: "api_error", message: "Provider '\(providerID)' failed mid-stream: \(message)")
        }
        if let range = choices {
            let seen = Self.scan(choices: UnsafeBufferPointer(rebasing: frame[range]))
            if let reason = seen.finishReason { finishReason = reason }
            producedBytes += seen.textBytes
        }
        guard let range = usageRange, frame[range.lowerBound] == UInt8(ascii: "{") else {
            if !includeUsage, let member = members[1], frame[member.value.lowerBound] == UInt8(ascii: "n") {
                return JSONSkimmer.cut(member, in: frame)
            }
            return 0..<0
        }
        do {
            let json = try JSONParser.parse(buffer: UnsafeBufferPointer(rebasing: frame[range]))
            usage = try OpenAIChatWire.decodeUsage(JSONFieldReader(body: json))
        } catch {
            throw GatewayError.badUpstreamResponse(providerID, "stream usage: \(error)")
        }
        // The usage-only chunk the gateway asked for on the client's behalf.
        let choicesEmpty = choices.map { range in
            frame[range].filter { $0 != 0x20 && $0 != 0x0A && $0 != 0x0D && $0 != 0x09 }.count == 2
        } ?? true
        if includeUsage { return 0..<0 }
        // Not asked for: the usage-only chunk is dropped, usage on a chunk with choices cut out.
        guard !choicesEmpty, let member = members[1] else { return nil }
        return JSONSkimmer.cut(member, in: frame)
    }
}
