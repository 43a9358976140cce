import GatewyseCore

/// Stability AI's v2beta image generation (providers.md §27; Portkey's
/// `stability-ai/imageGenerateV2.ts`): `POST /v2beta/stable-image/generate/{ultra|core|sd3}`, a
/// multipart form (required even without a file) of `prompt`, `aspect_ratio`, `output_format`,
/// `negative_prompt`, `seed`, `style_preset`, `cfg_scale` and, on `sd3`, `model`. With
/// `Accept: application/json` the answer is `{image: <base64>, finish_reason: "SUCCESS" |
/// "CONTENT_FILTERED", seed}`; errors are `{id, name, errors: [...]}`.
public enum StabilityWire {
    /// The aspect ratios the generate endpoints accept.
    public static let aspectRatios: [(name: String, ratio: Double)] = [
        ("21:9", 21.0 / 9), ("16:9", 16.0 / 9), ("3:2", 3.0 / 2), ("5:4", 5.0 / 4), ("1:1", 1), ("4:5", 4.0 / 5),
        ("2:3", 2.0 / 3), ("9:16", 9.0 / 16), ("9:21", 9.0 / 21),
    ]

    /// Client fields Stability understands beside OpenAI's, passed on as sent (OpenAI SDKs send
    /// them through `extra_body`).
    static let passThroughFields = ["negative_prompt", "seed", "style_preset", "cfg_scale"]

    /// Which endpoint serves an upstream model: `stable-image-ultra` and `stable-image-core`
    /// have their own, every other name is an SD3 model sent as `model` to `/sd3` (so new SD3
    /// models need no code; Stability refuses names it does not know).
    public static func endpoint(model: String) -> (path: String, sd3Model: String?) {
        switch model {
        case "stable-image-ultra", "ultra": ("/v2beta/stable-image/generate/ultra", nil)
        case "stable-image-core", "core": ("/v2beta/stable-image/generate/core", nil)
        default: ("/v2beta/stable-image/generate/sd3", model)
        }
    }

    /// OpenAI's `size` (`1792x1024`) as the nearest aspect ratio Stability offers (nearest on a
    /// log scale, so 2:1 and 1:2 are equally far from 1:1); nil for `auto` or no size (Stability's
    /// default, 1:1). Stability sets the pixel size itself: only the shape carries over.
    public static func aspectRatio(size: String?) -> String? {
        guard let size, size != "auto" else { return nil }
        let sides = size.split(separator: "x")
        guard sides.count == 2, let width = Double(sides[0]), let height = Double(sides[1]), width > 0, height > 0 else { return nil }
        let target = width / height
        // max(r/t, t/r) grows with |log r − log t|: the same order, without a logarithm.
        func distance(_ ratio: Double) -> Double { max(ratio / target, target / ratio) }
        return aspectRatios.min { distance($0.ratio) < distance($1.ratio) }?.name
    }

    /// The form's fields for one image of `request`.
    public static func formFields(_ request: ImageGenerationRequest, model: String) -> [(String, String)] {
        var fields: [(String, String)] = [("prompt", request.prompt)]
        let endpoint = endpoint(model: model)
        if let sd3Model = endpoint.sd3Model { fields.append(("model", sd3Model)) }
        if let ratio = aspectRatio(size: request.size) { fields.append(("aspect_ratio", ratio)) }
        fields.append(("output_format", request.fields["output_format"]?.stringValue ?? "png"))
        for key in passThroughFields {
            switch request.fields[key] {
            case .string(let text)?: fields.append((key, text))
            case .number(let lexeme)?: fields.append((key, lexeme))
            default: continue
            }
        }
        return fields
    }

    /// A 2xx JSON answer as OpenAI's `{created, data: [{b64_json}]}`; a filtered image is the
    /// provider's refusal, not an image.
    public static func decodeResponse(_ body: [UInt8], provider: String, created: Int64) throws(GatewayError) -> ImageGenerationResponse {
        let json = try UpstreamJSON.parse(body, provider: provider)
        if json["finish_reason"]?.stringValue == "CONTENT_FILTERED" {
            throw GatewayError(status: 400, code: "CONTENT_FILTERED", type: "invalid_request_error",
                               message: "Provider '\(provider)' filtered the image (finish_reason CONTENT_FILTERED).")
        }
        guard let image = json["image"]?.stringValue, !image.isEmpty else {
            throw GatewayError.badUpstreamResponse(provider, "an image answer without 'image'")
        }
        let answer: JSONValue = ["created": .number(String(created)), "data": [["b64_json": .string(image)]]]
        return ImageGenerationResponse(body: JSONWriter.bytes(answer), images: 1)
    }

    /// `name: first error; second error` from `{id, name, errors}`.
    public static func errorMessage(_ body: [UInt8]) -> String? {
        guard let json = try? JSONParser.parse(body), let errors = json["errors"]?.arrayValue else {
            return UpstreamFailureClassifier.openAIStyleMessage(body)
        }
        let text = errors.compactMap(\.stringValue).joined(separator: "; ")
        guard let name = json["name"]?.stringValue, !name.isEmpty else { return text }
        return text.isEmpty ? name : "\(name): \(text)"
    }
}
