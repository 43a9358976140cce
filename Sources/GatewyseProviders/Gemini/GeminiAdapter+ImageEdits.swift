import GatewyseCore

// MARK: - Image edits (`POST /v1/images/edits`)

extension GeminiAdapter {
    /// Gemini answers with bytes (no `url`, as for generation), makes one image per call, and
    /// has no mask: OpenAI's mask says exactly which pixels may change, which a prompt cannot
    /// promise, so a request with one goes to a provider that honours it.
    public func imageEditIncompatibility(with request: ImageEditRequest) -> String? {
        guard capabilities.contains(.images) else { return "does not offer images" }
        if request.text("response_format") == "url" {
            return ImageRefusal.noURLs
        }
        if request.maskPart != nil { return "edits from the prompt alone: it has no 'mask'" }
        if request.n > 1 { return "makes one image per request with Gemini image models (n=1)" }
        return nil
    }

    public func imageEditIncompatibility(with request: ImageEditRequest, upstreamModel: String) -> String? {
        GeminiWire.imageEditIncompatibility(request, model: upstreamModel)
    }

    public func makeImageEditRequest(_ request: ImageEditRequest, upstreamModel: String) throws(GatewayError) -> UpstreamRequest {
        let call = try GeminiWire.imageEditCall(request, model: upstreamModel)
        return UpstreamRequest(url: configuration.baseURL + call.path, headers: baseHeaders, body: JSONWriter.bytes(call.body), expectsStream: false)
    }
}
