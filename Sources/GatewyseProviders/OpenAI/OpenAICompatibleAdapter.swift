import GatewyseCore

/// The adapter for every provider that speaks OpenAI Chat Completions. Provider differences come
/// from the catalog's `OpenAICompatibleQuirks`, never from `if provider == …`.
public struct OpenAICompatibleAdapter: ProviderAdapter {
    public let configuration: ProviderConfiguration
    private let chatURL: String
    let embeddingsURL: String
    let baseHeaders: [(String, String)]

    public init(configuration: ProviderConfiguration) {
        self.configuration = configuration
        chatURL = configuration.baseURL + "/chat/completions"
        embeddingsURL = configuration.baseURL + "/embeddings"
        var headers: [(String, String)] = [("Content-Type", "application/json")]
        headers.append(contentsOf: configuration.credentialHeaders)
        headers.append(contentsOf: configuration.headers)
        baseHeaders = headers
    }

    public var providerID: String { configuration.id }
    public var capabilities: Set<Capability> { configuration.entry.capabilities }
    var quirks: OpenAICompatibleQuirks { configuration.entry.quirks }

    public func incompatibility(with request: ChatRequest) -> String? {
        if !capabilities.contains(.chat) { return "does not offer chat" }
        if !quirks.supportsTools, !(request.tools ?? []).isEmpty { return "does not support tools" }
        if !quirks.supportsVision, request.messages.contains(where: { $0.content?.hasImages ?? false }) { return "does not accept images" }
        if let maximum = quirks.maximumChoices, let n = request.n, n > maximum { return "accepts at most n=\(maximum)" }
        if let allowed = quirks.supportedToolChoices, let choice = request.toolChoice, !allowed.contains(Self.toolChoiceName(choice)) {
            return "does not support tool_choice '\(Self.toolChoiceName(choice))'"
        }
        return nil
    }

    static func toolChoiceName(_ choice: ToolChoice) -> String {
        switch choice {
        case .none: "none"
        case .auto: "auto"
        case .required: "required"
        case .function: "function"
        }
    }

    public func makeChatRequest(_ request: ChatRequest, upstreamModel: String) throws(GatewayError) -> UpstreamRequest {
        var headers = baseHeaders
        if request.stream { headers.append(("Accept", "text/event-stream")) }
        return UpstreamRequest(url: chatURL(model: upstreamModel), headers: headers,
                               body: forwardedBody(request, upstreamModel: upstreamModel) ?? encodedBody(request, upstreamModel: upstreamModel),
                               expectsStream: request.stream)
    }

    /// The client's own body with `model` replaced (`ClientBody`), when this provider takes it
    /// as it is: no quirk rewrites requests, nothing provider-specific needs removing, and the
    /// usage chunk can be asked for by adding `stream_options` (or need not be).
    func forwardedBody(_ request: ChatRequest, upstreamModel: String) -> [UInt8]? {
        guard let client = request.clientBody,
              quirks.droppedParameters.isEmpty, quirks.renamedParameters.isEmpty, !quirks.dropsMessageName,
              !quirks.requiresNineCharacterToolCallIDs, request.toolChoice != .required || quirks.requiredToolChoiceValue == "required",
              request.extra[AnthropicMessagesWire.ExtraKey.toolCacheControl] == nil,
              !Self.anyCarriesAnthropicFields(request.messages)
        else { return nil }
        var addingStreamUsage = false
        if request.stream, !request.includeStreamUsage {
            // `encodedBody` asks for usage where the provider honours the option, and drops an
            // option the client set to false where it does not: neither can be done in place.
            if client.hasStreamOptions { return nil }
            addingStreamUsage = quirks.supportsStreamUsageOption
        }
        return OpenAIChatWire.forwardedBody(client, model: upstreamModel, addingStreamUsage: addingStreamUsage)
    }

    /// The body encoded from the unified request, with this provider's quirks applied.
    func encodedBody(_ request: ChatRequest, upstreamModel: String) -> [UInt8] {
        var outgoing = request
        if outgoing.stream, quirks.supportsStreamUsageOption {
            // Always ask for the usage chunk so the stream can be metered; clients that did not
            // ask for it never see it (see `ChatStreamRelay`).
            outgoing.includeStreamUsage = true
        }
        Self.removeAnthropicFields(from: &outgoing)
        if quirks.dropsMessageName {
            for i in outgoing.messages.indices { outgoing.messages[i].name = nil }
        }
        if quirks.requiresNineCharacterToolCallIDs {
            for i in outgoing.messages.indices {
                if let calls = outgoing.messages[i].toolCalls {
                    outgoing.messages[i].toolCalls = calls.map { ToolCall(id: ToolCallID.nineCharacter($0.id), name: $0.name, arguments: $0.arguments) }
                }
                if let id = outgoing.messages[i].toolCallID { outgoing.messages[i].toolCallID = ToolCallID.nineCharacter(id) }
            }
        }
        var body = OpenAIChatWire.encodeRequest(outgoing, model: upstreamModel)
        if outgoing.stream, !quirks.supportsStreamUsageOption, !request.includeStreamUsage { body["stream_options"] = nil }
        for field in quirks.droppedParameters { body[field] = nil }
        for (from, to) in quirks.renamedParameters.sorted(by: { $0.key < $1.key }) {
            if let value = body[from] {
                body[from] = nil
                body[to] = value
            }
        }
        if case .required = request.toolChoice, quirks.requiredToolChoiceValue != "required" {
            body["tool_choice"] = .string(quirks.requiredToolChoiceValue)
        }
        return JSONWriter.bytes(.object(body))
    }

