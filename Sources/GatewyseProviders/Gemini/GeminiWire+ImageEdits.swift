import GatewyseCore

// MARK: - Image edits (providers.md §3 "Images"; ai.google.dev "Image generation", editing)

extension GeminiWire {
    /// The pictures Gemini reads as input (ai.google.dev "Image understanding": PNG, JPEG, WebP,
    /// HEIC, HEIF); of those the gateway recognises the first three by their bytes.
    static let editableImageFormats: Set<ImageFormat> = [.png, .jpeg, .webp]

    /// Why `model` cannot make `request`'s edit, or nil. Gemini image models edit from the prompt
    /// and the pictures alone; Imagen's editing (masks, inpainting) is Vertex AI's and not the
    /// Gemini API's, so Imagen models are skipped. The shape and format rules are those of
    /// generation.
    public static func imageEditIncompatibility(_ request: ImageEditRequest, model: String) -> String? {
        if imageFamily(model: model) == .imagen { return "edits images with Gemini image models only (Imagen has no edits in the Gemini API)" }
        if case .unavailable(let reason) = ImageAspectRatio.choose(size: request.size, offered: geminiImageAspectRatios) { return reason }
        if let format = request.text("output_format"), format != "png" { return "makes PNG images only (output_format 'png')" }
        if request.text("background") == "transparent" { return "does not make transparent backgrounds" }
        return nil
    }

    /// `/models/{model}:generateContent` with the prompt and then each picture as an `inlineData`
    /// part of the user's turn, asking for `["TEXT", "IMAGE"]` as generation does; the answer is
    /// read as a generation's (`decodeImageResponse`). A picture whose bytes are not PNG, JPEG or
    /// WebP is a 400 naming its field: Gemini would refuse it, and so would every other provider
    /// that edits.
    public static func imageEditCall(_ request: ImageEditRequest, model: String) throws(GatewayError) -> (path: String, body: JSONValue) {
        var parts: [JSONValue] = [["text": .string(request.text("prompt") ?? "")]]
        for part in request.imageParts {
            let bytes = request.bytes(of: part)
            guard let format = ImageFormat.sniff(bytes), editableImageFormats.contains(format) else {
                throw GatewayError.invalidRequest("Field '\(part.name)' must be a PNG, JPEG or WebP picture.", param: part.name)
            }
            parts.append(["inlineData": ["mimeType": .string(format.mediaType), "data": .string(Base64.encode(Array(bytes)))]])
        }
        var generation = JSONObject([("responseModalities", ["TEXT", "IMAGE"])])
        if case .ratio(let name) = ImageAspectRatio.choose(size: request.size, offered: geminiImageAspectRatios) {
            generation["imageConfig"] = ["aspectRatio": .string(name)]
        }
        return ("/models/\(model):generateContent", ["contents": [["role": "user", "parts": .array(parts)]], "generationConfig": .object(generation)])
    }
}
