import GatewyseCore
import GatewyseProviders
import GatewyseTesting
import Testing

/// Fireworks' media (providers.md §11, paths UNCONFIRMED there): FLUX through the workflow
/// endpoint, accepted by the validating mock and answered as `b64_json`; transcriptions sent to
/// its separate audio host; capabilities by model.
@Suite("Fireworks: FLUX images and transcriptions")
struct FireworksMediaTests {
    static let base = "http://127.0.0.1:9/inference/v1"

    func adapter(audioBaseURL: String? = nil) -> any ProviderAdapter {
        var configuration = ProviderConfiguration(id: "fireworks", entry: ProviderCatalog.entry(forType: "fireworks")!, baseURL: Self.base,
                                                  apiKey: Secret("fw-key"))
        configuration.audioBaseURL = audioBaseURL
        return ProviderRegistry.makeAdapter(for: configuration)
    }

    func image(_ text: String) throws -> ImageGenerationRequest { try OpenAIImagesWire.decodeRequest(try JSONParser.parse(text)) }

    @Test func fluxGoesToTheWorkflowEndpointAsJSON() throws {
        let request = try image(#"{"model":"x","prompt":"a kite","size":"1792x1024","seed":7,"num_inference_steps":4,"quality":"hd"}"#)
        let adapter = adapter()
        #expect(adapter.imageIncompatibility(with: request) == nil)
        #expect(adapter.imageIncompatibility(with: request, upstreamModel: "flux-1-schnell-fp8") == nil)
        let upstream = try adapter.makeImageRequest(request, upstreamModel: "flux-1-schnell-fp8")
        #expect(upstream.url == Self.base + "/workflows/accounts/fireworks/models/flux-1-schnell-fp8/text_to_image")
        var headers: [String: String] = [:]
        for (name, value) in upstream.headers { headers[name.lowercased()] = value }
        #expect(headers["authorization"] == "Bearer fw-key" && headers["accept"] == "application/json")
        let body = try JSONParser.parse(upstream.body)
        #expect(body == ["prompt": "a kite", "aspect_ratio": "16:9", "num_inference_steps": 4, "seed": 7])
        #expect(MockOpenAIUpstream.fireworksImageValidationError(headers: headers, body: body) == nil)
        #expect(MockOpenAIUpstream.fireworksImageValidationError(headers: headers, body: ["prompt": "a", "model": "flux"]) != nil)
    }

    @Test func fullModelIdsKeepTheirAccountAndPathsStayInside() throws {
        #expect(FireworksImagesWire.path(model: "accounts/acme/models/my-flux") == "/workflows/accounts/acme/models/my-flux/text_to_image")
        #expect(FireworksImagesWire.path(model: "../../admin") == nil)
        #expect(FireworksImagesWire.path(model: "accounts/a/models/b/c") == nil)
    }

    @Test func whatTheEndpointCannotDoIsSkipped() throws {
        let adapter = adapter()
        #expect(adapter.imageIncompatibility(with: try image(#"{"model":"x","prompt":"p","n":2}"#), upstreamModel: "flux-1-dev-fp8") == "makes one image per request (n=1)")
        #expect(adapter.imageIncompatibility(with: try image(#"{"model":"x","prompt":"p","response_format":"url"}"#), upstreamModel: "flux-1-dev-fp8")?
            .contains("response_format 'url'") == true)
        #expect(adapter.imageIncompatibility(with: try image(#"{"model":"x","prompt":"p"}"#), upstreamModel: "flux-kontext-pro")?.contains("Kontext") == true)
    }

    @Test func theAnswersBase64IsB64JSONAndAFilteredImageARefusal() throws {
        let answer = try adapter().parseImageResponse(status: 200, headers: [], body: Array(#"{"id":"1","base64":"QUJD","finishReason":"SUCCESS","seed":1}"#.utf8))
        #expect(answer.images == 1)
        #expect(try JSONParser.parse(answer.body)["data"] == [["b64_json": "QUJD"]])
        let listed = try adapter().parseImageResponse(status: 200, headers: [], body: Array(#"{"base64":["QUJD","REVG"],"finishReason":"SUCCESS"}"#.utf8))
        #expect(listed.images == 2)
        let filtered = #expect(throws: GatewayError.self) {
            _ = try adapter().parseImageResponse(status: 200, headers: [], body: Array(#"{"base64":"","finishReason":"CONTENT_FILTERED"}"#.utf8))
        }
        #expect(filtered?.code == "CONTENT_FILTERED")
    }

    @Test func transcriptionsGoToTheAudioHost() throws {
        let body = Array("--b\r\nContent-Disposition: form-data; name=\"model\"\r\n\r\nx\r\n--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.wav\"\r\n\r\nRIFF\r\n--b--\r\n".utf8)
        let request = try OpenAIAudioWire.decodeTranscription(body, contentType: "multipart/form-data; boundary=b", task: .transcription)
        #expect(try adapter().makeTranscriptionRequest(request, upstreamModel: "whisper-v3").url
            == "https://audio-prod.us-virginia-1.direct.fireworks.ai/v1/audio/transcriptions")
        #expect(try adapter(audioBaseURL: "http://127.0.0.1:7/fw-audio/v1").makeTranscriptionRequest(request, upstreamModel: "whisper-v3").url
            == "http://127.0.0.1:7/fw-audio/v1/audio/transcriptions")
    }

    @Test func modelsServeWhatTheirNamesSay() {
        let entry = ProviderCatalog.entry(forType: "fireworks")!
        #expect(entry.capabilities(forModel: "accounts/fireworks/models/flux-1-schnell-fp8") == [.images])
        #expect(entry.capabilities(forModel: "whisper-v3-turbo") == [.audio])
        #expect(entry.capabilities(forModel: "accounts/fireworks/models/gpt-oss-120b") == [.chat, .completions, .embeddings])
    }
}
