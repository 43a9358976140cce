import GatewyseCore

// MARK: - Image generation (providers.md §3 "Images")

extension GeminiWire {
    /// Gemini makes images two ways: Imagen models through `:predict`, and Gemini image models
    /// ("Nano Banana", `gemini-*-image*`) through generateContent with image parts.
    public enum ImageModelFamily: Sendable, Equatable {
        case imagen
        case gemini
    }

    public static func imageFamily(model: String) -> ImageModelFamily {
        model.hasPrefix("imagen-") ? .imagen : .gemini
    }

    /// Imagen's `aspectRatio` values (ai.google.dev "Imagen": 1:1, 3:4, 4:3, 9:16, 16:9).
    public static let imagenAspectRatios = ["1:1", "3:4", "4:3", "9:16", "16:9"]
    /// `imageConfig.aspectRatio` of the Gemini image models (ai.google.dev "Image generation").
    public static let geminiImageAspectRatios = ["1:1", "2:3", "3:2", "3:4", "4:3", "4:5", "5:4", "9:16", "16:9", "21:9"]
    /// Imagen's `sampleCount` range.
    public static let maximumImagenImages = 4

    /// Why `model` cannot make `request`'s images, or nil: more images than one call makes
    /// (Imagen: 4; Gemini image models: one candidate), a shape it has no ratio near, or an
    /// output it does not make (PNG only through this adapter, no transparency).
    public static func imageIncompatibility(_ request: ImageGenerationRequest, model: String) -> String? {
        let family = imageFamily(model: model)
        switch family {
        case .imagen where request.n > maximumImagenImages: return "makes at most \(maximumImagenImages) images per request with Imagen"
        case .gemini where request.n > 1: return "makes one image per request with Gemini image models (n=1)"
        default: break
        }
        if case .unavailable(let reason) = ImageAspectRatio.choose(size: request.size, offered: aspectRatios(family)) { return reason }
        if let format = request.fields["output_format"]?.stringValue, format != "png" { return "makes PNG images only (output_format 'png')" }
        if request.fields["background"]?.stringValue == "transparent" { return "does not make transparent backgrounds" }
        return nil
    }

    static func aspectRatios(_ family: ImageModelFamily) -> [String] {
        family == .imagen ? imagenAspectRatios : geminiImageAspectRatios
    }

    /// The call for `request` on `model`: its path below the base URL and its body.
    /// - Imagen: `/models/{model}:predict` `{instances:[{prompt}], parameters:{sampleCount,
    ///   aspectRatio?, personGeneration?}}` — `person_generation` is the client's own field
    ///   (`dont_allow`, `allow_adult`, `allow_all`), sent through `extra_body`.
    /// - Gemini image models: `/models/{model}:generateContent` with the prompt as the user's
    ///   text, `responseModalities: ["TEXT", "IMAGE"]` (the pair every image model accepts) and
    ///   `imageConfig.aspectRatio`.
    /// `quality` and `style` have no Gemini equivalent and are not sent.
    public static func imageCall(_ request: ImageGenerationRequest, model: String) -> (path: String, body: JSONValue) {
        let family = imageFamily(model: model)
        var ratio: String?
        if case .ratio(let name) = ImageAspectRatio.choose(size: request.size, offered: aspectRatios(family)) { ratio = name }
        switch family {
        case .imagen:
            var parameters = JSONObject([("sampleCount", .int(request.n))])
            if let ratio { parameters["aspectRatio"] = .string(ratio) }
            if let person = request.fields["person_generation"]?.stringValue { parameters["personGeneration"] = .string(person) }
            return ("/models/\(model):predict", ["instances": [["prompt": .string(request.prompt)]], "parameters": .object(parameters)])
        case .gemini:
            var generation = JSONObject([("responseModalities", ["TEXT", "IMAGE"])])
            if let ratio { generation["imageConfig"] = ["aspectRatio": .string(ratio)] }
            return ("/models/\(model):generateContent",
                    ["contents": [["role": "user", "parts": [["text": .string(request.prompt)]]]], "generationConfig": .object(generation)])
        }
    }

    /// Either answer as OpenAI's `{created, data:[{b64_json}]}`, told apart by shape (a
    /// GenerateContentResponse has `candidates` or `promptFeedback`, a predict answer neither).
    /// - Imagen: `predictions[].bytesBase64Encoded`; predictions its safety filter removed are
    ///   left out by Google, and an answer with none left is the provider refusing the prompt.
    /// - Gemini image models: the `inlineData` image parts of the first candidate, with the
    ///   call's token usage; a blocked prompt or a safety finish is a refusal, and an answer of
    ///   text alone (the model chose not to draw) is a bad answer.
    public static func decodeImageResponse(_ json: JSONValue, provider: String, created: Int64) throws(GatewayError) -> ImageGenerationResponse {
        guard json.objectValue != nil else { throw GatewayError.badUpstreamResponse(provider, "an image answer that is not a JSON object") }
        var images: [String] = []
        var usage: Usage?
        if json["candidates"] != nil || json["promptFeedback"] != nil {
            if let blocked = json["promptFeedback"]?["blockReason"]?.stringValue {
                throw filteredImage(provider, "blocked the prompt (\(blocked))")
            }
            let candidate = json["candidates"]?.arrayValue?.first
            for part in candidate?["content"]?["parts"]?.arrayValue ?? [] {
                if let inline = part["inlineData"], inline["mimeType"]?.stringValue?.hasPrefix("image/") == true, let data = inline["data"]?.stringValue {
                    images.append(data)
                }
            }
            usage = self.usage(json["usageMetadata"])
            if images.isEmpty {
                let reason = candidate?["finishReason"]?.stringValue ?? "none"
                if finishReason(reason, hasFunctionCalls: false) == .contentFilter { throw filteredImage(provider, "refused to draw (finishReason \(reason))") }
                throw GatewayError.badUpstreamResponse(provider, "an answer without an image (finishReason \(reason))")
            }
        } else {
            for prediction in json["predictions"]?.arrayValue ?? [] {
                if let data = prediction["bytesBase64Encoded"]?.stringValue, !data.isEmpty { images.append(data) }
            }
            if images.isEmpty { throw filteredImage(provider, "returned no image (Imagen leaves out what its safety filter removes)") }
        }
        let answer: JSONValue = ["created": .number(String(created)), "data": .array(images.map { ["b64_json": .string($0)] })]
        return ImageGenerationResponse(body: JSONWriter.bytes(answer), images: images.count, usage: usage)
    }

    static func filteredImage(_ provider: String, _ detail: String) -> GatewayError {
        GatewayError(status: 400, code: "CONTENT_FILTERED", type: "invalid_request_error", message: "Provider '\(provider)' \(detail).")
    }
}
