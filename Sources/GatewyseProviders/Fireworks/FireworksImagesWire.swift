import GatewyseCore

/// Fireworks' FLUX image generation (providers.md §11, paths UNCONFIRMED there; the shapes
/// follow Fireworks' API reference "Generate an image with FLUX.1 [schnell] FP8"): `POST
/// <base>/workflows/accounts/fireworks/models/{model}/text_to_image` with `{prompt,
/// aspect_ratio?, guidance_scale?, num_inference_steps?, seed?}`. The gateway asks for
/// `Accept: application/json`, whose answer is `{id, base64, finishReason: "SUCCESS" |
/// "CONTENT_FILTERED", seed}` — the image already in base64 for `b64_json`, and the filter's
/// verdict in the body rather than in a header of raw image bytes. One image per call.
public enum FireworksImagesWire {
    /// The `aspect_ratio` values the endpoint accepts.
    public static let aspectRatios = ["1:1", "21:9", "16:9", "3:2", "5:4", "4:5", "2:3", "9:16", "9:21", "4:3", "3:4"]

    /// Client fields FLUX understands beside OpenAI's, passed on as sent (through `extra_body`).
    static let passThroughFields = ["guidance_scale", "num_inference_steps", "seed"]

    /// The workflow path for `model`, a short name (`flux-1-schnell-fp8`, in Fireworks' own
    /// account) or a full id (`accounts/<account>/models/<name>`). Names go into the path, so
    /// only letters, digits, `-`, `_` and `.` pass (nil otherwise).
    public static func path(model: String) -> String? {
        let full = model.hasPrefix("accounts/") ? model : "accounts/fireworks/models/" + model
        let pieces = full.split(separator: "/", omittingEmptySubsequences: false)
        guard pieces.count == 4, pieces[0] == "accounts", pieces[2] == "models",
              pieces.allSatisfy({ piece in !piece.isEmpty && piece != "." && piece != ".." && piece.utf8.allSatisfy { $0.isASCIIAlphanumeric || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: ".") } })
        else { return nil }
        return "/workflows/" + full + "/text_to_image"
    }

    /// Why the endpoint cannot make `request` on `model`, or nil.
    public static func incompatibility(_ request: ImageGenerationRequest, model: String) -> String? {
        // Kontext models are another flow (submit, then poll `get_result`), not mapped.
        if model.contains("kontext") { return "serves FLUX Kontext models asynchronously, which the gateway does not map" }
        guard path(model: model) != nil else { return "cannot address model '\(model)' on its workflow endpoint" }
        if request.n > 1 { return "makes one image per request (n=1)" }
        if request.responseFormat == "url" {
            return ImageRefusal.noURLs
        }
        if case .unavailable(let reason) = ImageAspectRatio.choose(size: request.size, offered: aspectRatios) { return reason }
        if let format = request.fields["output_format"]?.stringValue, format != "png" { return "makes PNG images only (output_format 'png')" }
        if request.fields["background"]?.stringValue == "transparent" { return "does not make transparent backgrounds" }
        return nil
    }

    /// `{prompt, aspect_ratio?, guidance_scale?, num_inference_steps?, seed?}`.
    public static func encodeRequest(_ request: ImageGenerationRequest) -> JSONValue {
        var body = JSONObject([("prompt", .string(request.prompt))])
        if case .ratio(let ratio) = ImageAspectRatio.choose(size: request.size, offered: aspectRatios) { body["aspect_ratio"] = .string(ratio) }
        for key in passThroughFields {
            if let value = request.fields[key], value.doubleValue != nil { body[key] = value }
        }
        return .object(body)
    }

    /// `{base64, finishReason}` as OpenAI's `{created, data:[{b64_json}]}`. `base64` is one
    /// string in the reference; a list of them (older answers) is read too.
    public static func decodeResponse(_ body: [UInt8], provider: String, created: Int64) throws(GatewayError) -> ImageGenerationResponse {
        let json = try UpstreamJSON.parse(body, provider: provider)
        if json["finishReason"]?.stringValue == "CONTENT_FILTERED" {
            throw GatewayError(status: 400, code: "CONTENT_FILTERED", type: "invalid_request_error",
                               message: "Provider '\(provider)' filtered the image (finishReason CONTENT_FILTERED).")
        }
        let images: [String]
        switch json["base64"] {
        case .string(let image)?: images = [image]
        case .array(let list)?: images = list.compactMap(\.stringValue)
        default: images = []
        }
        guard !images.isEmpty, images.allSatisfy({ !$0.isEmpty }) else {
            throw GatewayError.badUpstreamResponse(provider, "an image answer without 'base64'")
        }
        let answer: JSONValue = ["created": .number(String(created)), "data": .array(images.map { ["b64_json": .string($0)] })]
        return ImageGenerationResponse(body: JSONWriter.bytes(answer), images: images.count)
    }
}
