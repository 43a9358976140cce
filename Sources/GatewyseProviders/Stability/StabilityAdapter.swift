import GatewyseCore

/// The outbound adapter for Stability AI (providers.md §27): `POST /v1/images/generations`
/// becomes a multipart form to `/v2beta/stable-image/generate/{ultra|core|sd3}` (by the upstream
/// model, `StabilityWire.endpoint`) with `Accept: application/json`, whose base64 `image` is
/// answered as OpenAI's `b64_json`; `POST /v1/images/edits` becomes its inpainting
/// (`/v2beta/stable-image/edit/inpaint`). One image per request, and no URLs: Stability returns the
/// image itself and the gateway keeps no files to link to, so `n` > 1 and `response_format:
/// "url"` go to another provider (or are a 400 naming them when none is left).
public struct StabilityAdapter: MediaOnlyAdapter {
    public let configuration: ProviderConfiguration
    let baseHeaders: [(String, String)]
    /// Wall-clock seconds since 1970, for `created` (Stability sends no timestamp).
    let now: @Sendable () -> Int64

    public init(configuration: ProviderConfiguration, now: @escaping @Sendable () -> Int64 = UnixClock.now) {
        self.configuration = configuration
        self.now = now
        baseHeaders = [("accept", "application/json")] + configuration.credentialHeaders + configuration.headers
    }

    public var providerID: String { configuration.id }
    public var capabilities: Set<Capability> { configuration.entry.capabilities }

    public func imageIncompatibility(with request: ImageGenerationRequest) -> String? {
        if request.n > 1 { return "makes one image per request (n=1)" }
        if request.responseFormat == "url" {
            return ImageRefusal.noURLs
        }
        if request.fields["background"]?.stringValue == "transparent" { return "does not make transparent backgrounds" }
        return nil
    }

    public func makeImageRequest(_ request: ImageGenerationRequest, upstreamModel: String) throws(GatewayError) -> UpstreamRequest {
        let form = MultipartForm.encode(fields: StabilityWire.formFields(request, model: upstreamModel))
        return UpstreamRequest(url: configuration.baseURL + StabilityWire.endpoint(model: upstreamModel).path,
                               headers: [("content-type", form.contentType)] + baseHeaders, body: form.body, expectsStream: false)
    }

    public func parseImageResponse(status: Int, headers: [(String, String)], body: [UInt8]) throws(GatewayError) -> ImageGenerationResponse {
        try StabilityWire.decodeResponse(body, provider: providerID, created: now())
    }

    /// Edits are Stability's inpainting (`StabilityWire+Edits.swift`).
    public func imageEditIncompatibility(with request: ImageEditRequest) -> String? { StabilityWire.editIncompatibility(request) }

    public func makeImageEditRequest(_ request: ImageEditRequest, upstreamModel: String) throws(GatewayError) -> UpstreamRequest {
        let form = try StabilityWire.editForm(request)
        return UpstreamRequest(url: configuration.baseURL + StabilityWire.inpaintPath, headers: [("content-type", form.contentType)] + baseHeaders,
                               body: form.body, expectsStream: false)
    }

    /// Stability's 403 is its content moderation refusing the prompt (providers.md §27), which
    /// says nothing about the gateway's key: the client's request is what it rejects.
    public func parseFailure(status: Int, headers: [(String, String)], body: [UInt8]) -> UpstreamFailure {
        let message = StabilityWire.errorMessage(body)
        if status == 403 {
            let detail = configuration.apiKey.map { $0.scrub(message ?? "") } ?? (message ?? "")
            return UpstreamFailure(error: GatewayError(status: 400, code: "CONTENT_FILTERED", type: "invalid_request_error",
                                                       message: "Provider '\(providerID)' refused the prompt (HTTP 403): \(detail)"),
                                   retryable: false)
        }
        return UpstreamFailureClassifier.classify(providerID: providerID, status: status, headers: headers, message: message,
                                                  secret: configuration.apiKey)
    }
}
