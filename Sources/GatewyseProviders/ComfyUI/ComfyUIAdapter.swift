import GatewyseCore

/// The outbound adapter for ComfyUI (providers.md §26, decision 0024): `POST
/// /v1/images/generations` runs the workflow the upstream model names
/// (`providers[].workflows`, `ComfyUIWorkflow`), its placeholders filled from the request,
/// queued with `POST /prompt`, followed through `GET /history/{id}` and its saved images fetched
/// with `GET /view` (`ComfyUIPromptJob`), answered as `b64_json`. ComfyUI keeps its images on
/// the operator's machine, which clients cannot be sent to, so `response_format: "url"` skips
/// it (or is a 400 naming the field when no other provider is left). No key by default; one
/// configured (ComfyUI behind an authenticating proxy) is sent as a Bearer token.
public struct ComfyUIAdapter: MediaOnlyAdapter {
    public let configuration: ProviderConfiguration
    let headers: [(String, String)]
    /// Wall-clock seconds since 1970, for `created`.
    let now: @Sendable () -> Int64
    /// A seed for requests that give none to a workflow that states none.
    let randomSeed: @Sendable () -> UInt64

    /// Seeds are drawn below 2^53, so a client reading the workflow's JSON as doubles loses nothing.
    public static let seedLimit: UInt64 = 1 << 53

    public init(configuration: ProviderConfiguration, now: @escaping @Sendable () -> Int64 = UnixClock.now,
                randomSeed: @escaping @Sendable () -> UInt64 = { UInt64.random(in: 0..<ComfyUIAdapter.seedLimit) }) {
        self.configuration = configuration
        self.now = now
        self.randomSeed = randomSeed
        headers = configuration.credentialHeaders + configuration.headers
    }

    public var providerID: String { configuration.id }
    public var capabilities: Set<Capability> { configuration.entry.capabilities }
    /// Named in `client_id`, so an operator can tell the gateway's prompts in ComfyUI's queue.
    var clientID: String { "gatewyse-" + providerID }

    // MARK: Images

    public func imageIncompatibility(with request: ImageGenerationRequest) -> String? {
        if request.responseFormat == "url" {
            return "keeps its images on its own machine, which clients cannot be linked to: response_format 'url' is not possible (ask for 'b64_json')"
        }
        if let format = request.fields["output_format"]?.stringValue, format != "png" {
            return "answers the PNG files its workflow saves: output_format '\(format)' is not possible"
        }
        if request.fields["background"]?.stringValue == "transparent" { return "does not promise transparent backgrounds" }
        return nil
    }

    public func imageIncompatibility(with request: ImageGenerationRequest, upstreamModel: String) -> String? {
        if let reason = imageIncompatibility(with: request) { return reason }
        guard let workflow = configuration.workflows[upstreamModel] else {
            let known = configuration.workflows.keys.sorted().joined(separator: ", ")
            return "has no workflow named '\(upstreamModel)' (its workflows: \(known.isEmpty ? "none" : known))"
        }
        let has = workflow.placeholders.contains
        if request.n > 1, !has(.batchSize) {
            return "runs workflow '\(upstreamModel)', which has no {{batch_size}} placeholder: n=\(request.n) is not possible"
        }
        if Self.dimensions(request.size) != nil, !(has(.width) && has(.height)) {
            return "runs workflow '\(upstreamModel)', which has no {{width}} and {{height}} placeholders: size '\(request.size ?? "")' is not possible"
        }
        if request.fields["seed"] != nil, !has(.seed) {
            return "runs workflow '\(upstreamModel)', which has no {{seed}} placeholder: seed is not possible"
        }
        if request.fields["negative_prompt"] != nil, !has(.negativePrompt) {
            return "runs workflow '\(upstreamModel)', which has no {{negative_prompt}} placeholder: negative_prompt is not possible"
        }
        return nil
    }

    public func makeImageRequest(_ request: ImageGenerationRequest, upstreamModel: String) throws(GatewayError) -> UpstreamRequest {
        guard let workflow = configuration.workflows[upstreamModel] else {
            throw GatewayError.invalidRequest("Provider '\(providerID)' has no workflow named '\(upstreamModel)'.", param: "model")
        }
        let body = ComfyUIWire.submit(workflow: workflow.render(try values(request)), clientID: clientID)
        return UpstreamRequest(url: configuration.baseURL + "/prompt", headers: [("content-type", "application/json")] + headers,
                               body: JSONWriter.bytes(body), expectsStream: false)
    }

