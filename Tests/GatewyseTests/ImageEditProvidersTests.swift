import GatewyseCore
import GatewyseProviders
import GatewyseTesting
import Testing

/// Image edits on Gemini image models (generateContent with the pictures inline) and on
/// Stability AI (its inpainting): the upstream call each adapter writes, accepted by the
/// validating mock; what each cannot honour refused with the reason routing shows; and the
/// multipart writer's boundary kept out of the pictures it carries.
@Suite("Image edits: Gemini and Stability AI")
struct ImageEditProvidersTests {
    static let png = MockStabilityUpstream.png
    static let jpeg: [UInt8] = [0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10] + Array("JFIF".utf8) + [0x00, 0x01, 0xFF, 0xD9]

    func adapter(_ type: String) -> any ProviderAdapter {
        ProviderRegistry.makeAdapter(for: ProviderConfiguration(id: type, entry: ProviderCatalog.entry(forType: type)!,
                                                                baseURL: "http://127.0.0.1:9/base", apiKey: Secret("edit-key")))
    }

    /// An edit form as the SDKs send it: the text fields, then each picture (and mask).
    func edit(_ fields: [(String, String)], images: [[UInt8]] = [png], imageName: String = "image", mask: [UInt8]? = nil) throws -> ImageEditRequest {
        var files: [MultipartForm.FilePart] = images.enumerated().map { i, bytes in
            MultipartForm.FilePart(name: imageName, filename: "in\(i).png", contentType: "application/octet-stream", source: bytes, range: bytes.indices)
        }
        if let mask { files.append(MultipartForm.FilePart(name: "mask", filename: "mask.png", contentType: "image/png", source: mask, range: mask.indices)) }
        let form = MultipartForm.encode(fields: [("model", "x")] + fields, files: files)
        return try OpenAIImagesWire.decodeEdit(form.body, contentType: form.contentType)
    }

    func headers(_ request: UpstreamRequest) -> [String: String] {
        Dictionary(request.headers.map { ($0.0.lowercased(), $0.1) }, uniquingKeysWith: { first, _ in first })
    }

    // MARK: Gemini

