import GatewyseCore

/// The outbound adapter for Amazon Bedrock's Converse API: unified requests go out as
/// `POST <base>/model/{modelId}/converse` (or `/converse-stream`, answered in the AWS
/// event-stream framing), signed with SigV4 for service `bedrock`, or with a Bedrock API key as
/// a bearer token when `api_key` is configured instead of AWS credentials. Pure functions
/// (ARCHITECTURE rule 1): the clock and the id source are injected, since signatures depend on
/// the time and Converse answers carry no id.
public struct BedrockAdapter: ProviderAdapter {
    public let configuration: ProviderConfiguration
    private let signer: AWSSigV4Signer?
    private let baseHeaders: [(String, String)]
    let now: @Sendable () -> Double
    let makeID: @Sendable () -> String

    public init(configuration: ProviderConfiguration, now: @escaping @Sendable () -> Double = AnthropicAdapter.systemTime,
                makeID: @escaping @Sendable () -> String = BedrockAdapter.randomID) {
        self.configuration = configuration
        self.now = now
        self.makeID = makeID
        if let credentials = configuration.awsCredentials {
            signer = AWSSigV4Signer(credentials: credentials, region: configuration.region ?? "us-east-1", service: "bedrock")
        } else {
            signer = nil
        }
        var headers: [(String, String)] = [("content-type", "application/json")]
        if signer == nil { headers.append(contentsOf: configuration.credentialHeaders) }
        headers.append(contentsOf: configuration.headers)
        baseHeaders = headers
    }

    public var providerID: String { configuration.id }
    public var capabilities: Set<Capability> { configuration.entry.capabilities }

    /// Requests Converse cannot serve, so routing tries another provider: several choices,
    /// logprobs, audio, images by URL (Converse reads inline bytes or S3 only), JSON mode
    /// combined with tools (it is emulated with a forced tool), and `tool_choice: none` in a
    /// conversation that already used tools (Converse cannot forbid tool use, and tool blocks
    /// need a `toolConfig`).
    public func incompatibility(with request: ChatRequest) -> String? {
        if !capabilities.contains(.chat) { return "does not offer chat" }
        if let n = request.n, n > 1 { return "accepts at most n=1" }
        if request.logprobs == true || (request.topLogprobs ?? 0) > 0 { return "does not return logprobs" }
        for message in request.messages {
            guard case .parts(let parts)? = message.content else { continue }
            for part in parts where !BedrockConverseWire.isSupported(part) {
                return "does not accept this kind of content part (only text, and images or documents as base64 data URIs)"
            }
        }
        if BedrockConverseWire.structuredOutput(request.responseFormat) != nil, !(request.tools ?? []).isEmpty, request.toolChoice != ToolChoice.none {
            return "cannot combine response_format with tools (JSON mode is emulated with a forced tool)"
        }
        if request.toolChoice == ToolChoice.none, !(request.tools ?? []).isEmpty,
           request.messages.contains(where: { $0.role == .tool || !($0.toolCalls ?? []).isEmpty }) {
            return "cannot honour tool_choice \"none\" in a conversation that already used tools"
        }
        return nil
    }

    /// `<base>/model/<model id, percent-encoded>/converse[-stream]`: ids such as
    /// `anthropic.claude-3-5-sonnet-20240620-v1:0` and ARNs carry `:` and `/`.
    public func url(model: String, stream: Bool) -> String {
        configuration.baseURL + "/model/" + AWSSigV4Signer.percentEncode(model, keepingSlash: false) + (stream ? "/converse-stream" : "/converse")
    }

    public func makeChatRequest(_ request: ChatRequest, upstreamModel: String) throws(GatewayError) -> UpstreamRequest {
        let body = JSONWriter.bytes(.object(try BedrockConverseWire.encodeRequest(request)))
        let url = url(model: upstreamModel, stream: request.stream)
        var headers = baseHeaders
        headers.append(("accept", request.stream ? "application/vnd.amazon.eventstream" : "application/json"))
        if let signer {
            headers += signer.signatureHeaders(method: "POST", url: url, headers: headers, body: body, now: now())
        }
        return UpstreamRequest(url: url, headers: headers, body: body, expectsStream: request.stream)
    }

    /// Converse answers carry no id: AWS's request id (`x-amzn-requestid`) stands in, so a
    /// client's id can be matched with AWS's logs.
    public func parseChatResponse(status: Int, headers: [(String, String)], body: [UInt8]) throws(GatewayError) -> ChatResponse {
        let json = try UpstreamJSON.parse(body, provider: providerID)
        let requestID = headers.first { $0.0.lowercased() == "x-amzn-requestid" }?.1
        do {
            return try BedrockConverseWire.decodeResponse(json, id: requestID.map { "chatcmpl-\($0)" } ?? makeID(), created: Int(now()), model: "")
        } catch {
            throw GatewayError.badUpstreamResponse(providerID, error.message)
        }
    }

    public func makeChatStreamDecoder(for request: ChatRequest) -> any ChatStreamDecoder {
        BedrockStreamDecoder(providerID: providerID, id: makeID(), created: Int(now()), model: "")
    }

    /// `chatcmpl-` and up to 24 random hex digits.
    @Sendable public static func randomID() -> String {
        var generator = SystemRandomNumberGenerator()
        let value = generator.next() as UInt64
        let more = generator.next() as UInt32
        return "chatcmpl-" + String(value, radix: 16) + String(more, radix: 16)
    }
}
