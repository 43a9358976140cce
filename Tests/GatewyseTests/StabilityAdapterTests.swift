import GatewyseCore
import GatewyseProviders
import GatewyseTesting
import Testing

/// Stability AI image generation (providers.md §27): the multipart form the adapter writes
/// (endpoint by model, size → aspect_ratio, output_format, extras) accepted by the validating
/// mock; `{image, finish_reason}` answered as OpenAI's `b64_json`; what it cannot do skipped.
@Suite("Stability AI: image generation")
struct StabilityAdapterTests {
    func adapter() -> any ProviderAdapter {
        ProviderRegistry.makeAdapter(for: ProviderConfiguration(id: "stability", entry: ProviderCatalog.entry(forType: "stability")!,
                                                                baseURL: "http://127.0.0.1:9", apiKey: Secret("sk-stability-test")))
    }

    func image(_ text: String) throws -> ImageGenerationRequest { try OpenAIImagesWire.decodeRequest(try JSONParser.parse(text)) }

    func sent(_ request: UpstreamRequest) -> (path: String, headers: [String: String], fields: [String: String]) {
        var headers: [String: String] = [:]
        for (name, value) in request.headers { headers[name.lowercased()] = value }
        var fields: [String: String] = [:]
        if let boundary = MultipartForm.boundary(contentType: headers["content-type"]), let form = try? MultipartForm(body: request.body, boundary: boundary) {
            for part in form.parts { fields[part.name] = String(decoding: request.body[part.valueRange], as: UTF8.self) }
        }
        return (String(request.url.dropFirst("http://127.0.0.1:9".count)), headers, fields)
    }

    @Test func sd3FormWithAspectRatioAndExtras() throws {
        let request = try image(#"{"model":"img","prompt":"a red square","size":"1792x1024","output_format":"webp","negative_prompt":"blur","seed":42}"#)
        #expect(adapter().imageIncompatibility(with: request) == nil)
        let upstream = try adapter().makeImageRequest(request, upstreamModel: "sd3.5-large")
        let (path, headers, fields) = sent(upstream)
        #expect(path == "/v2beta/stable-image/generate/sd3")
        #expect(headers["authorization"] == "Bearer sk-stability-test" && headers["accept"] == "application/json")
        #expect(fields == ["prompt": "a red square", "model": "sd3.5-large", "aspect_ratio": "16:9", "output_format": "webp",
                           "negative_prompt": "blur", "seed": "42"])
        #expect(MockStabilityUpstream.validationError(path: path, headers: headers, body: upstream.body) == nil)
    }

    @Test(arguments: [("stable-image-ultra", "/v2beta/stable-image/generate/ultra"), ("stable-image-core", "/v2beta/stable-image/generate/core")])
    func ultraAndCoreHaveTheirOwnEndpoints(model: String, path: String) throws {
        let upstream = try adapter().makeImageRequest(try image(#"{"model":"img","prompt":"p"}"#), upstreamModel: model)
        let sent = sent(upstream)
        #expect(sent.path == path && sent.fields["model"] == nil && sent.fields["output_format"] == "png")
        #expect(MockStabilityUpstream.validationError(path: sent.path, headers: sent.headers, body: upstream.body) == nil)
    }

    @Test(arguments: [("1024x1024", "1:1"), ("512x512", "1:1"), ("1024x1792", "9:16"), ("1536x1024", "3:2"), ("1024x1536", "2:3"),
                      ("2560x1080", "21:9"), ("1000x1250", "4:5")])
    func sizesBecomeTheNearestAspectRatio(size: String, ratio: String) {
        #expect(StabilityWire.aspectRatio(size: size) == ratio)
    }

    @Test func aPromptCannotAddItsOwnPart() throws {
        let first = MultipartForm.encode(fields: [("prompt", "x")])
        let boundary = MultipartForm.boundary(contentType: first.contentType)!
        let hostile = "x\r\n--\(boundary)\r\nContent-Disposition: form-data; name=\"model\"\r\n\r\nevil"
        let upstream = try adapter().makeImageRequest(ImageGenerationRequest(model: "img", prompt: hostile), upstreamModel: "stable-image-core")
        let fields = sent(upstream).fields
        #expect(fields["prompt"] == hostile && fields["model"] == nil)
    }

    @Test func answerBecomesB64JSON() throws {
        let body = Array(#"{"image":"iVBORw0KGgo=","finish_reason":"SUCCESS","seed":7}"#.utf8)
        let response = try adapter().parseImageResponse(status: 200, headers: [], body: body)
        let json = try JSONParser.parse(response.body)
        #expect(json["data"]?.arrayValue?.first?["b64_json"]?.stringValue == "iVBORw0KGgo=")
        #expect(json["created"]?.intValue ?? 0 > 1_700_000_000)
        #expect(response.images == 1)
        let filtered = Array(#"{"image":"iVBORw0KGgo=","finish_reason":"CONTENT_FILTERED","seed":7}"#.utf8)
        #expect(throws: GatewayError.self) { try adapter().parseImageResponse(status: 200, headers: [], body: filtered) }
        #expect(throws: GatewayError.self) { try adapter().parseImageResponse(status: 200, headers: [], body: Array(#"{"seed":7}"#.utf8)) }
    }

    @Test(arguments: [
        (#"{"model":"m","prompt":"p","n":2}"#, "n=1"),
        (#"{"model":"m","prompt":"p","response_format":"url"}"#, "response_format 'url'"),
        (#"{"model":"m","prompt":"p","background":"transparent"}"#, "transparent"),
    ])
    func skipsWhatItCannotMake(body: String, reason: String) throws {
        #expect(adapter().imageIncompatibility(with: try image(body))?.contains(reason) == true)
    }

    @Test func errorsAreRead() {
        let moderated = adapter().parseFailure(status: 403, headers: [],
                                               body: Array(#"{"id":"x","name":"content_moderation","errors":["flagged"]}"#.utf8))
        #expect(moderated.error.status == 400 && !moderated.retryable && moderated.error.message.contains("content_moderation: flagged"))
        let invalid = adapter().parseFailure(status: 400, headers: [], body: Array(#"{"id":"x","name":"bad_request","errors":["prompt: cannot be empty"]}"#.utf8))
        #expect(invalid.error.status == 400 && invalid.error.message.contains("bad_request: prompt: cannot be empty"))
        #expect(adapter().parseFailure(status: 500, headers: [], body: Array(#"{"id":"x","name":"internal_error","errors":["boom"]}"#.utf8)).retryable)
    }
}