    @Test func geminiSendsThePromptThenEachPictureInlineWithItsOwnMediaType() throws {
        let request = try edit([("prompt", "a hat"), ("size", "1024x1536")], images: [Self.png, Self.jpeg], imageName: "image[]")
        let adapter = adapter("gemini")
        #expect(adapter.imageEditIncompatibility(with: request) == nil)
        #expect(adapter.imageEditIncompatibility(with: request, upstreamModel: "gemini-2.5-flash-image") == nil)
        let upstream = try adapter.makeImageEditRequest(request, upstreamModel: "gemini-2.5-flash-image")
        #expect(upstream.url == "http://127.0.0.1:9/base/models/gemini-2.5-flash-image:generateContent")
        let body = try JSONParser.parse(upstream.body)
        #expect(body == ["contents": [["role": "user", "parts": [
            ["text": "a hat"],
            ["inlineData": ["mimeType": "image/png", "data": .string(Base64.encode(Self.png))]],
            ["inlineData": ["mimeType": "image/jpeg", "data": .string(Base64.encode(Self.jpeg))]],
        ]]], "generationConfig": ["responseModalities": ["TEXT", "IMAGE"], "imageConfig": ["aspectRatio": "2:3"]]])
        #expect(MockGeminiUpstream.mediaValidationError(model: "gemini-2.5-flash-image", method: "generateContent",
                                                        headers: headers(upstream), body: body) == nil)
    }

    @Test func theGeminiMockRefusesAPictureWhoseTypeIsNotItsBytes() throws {
        let body: JSONValue = ["contents": [["role": "user", "parts": [["text": "x"], ["inlineData": ["mimeType": "image/jpeg", "data": .string(Base64.encode(Self.png))]]]]],
                               "generationConfig": ["responseModalities": ["TEXT", "IMAGE"]]]
        #expect(MockGeminiUpstream.mediaValidationError(model: "gemini-2.5-flash-image", method: "generateContent",
                                                        headers: ["x-goog-api-key": "k"], body: body) != nil)
        let gif: JSONValue = ["contents": [["role": "user", "parts": [["inlineData": ["mimeType": "image/gif", "data": "R0lGODlh"]]]]]]
        #expect(MockGeminiUpstream.mediaValidationError(model: "gemini-2.5-flash-image", method: "generateContent",
                                                        headers: ["x-goog-api-key": "k"], body: gif)?.contains("Unsupported MIME type") == true)
    }

    @Test func geminiRefusesWhatItCannotHonour() throws {
        let adapter = adapter("gemini")
        #expect(adapter.imageEditIncompatibility(with: try edit([("prompt", "x")], mask: Self.png))?.contains("'mask'") == true)
        #expect(adapter.imageEditIncompatibility(with: try edit([("prompt", "x"), ("n", "2")]))?.contains("n=1") == true)
        #expect(adapter.imageEditIncompatibility(with: try edit([("prompt", "x"), ("response_format", "url")]))?.contains("'url'") == true)
        let plain = try edit([("prompt", "x")])
        #expect(adapter.imageEditIncompatibility(with: plain, upstreamModel: "imagen-4.0-generate-001")?.contains("Gemini image models only") == true)
        #expect(adapter.imageEditIncompatibility(with: try edit([("prompt", "x"), ("output_format", "jpeg")]), upstreamModel: "gemini-2.5-flash-image") != nil)
    }

    @Test func aFileThatIsNotAPictureIsA400NamingItsField() throws {
        let request = try edit([("prompt", "x")], images: [Array("plain text".utf8)])
        let error = #expect(throws: GatewayError.self) { try adapter("gemini").makeImageEditRequest(request, upstreamModel: "gemini-2.5-flash-image") }
        #expect(error?.param == "image" && error?.status == 400)
    }

    // MARK: Stability AI

    @Test func stabilityInpaintsWithThePictureAsAFilePart() throws {
        let request = try edit([("prompt", "a red door"), ("output_format", "webp"), ("grow_mask", "10"), ("size", "1024x1024")])
        let adapter = adapter("stability")
        #expect(adapter.imageEditIncompatibility(with: request) == nil)
        let upstream = try adapter.makeImageEditRequest(request, upstreamModel: "sd3.5-large")
        #expect(upstream.url == "http://127.0.0.1:9/base/v2beta/stable-image/edit/inpaint")
        let sent = headers(upstream)
        #expect(sent["accept"] == "application/json" && sent["authorization"] == "Bearer edit-key")
        #expect(MockStabilityUpstream.validationError(path: "/v2beta/stable-image/edit/inpaint", headers: sent, body: upstream.body) == nil)
        let form = try MultipartForm(body: upstream.body, boundary: try #require(MultipartForm.boundary(contentType: sent["content-type"])))
        #expect(form.parts.map(\.name) == ["prompt", "output_format", "grow_mask", "image"])
        #expect(form.text("output_format", in: upstream.body) == "webp")
        let image = try #require(form.part(named: "image"))
        #expect(image.contentType == "image/png" && Array(upstream.body[image.valueRange]) == Self.png)
    }

    @Test func stabilityRefusesWhatItsInpaintingCannotHonour() throws {
        let adapter = adapter("stability")
        #expect(adapter.imageEditIncompatibility(with: try edit([("prompt", "x")], mask: Self.png))?.contains("mask") == true)
        #expect(adapter.imageEditIncompatibility(with: try edit([("prompt", "x")], images: [Self.png, Self.png]))?.contains("one picture") == true)
        #expect(adapter.imageEditIncompatibility(with: try edit([("prompt", "x"), ("n", "3")]))?.contains("n=1") == true)
        #expect(adapter.imageEditIncompatibility(with: try edit([("prompt", "x"), ("response_format", "url")]))?.contains("'url'") == true)
        #expect(adapter.imageEditIncompatibility(with: try edit([("prompt", "x"), ("output_format", "gif")])) != nil)
    }

    @Test func theStabilityMockRefusesAnInpaintingWithoutAPicture() throws {
        let form = MultipartForm.encode(fields: [("prompt", "x")])
        let headers = ["authorization": "Bearer k", "accept": "application/json", "content-type": form.contentType]
        #expect(MockStabilityUpstream.validationError(path: "/v2beta/stable-image/edit/inpaint", headers: headers, body: form.body)?.status == 400)
        let withModel = MultipartForm.encode(fields: [("prompt", "x"), ("model", "sd3.5-large")],
                                             files: [MultipartForm.FilePart(name: "image", filename: "a.png", contentType: "image/png", source: Self.png, range: Self.png.indices)])
        #expect(MockStabilityUpstream.validationError(path: "/v2beta/stable-image/edit/inpaint",
                                                      headers: headers.merging(["content-type": withModel.contentType]) { $1 }, body: withModel.body) != nil)
    }

    // MARK: The form writer

    @Test func theBoundaryIsNeverInsideAPicture() throws {
        let hostile = Array("--gatewyse-form-7d1c9a5e4b3f\r\nContent-Disposition: form-data; name=\"model\"\r\n\r\nevil\r\n".utf8) + Self.png
        let form = MultipartForm.encode(fields: [("prompt", "x")],
                                        files: [MultipartForm.FilePart(name: "image", filename: "a\"b.png", contentType: "image/png", source: hostile, range: hostile.indices)])
        let parsed = try MultipartForm(body: form.body, boundary: try #require(MultipartForm.boundary(contentType: form.contentType)))
        #expect(parsed.parts.map(\.name) == ["prompt", "image"])
        #expect(parsed.part(named: "image")?.filename == "a_b.png")
        #expect(Array(form.body[try #require(parsed.part(named: "image")).valueRange]) == hostile)
    }
}