    /// Azure's deployment form puts the model in the path; every other provider has one URL.
    func chatURL(model: String) -> String {
        usesAzureDeploymentURLs ? azureDeploymentURL(model: model, operation: "chat/completions") : chatURL
    }

    /// Azure with a base ending in `/openai` (not the `/openai/v1` form).
    var usesAzureDeploymentURLs: Bool { quirks.azureDeploymentURLs && !configuration.baseURL.hasSuffix("/v1") }

    /// `<base>/deployments/<model>/<operation>?api-version=…` (providers.md §4, URL style 1).
    func azureDeploymentURL(model: String, operation: String) -> String {
        let deployment = model.addingPathComponentEscapes
        return "\(configuration.baseURL)/deployments/\(deployment)/\(operation)?api-version=\(configuration.apiVersion ?? Self.defaultAzureAPIVersion)"
    }

    /// The GA `api-version` the reference documents (providers.md §4).
    public static let defaultAzureAPIVersion = "2024-10-21"

    public func parseChatResponse(status: Int, headers: [(String, String)], body: [UInt8]) throws(GatewayError) -> ChatResponse {
        let json = try UpstreamJSON.parse(body, provider: providerID)
        var response: ChatResponse
        do { response = try OpenAIChatWire.decodeResponse(json) } catch {
            throw GatewayError.badUpstreamResponse(providerID, error.message)
        }
        if !quirks.finishReasonMap.isEmpty {
            for i in response.choices.indices { response.choices[i].finishReason = mapFinishReason(response.choices[i].finishReason) }
        }
        return response
    }

    func mapFinishReason(_ reason: FinishReason?) -> FinishReason? {
        guard let reason, let mapped = quirks.finishReasonMap[reason.rawValue] else { return reason }
        return FinishReason(rawValue: mapped)
    }

    public func makeChatStreamDecoder(for request: ChatRequest) -> any ChatStreamDecoder {
        OpenAIChatStreamDecoder(providerID: providerID, finishReasonMap: quirks.finishReasonMap)
    }

    public func parseFailure(status: Int, headers: [(String, String)], body: [UInt8]) -> UpstreamFailure {
        UpstreamFailureClassifier.classify(providerID: providerID, status: status, headers: headers,
                                           message: UpstreamFailureClassifier.openAIStyleMessage(body),
                                           secret: configuration.apiKey)
    }
}

/// Decodes an OpenAI-format SSE stream into unified chunks. An `error` event or a frame that is
/// not a chunk ends the stream with `failure`, after the chunks decoded before it.
public struct OpenAIChatStreamDecoder: ChatStreamDecoder {
    let providerID: String
    let finishReasonMap: [String: String]
    var sse = SSEDecoder()
    public private(set) var isFinished = false
    public private(set) var failure: GatewayError?

    public init(providerID: String, finishReasonMap: [String: String] = [:]) {
        self.providerID = providerID
        self.finishReasonMap = finishReasonMap
    }

    public mutating func decode(_ bytes: [UInt8]) throws(GatewayError) -> [ChatChunk] {
        guard failure == nil else { return [] }
        let events = try sse.events(bytes, provider: providerID)
        var chunks: [ChatChunk] = []
        for event in events where !isFinished {
            if event.data == "[DONE]" { isFinished = true; break }
            do { chunks.append(try chunk(event.data)) } catch {
                failure = error
                break
            }
        }
        return chunks
    }

    private func chunk(_ data: String) throws(GatewayError) -> ChatChunk {
        let json = try StreamPayload.json(data, provider: providerID)
        // Some providers report a failure after the 200 as an event carrying `error`.
        if let failure = json["error"], !failure.isNull {
            let message = failure["message"]?.stringValue ?? failure.stringValue ?? "stream failed"
            throw GatewayError(status: 502, code: "UPSTREAM_STREAM_ERROR", type: "api_error", message: "Provider '\(providerID)' failed mid-stream: \(message)")
        }
        var chunk: ChatChunk
        do { chunk = try OpenAIChatWire.decodeChunk(json) } catch {
            throw GatewayError.badUpstreamResponse(providerID, error.message)
        }
        if !finishReasonMap.isEmpty {
            for i in chunk.choices.indices {
                if let reason = chunk.choices[i].finishReason, let mapped = finishReasonMap[reason.rawValue] {
                    chunk.choices[i].finishReason = FinishReason(rawValue: mapped)
                }
            }
        }
        return chunk
    }
}

/// Mistral-compatible tool-call ids (providers.md §6): exactly 9 characters of [a-zA-Z0-9].
/// Derived deterministically (FNV-1a), so the same id maps the same way in every turn.
enum ToolCallID {
    private static let alphabet = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789".utf8)

    static func nineCharacter(_ id: String) -> String {
        let utf8 = Array(id.utf8)
        if utf8.count == 9, utf8.allSatisfy({ alphabet.contains($0) }) { return id }
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        var out: [UInt8] = []
        for _ in 0..<9 {
            out.append(alphabet[Int(hash % 62)])
            hash /= 62
            if hash == 0 { hash = 0x9e37_79b9_7f4a_7c15 &* UInt64(out.count) }
        }
        return String(decoding: out, as: UTF8.self)
    }
}

extension String {
    /// Percent-escapes everything but unreserved URL characters, for one path segment.
    var addingPathComponentEscapes: String {
        var out = ""
        for byte in utf8 {
            switch byte {
            case 0x30...0x39, 0x41...0x5A, 0x61...0x7A, 0x2D, 0x2E, 0x5F, 0x7E: out.unicodeScalars.append(Unicode.Scalar(byte))
            default: out += "%" + String(byte, radix: 16, uppercase: true).leftPadded(to: 2)
            }
        }
        return out
    }

    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
