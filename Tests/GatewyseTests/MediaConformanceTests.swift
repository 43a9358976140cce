import GatewyseCore
import GatewyseProviders
import GatewyseTesting
import Testing

/// Media conformance for Gemini and Fireworks: for each capability each provider serves, one
/// case of the same checks — the catalog says the model serves it; a plain OpenAI request is
/// not skipped; the upstream call the adapter builds is what the validating mock (the
/// provider's documented wire format) accepts; the provider's error answer on that route is
/// classified as the chat route's would be.
@Suite("Conformance: Gemini and Fireworks media")
struct MediaConformanceTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var provider: String
        var capability: Capability
        var model: String
        var testDescription: String { "\(provider) \(capability.rawValue) \(model)" }
    }

    static let cases = [
        Case(provider: "gemini", capability: .images, model: "imagen-4.0-generate-001"),
        Case(provider: "gemini", capability: .images, model: "gemini-2.5-flash-image"),
        Case(provider: "gemini", capability: .tts, model: "gemini-2.5-flash-preview-tts"),
        Case(provider: "fireworks", capability: .images, model: "accounts/fireworks/models/flux-1-schnell-fp8"),
        Case(provider: "fireworks", capability: .audio, model: "whisper-v3"),
    ]

    static func adapter(_ provider: String) -> any ProviderAdapter {
        ProviderRegistry.makeAdapter(for: ProviderConfiguration(id: provider, entry: ProviderCatalog.entry(forType: provider)!,
                                                                baseURL: "http://127.0.0.1:9/base", apiKey: Secret("conformance-key")))
    }

    static let transcriptionBody = Array(("--b\r\nContent-Disposition: form-data; name=\"model\"\r\n\r\nx\r\n--b\r\nContent-Disposition: form-data; "
                                          + "name=\"file\"; filename=\"a.wav\"\r\nContent-Type: audio/wav\r\n\r\nRIFF\r\n--b--\r\n").utf8)

    @Test(arguments: cases)
    func mediaCase(_ item: Case) throws {
        let entry = ProviderCatalog.entry(forType: item.provider)!
        #expect(entry.capabilities(forModel: item.model).contains(item.capability))
        let adapter = Self.adapter(item.provider)
        let upstream: UpstreamRequest
        switch item.capability {
        case .images:
            let request = try OpenAIImagesWire.decodeRequest(["model": "x", "prompt": "a red square", "size": "1024x1024", "response_format": "b64_json"])
            #expect(adapter.imageIncompatibility(with: request) == nil && adapter.imageIncompatibility(with: request, upstreamModel: item.model) == nil)
            upstream = try adapter.makeImageRequest(request, upstreamModel: item.model)
        case .tts:
            let request = try OpenAIAudioWire.decodeSpeech(["model": "x", "input": "Hello", "voice": "alloy", "response_format": "wav"])
            #expect(adapter.speechIncompatibility(with: request) == nil && adapter.speechIncompatibility(with: request, upstreamModel: item.model) == nil)
            upstream = try adapter.makeSpeechRequest(request, upstreamModel: item.model)
        default:
            let request = try OpenAIAudioWire.decodeTranscription(Self.transcriptionBody, contentType: "multipart/form-data; boundary=b", task: .transcription)
            #expect(adapter.transcriptionIncompatibility(with: request) == nil)
            upstream = try adapter.makeTranscriptionRequest(request, upstreamModel: item.model)
        }
        var headers: [String: String] = [:]
        for (name, value) in upstream.headers { headers[name.lowercased()] = value }
        #expect(!upstream.url.contains("conformance-key"))
        switch (item.provider, item.capability) {
        case ("gemini", _):
            let method = String(upstream.url.split(separator: ":").last?.split(separator: "?").first ?? "")
            #expect(MockGeminiUpstream.mediaValidationError(model: item.model, method: method, headers: headers, body: try JSONParser.parse(upstream.body)) == nil)
            let failure = adapter.parseFailure(status: 429, headers: [], body: Array(#"{"error":{"code":429,"message":"quota","status":"RESOURCE_EXHAUSTED","details":[{"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"7s"}]}}"#.utf8))
            #expect(failure.error.status == 429 && failure.retryable && failure.retryAfterSeconds == 7)
        case (_, .images):
            #expect(upstream.url == "http://127.0.0.1:9/base/workflows/accounts/fireworks/models/flux-1-schnell-fp8/text_to_image")
            #expect(MockOpenAIUpstream.fireworksImageValidationError(headers: headers, body: try JSONParser.parse(upstream.body)) == nil)
            let failure = adapter.parseFailure(status: 500, headers: [], body: Array(#"{"error":{"message":"boom","type":"server_error"}}"#.utf8))
            #expect(failure.error.status == 502 && failure.retryable)
        default:
            #expect(upstream.url == "https://audio-prod.us-virginia-1.direct.fireworks.ai/v1/audio/transcriptions")
            #expect(headers["content-type"] == "multipart/form-data; boundary=b" && headers["authorization"] == "Bearer conformance-key")
            let failure = adapter.parseFailure(status: 400, headers: [], body: Array(#"{"error":{"message":"bad file","type":"invalid_request_error"}}"#.utf8))
            #expect(failure.error.status == 400 && !failure.retryable)
        }
    }
}
