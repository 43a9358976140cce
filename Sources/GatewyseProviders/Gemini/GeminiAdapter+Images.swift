import GatewyseCore

// MARK: - Image generation (providers.md §3 "Images")

extension GeminiAdapter {
    /// Gemini returns image bytes only, and the gateway keeps no files to link to: like
    /// Stability (decisions/0020), `response_format: "url"` goes to another provider, or is a
    /// 400 naming it when none is left.
    public func imageIncompatibility(with request: ImageGenerationRequest) -> String? {
        guard capabilities.contains(.images) else { return "does not offer images" }
        if request.responseFormat == "url" {
            return ImageRefusal.noURLs
        }
        return nil
    }

    public func imageIncompatibility(with request: ImageGenerationRequest, upstreamModel: String) -> String? {
        GeminiWire.imageIncompatibility(request, model: upstreamModel)
    }

    public func makeImageRequest(_ request: ImageGenerationRequest, upstreamModel: String) throws(GatewayError) -> UpstreamRequest {
        let call = GeminiWire.imageCall(request, model: upstreamModel)
        return UpstreamRequest(url: configuration.baseURL + call.path, headers: baseHeaders, body: JSONWriter.bytes(call.body), expectsStream: false)
    }

    public func parseImageResponse(status: Int, headers: [(String, String)], body: [UInt8]) throws(GatewayError) -> ImageGenerationResponse {
        try GeminiWire.decodeImageResponse(try UpstreamJSON.parse(body, provider: providerID), provider: providerID, created: Int64(now()))
    }
}
