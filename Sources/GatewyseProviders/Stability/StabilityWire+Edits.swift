import GatewyseCore

// MARK: - Image edits: inpainting (Stability's v2beta "Edit" API)

extension StabilityWire {
    /// Stability's inpainting: one picture, the area to redraw and a prompt, answered like a
    /// generation (`decodeResponse`). It is one service whatever the route's upstream model.
    public static let inpaintPath = "/v2beta/stable-image/edit/inpaint"

    /// Client fields inpainting understands beside the prompt, passed on as sent.
    static let editPassThroughFields = ["negative_prompt", "seed", "style_preset", "grow_mask"]

    /// The output formats Stability writes.
    static let outputFormats: Set<String> = ["png", "jpeg", "webp"]

    /// Why inpainting cannot make `request`'s edit, or nil. Without a mask, Stability redraws
    /// the picture's transparent pixels, which is what OpenAI's edits do without one. OpenAI's
    /// mask marks the area by transparency too, but Stability reads its `mask` by brightness
    /// (white is redrawn): the same file would mean something else, so a request with a mask
    /// goes to a provider that reads it as OpenAI does.
    public static func editIncompatibility(_ request: ImageEditRequest) -> String? {
        if request.n > 1 { return "makes one image per request (n=1)" }
        if request.text("response_format") == "url" {
            return ImageRefusal.noURLs
        }
        if request.imageParts.count > 1 { return "edits one picture per request" }
        if request.maskPart != nil {
            return "reads the area to redraw from the picture's transparency: an OpenAI 'mask' (transparent = edit) is not what its mask means (white = redraw)"
        }
        if let format = request.text("output_format"), !outputFormats.contains(format) { return "does not write output_format '\(format)'" }
        if request.text("background") == "transparent" { return "does not make transparent backgrounds" }
        return nil
    }

    /// The inpainting form: `prompt`, `output_format` (png unless asked), the pass-through
    /// fields, and the picture as `image` with the media type its bytes have. `size` does not
    /// carry over: the edit keeps the picture's own.
    public static func editForm(_ request: ImageEditRequest) throws(GatewayError) -> (contentType: String, body: [UInt8]) {
        guard let picture = request.imageParts.first else { throw GatewayError.invalidRequest("Field 'image' is required.", param: "image") }
        guard let format = ImageFormat.sniff(request.bytes(of: picture)), format != .gif else {
            throw GatewayError.invalidRequest("Field '\(picture.name)' must be a PNG, JPEG or WebP picture.", param: picture.name)
        }
        var fields: [(String, String)] = [("prompt", request.text("prompt") ?? ""), ("output_format", request.text("output_format") ?? "png")]
        for key in editPassThroughFields {
            if let value = request.text(key) { fields.append((key, value)) }
        }
        let file = MultipartForm.FilePart(name: "image", filename: picture.filename ?? "image." + format.rawValue, contentType: format.mediaType,
                                          source: request.body, range: picture.valueRange)
        return MultipartForm.encode(fields: fields, files: [file])
    }
}
