import GatewyseCore

/// An OpenAI-format answer forwarded to an OpenAI-format client byte for byte: the data plane
/// skips parsing it into the unified model and encoding it again (docs/PERFORMANCE.md), and
/// reads only its usage, for metering.
public struct VerbatimChatResponse: Sendable {
    public var body: [UInt8]
    public var usage: Usage?

    public init(body: [UInt8], usage: Usage?) {
        self.body = body
        self.usage = usage
    }
}

/// A stream handed to an OpenAI-format client as the upstream framed it, with what the gateway
/// needs read on the way (`OpenAIVerbatimStreamFilter`). Fed raw bytes split anywhere.
/// Like a `ChatStreamDecoder`, it holds a failure met inside the stream in `failure` and returns
/// the frames before it, rather than throwing them away.
public protocol VerbatimStreamFilter: Sendable {
    /// The SSE bytes to forward for what `bytes` completes (whole `data:` events).
    mutating func filter(_ bytes: [UInt8]) throws(GatewayError) -> [UInt8]
    var isFinished: Bool { get }
    var usage: Usage? { get }
    var finishReason: FinishReason? { get }
    /// The failure that ended the stream, set by the `filter` call whose bytes precede it.
    var failure: GatewayError? { get }
    /// UTF-8 bytes of generated text seen so far (content, reasoning, tool-call names and
    /// arguments): what an estimate of the output counts when the upstream's usage never came.
    var producedBytes: Int { get }
}

extension VerbatimStreamFilter {
    public var failure: GatewayError? { nil }
}

extension ProviderAdapter {
    /// Native formats are always translated.
    public func verbatimChatResponse(status: Int, headers: [(String, String)], body: [UInt8]) throws(GatewayError) -> VerbatimChatResponse? { nil }
    public func makeVerbatimStreamFilter(for request: ChatRequest) -> (any VerbatimStreamFilter)? { nil }
}

extension OpenAICompatibleAdapter {
    /// Verbatim unless a quirk rewrites answers (a finish-reason map).
    public func makeVerbatimStreamFilter(for request: ChatRequest) -> (any VerbatimStreamFilter)? {
        guard quirks.finishReasonMap.isEmpty else { return nil }
        return OpenAIVerbatimStreamFilter(providerID: providerID, includeUsage: request.includeStreamUsage)
    }

    /// What the data plane reads of an answer it passes on (`topLevelValues` order).
    static let verbatimAnswerKeys = ["choices", "usage"]

    /// Verbatim unless a quirk rewrites answers (a finish-reason map). The body is still checked
    /// to be a JSON object with a `choices` array — a broken answer is the provider's 502, not
    /// something to hand on — and `usage`, when present, must read as OpenAI usage.
    public func verbatimChatResponse(status: Int, headers: [(String, String)], body: [UInt8]) throws(GatewayError) -> VerbatimChatResponse? {
        guard quirks.finishReasonMap.isEmpty else { return nil }
        let members: [Range<Int>?]
        do {
            members = try body.withUnsafeBufferPointer { buffer throws(JSONParser.SyntaxError) in
                try JSONSkimmer.topLevelValues(in: buffer, keys: Self.verbatimAnswerKeys)
            }
        } catch {
            throw GatewayError.badUpstreamResponse(providerID, error.description)
        }
        guard let choices = members[0], body[choices.lowerBound] == UInt8(ascii: "[") else {
            throw GatewayError.badUpstreamResponse(providerID, "the answer has no 'choices' array")
        }
        guard let usageRange = members[1], body[usageRange.lowerBound] == UInt8(ascii: "{") else {
            return VerbatimChatResponse(body: body, usage: nil)
        }
        do {
            let json = try body.withUnsafeBufferPointer { buffer throws(JSONParser.SyntaxError) in
                try JSONParser.parse(buffer: UnsafeBufferPointer(rebasing: buffer[usageRange]))
            }
            let usage = try OpenAIChatWire.decodeUsage(JSONFieldReader(body: json))
            return VerbatimChatResponse(body: body, usage: usage)
        } catch let error as GatewayError {
            throw GatewayError.badUpstreamResponse(providerID, "usage: \(error.message)")
        } catch {
            throw GatewayError.badUpstreamResponse(providerID, "usage: \(error)")
        }
    }
}
