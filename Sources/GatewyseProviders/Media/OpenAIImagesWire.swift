import GatewyseCore

/// OpenAI's image generation format (providers.md §1 "Other endpoints"; the gateway's limits
/// from product-spec §2.8): the client format of `POST /v1/images/generations`, and the upstream
/// format of every OpenAI-format provider that makes images (OpenAI, Azure, Together, xAI,
/// LocalAI). `{model, prompt, n, size, quality, style, background, output_format,
/// response_format}` → `{created, data:[{url | b64_json, revised_prompt}], usage?}`.
public enum OpenAIImagesWire {
    /// Product-spec §2.8: a prompt of 1–4,000 characters, 1–10 images.
    public static let maximumPromptCharacters = 4_000
    public static let maximumImages = 10
    static let qualities: Set<String> = ["standard", "hd", "low", "medium", "high", "auto"]
    static let styles: Set<String> = ["vivid", "natural"]
    static let backgrounds: Set<String> = ["transparent", "opaque", "auto"]
    static let outputFormats: Set<String> = ["png", "jpeg", "webp"]
    static let responseFormats: Set<String> = ["url", "b64_json"]

    // MARK: Client request

    /// Validates a client body; errors name the field. Fields the gateway does not model pass on
    /// untouched (`fields`).
    public static func decodeRequest(_ body: JSONValue) throws(GatewayError) -> ImageGenerationRequest {
        let reader = try JSONFieldReader(body: body)
        let model = try reader.requiredString("model")
        guard !model.isEmpty else { throw reader.invalid("model", "must not be empty.") }
        let prompt = try requiredPrompt(reader, maximumCharacters: maximumPromptCharacters)
        var request = ImageGenerationRequest(model: model, prompt: prompt, n: try reader.int("n", in: 1...maximumImages) ?? 1,
                                             fields: reader.object)
        if let size = try reader.string("size") {
            guard size == "auto" || isDimensions(size) else { throw reader.invalid("size", "must be 'auto' or WIDTHxHEIGHT (e.g. '1024x1024'), got '\(size)'.") }
            request.size = size
        }
        request.quality = try oneOf(qualities, "quality", reader)
        _ = try oneOf(styles, "style", reader)
        _ = try oneOf(backgrounds, "background", reader)
        _ = try oneOf(outputFormats, "output_format", reader)
        request.responseFormat = try oneOf(responseFormats, "response_format", reader)
        _ = try reader.int("output_compression", in: 0...100)
        _ = try reader.string("user")
        return request
    }

    /// `prompt`: present, not empty, at most `maximumCharacters` (image and video generation).
    static func requiredPrompt(_ reader: JSONFieldReader, maximumCharacters: Int) throws(GatewayError) -> String {
        let prompt = try reader.requiredString("prompt")
        guard !prompt.isEmpty else { throw reader.invalid("prompt", "must not be empty.") }
        guard prompt.count <= maximumCharacters else {
            throw reader.invalid("prompt", "must be at most \(maximumCharacters) characters, got \(prompt.count).")
        }
        return prompt
    }

    static func oneOf(_ allowed: Set<String>, _ key: String, _ reader: JSONFieldReader) throws(GatewayError) -> String? {
        guard let value = try reader.string(key) else { return nil }
        guard allowed.contains(value) else {
            throw reader.invalid(key, "must be one of \(allowed.sorted().map { "'\($0)'" }.joined(separator: ", ")), got '\(value)'.")
        }
        return value
    }

    /// `1024x1024`: two positive integers of at most five digits.
    static func isDimensions(_ size: String) -> Bool {
        let sides = size.split(separator: "x", omittingEmptySubsequences: false)
        return sides.count == 2 && sides.allSatisfy { side in
            (1...5).contains(side.count) && side.allSatisfy(\.isASCIIDigit) && side.first != "0"
        }
    }

    /// Reads an edit form (providers.md §1: `POST /images/edits`, multipart): one or more image
    /// files as `image` or `image[]`, an optional `mask` file, `prompt`, `model` (required here:
    /// the gateway routes by it), `n`, `size`, `response_format`; errors name the field.
    public static func decodeEdit(_ body: [UInt8], contentType: String?) throws(GatewayError) -> ImageEditRequest {
        let form = try OpenAIAudioWire.readForm(body, contentType: contentType, files: "the picture as the 'image' part")
        let images = form.parts.filter { ImageEditRequest.isImagePart($0.name) }
        guard !images.isEmpty else { throw OpenAIAudioWire.missing("image") }
        for image in images {
            guard image.filename != nil, !image.valueRange.isEmpty else { throw OpenAIAudioWire.invalid(image.name, "must be a non-empty file part.") }
        }
        if let mask = form.part(named: "mask"), mask.filename == nil || mask.valueRange.isEmpty {
            throw OpenAIAudioWire.invalid("mask", "must be a non-empty file part.")
        }
        guard let model = form.text("model", in: body) else { throw OpenAIAudioWire.missing("model") }
        guard !model.isEmpty else { throw OpenAIAudioWire.invalid("model", "must not be empty.") }
        guard let prompt = form.text("prompt", in: body) else { throw OpenAIAudioWire.missing("prompt") }
        guard !prompt.isEmpty, prompt.count <= maximumPromptCharacters else {
            throw OpenAIAudioWire.invalid("prompt", "must be 1 to \(maximumPromptCharacters) characters.")
        }
        var n = 1
        if let value = form.text("n", in: body) {
            guard let parsed = Int(value), (1...maximumImages).contains(parsed) else {
                throw OpenAIAudioWire.invalid("n", "must be an integer between 1 and \(maximumImages), got '\(value)'.")
            }
            n = parsed
        }
        let size = form.text("size", in: body)
        if let size, size != "auto", !isDimensions(size) {
            throw OpenAIAudioWire.invalid("size", "must be 'auto' or WIDTHxHEIGHT (e.g. '1024x1024'), got '\(size)'.")
        }
        if let format = form.text("response_format", in: body), !responseFormats.contains(format) {
            throw OpenAIAudioWire.invalid("response_format", "must be one of 'b64_json', 'url', got '\(format)'.")
        }
        return ImageEditRequest(model: model, n: n, size: size, body: body, form: form)
    }

    // MARK: Upstream

    /// The client's object with `model` replaced, every other field as sent and in its order.
    public static func encodeRequest(_ request: ImageGenerationRequest, model: String) -> JSONValue {
        var body = request.fields
        body["model"] = .string(model)
        return .object(body)
    }

    /// A 2xx answer: checked to be `{data:[…]}` and relayed as it came (`body`), with the images
    /// counted and gpt-image's token usage (`usage.input_tokens` / `output_tokens`) read.
    public static func decodeResponse(_ body: [UInt8], provider: String) throws(GatewayError) -> ImageGenerationResponse {
        let json = try UpstreamJSON.parse(body, provider: provider)
        guard let data = json["data"]?.arrayValue else {
            throw GatewayError.badUpstreamResponse(provider, "an image answer without a 'data' array")
        }
        var usage: Usage?
        if let reported = json["usage"]?.objectValue {
            let reader = JSONFieldReader(reported, path: "usage")
            if let input = try? reader.count("input_tokens"), let output = try? reader.count("output_tokens") {
                usage = Usage(promptTokens: input, completionTokens: output)
            }
        }
        return ImageGenerationResponse(body: body, images: data.count, usage: usage)
    }
}

extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
}