    /// The request's values, checked against ComfyUI's own input bounds so that what a client
    /// sends cannot fail the workflow's validation (a 400 from ComfyUI is then about the
    /// workflow or the server, and fails over).
    func values(_ request: ImageGenerationRequest) throws(GatewayError) -> ComfyUIWorkflow.Values {
        var values = ComfyUIWorkflow.Values(prompt: request.prompt, randomSeed: randomSeed())
        if let (width, height) = Self.dimensions(request.size) {
            guard ComfyUIWorkflow.sideLimits.contains(width), ComfyUIWorkflow.sideLimits.contains(height) else {
                throw GatewayError.invalidRequest("Field 'size' must have sides between \(ComfyUIWorkflow.sideLimits.lowerBound) and \(ComfyUIWorkflow.sideLimits.upperBound) for ComfyUI, got '\(request.size ?? "")'.",
                                                  param: "size", code: "INVALID_FIELD")
            }
            values.width = width
            values.height = height
        }
        if request.fields["n"] != nil { values.batchSize = request.n }
        switch request.fields["seed"] {
        case nil, .null?: break
        case .number(let lexeme)? where UInt64(lexeme) != nil: values.seed = UInt64(lexeme)
        default: throw GatewayError.invalidRequest("Field 'seed' must be a whole number from 0 to \(UInt64.max).", param: "seed", code: "INVALID_FIELD")
        }
        switch request.fields["negative_prompt"] {
        case nil, .null?: break
        case .string(let text)?: values.negativePrompt = text
        default: throw GatewayError.invalidRequest("Field 'negative_prompt' must be a string.", param: "negative_prompt", code: "INVALID_FIELD")
        }
        return values
    }

    /// `1024x768` as width and height; nil for `auto` or no size.
    static func dimensions(_ size: String?) -> (width: Int, height: Int)? {
        guard let size, size != "auto" else { return nil }
        let sides = size.split(separator: "x")
        guard sides.count == 2, let width = Int(sides[0]), let height = Int(sides[1]) else { return nil }
        return (width, height)
    }

    public func makeImageJob(for request: ImageGenerationRequest, upstreamModel: String) -> (any UpstreamJob<ImageGenerationResponse>)? {
        ComfyUIPromptJob(baseURL: configuration.baseURL, headers: headers, providerID: providerID, created: now())
    }

    /// Reached only through a caller that ignores `makeImageJob`: the answer names a queued prompt.
    public func parseImageResponse(status: Int, headers: [(String, String)], body: [UInt8]) throws(GatewayError) -> ImageGenerationResponse {
        throw GatewayError.badUpstreamResponse(providerID, "a queued prompt must be followed as a job")
    }

    /// Image edits need the image uploaded (`POST /upload/image`) and a workflow that loads it:
    /// not mapped.
    public func imageEditIncompatibility(with request: ImageEditRequest) -> String? { "does not offer image edits through this gateway" }

    // MARK: Failures

    /// A 400 in ComfyUI's validation shape (`node_errors`, `error.type`) rejects the workflow:
    /// the operator's template or this server (a checkpoint it does not have, a custom node it
    /// lacks), since the client's values were checked against ComfyUI's bounds before sending —
    /// so it is a retryable 502, and another ComfyUI or image provider is tried. Everything else
    /// goes through the shared classifier (a proxy's 401/403 is the gateway's key, 5xx retryable).
    public func parseFailure(status: Int, headers: [(String, String)], body: [UInt8]) -> UpstreamFailure {
        let message = ComfyUIWire.errorMessage(body)
        if status == 400, ComfyUIWire.isWorkflowRejection(body) {
            let detail = configuration.apiKey.map { $0.scrub(message ?? "") } ?? (message ?? "")
            return UpstreamFailure(error: GatewayError(status: 502, code: "UPSTREAM_WORKFLOW_REJECTED", type: "api_error",
                                                       message: "Provider '\(providerID)' rejected the workflow (HTTP 400): \(detail)"),
                                   retryable: true)
        }
        return UpstreamFailureClassifier.classify(providerID: providerID, status: status, headers: headers, message: message,
                                                  secret: configuration.apiKey)
    }
}
