import GatewyseCore
import GatewyseProviders
import GatewyseTesting
import Testing

/// Gemini's images (Imagen `:predict`, Gemini image models' generateContent) and speech
/// (`*-tts` models streaming base64 PCM), as the adapter writes them — accepted by the
/// validating mock — and reads them back in OpenAI's shapes (providers.md §3).
@Suite("Gemini: images and speech")
struct GeminiMediaTests {
    static let base = "http://127.0.0.1:9/v1beta"

    func adapter(voices: [String: String] = [:]) -> any ProviderAdapter {
        var configuration = ProviderConfiguration(id: "gemini", entry: ProviderCatalog.entry(forType: "gemini")!, baseURL: Self.base,
                                                  apiKey: Secret("gm-key"))
        configuration.voices = voices
        return ProviderRegistry.makeAdapter(for: configuration)
    }

    func image(_ text: String) throws -> ImageGenerationRequest { try OpenAIImagesWire.decodeRequest(try JSONParser.parse(text)) }
    func speech(_ text: String) throws -> SpeechRequest { try OpenAIAudioWire.decodeSpeech(try JSONParser.parse(text)) }

    func headers(_ request: UpstreamRequest) -> [String: String] {
        var out: [String: String] = [:]
        for (name, value) in request.headers { out[name.lowercased()] = value }
        return out
    }

    // MARK: Images

    @Test func imagenPredictWithSampleCountAspectRatioAndPersonGeneration() throws {
        let request = try image(#"{"model":"x","prompt":"a lighthouse","n":3,"size":"1792x1024","person_generation":"dont_allow"}"#)
        let adapter = adapter()
        #expect(adapter.imageIncompatibility(with: request) == nil)
        #expect(adapter.imageIncompatibility(with: request, upstreamModel: "imagen-4.0-generate-001") == nil)
        let upstream = try adapter.makeImageRequest(request, upstreamModel: "imagen-4.0-generate-001")
        #expect(upstream.url == Self.base + "/models/imagen-4.0-generate-001:predict")
        #expect(headers(upstream)["x-goog-api-key"] == "gm-key")
        let body = try JSONParser.parse(upstream.body)
        #expect(body == ["instances": [["prompt": "a lighthouse"]],
                         "parameters": ["sampleCount": 3, "aspectRatio": "16:9", "personGeneration": "dont_allow"]])
        #expect(MockGeminiUpstream.mediaValidationError(model: "imagen-4.0-generate-001", method: "predict", headers: headers(upstream), body: body) == nil)
    }

    @Test func geminiImageModelsUseGenerateContentWithImageConfig() throws {
        let request = try image(#"{"model":"x","prompt":"a fox","size":"1536x1024"}"#)
        let upstream = try adapter().makeImageRequest(request, upstreamModel: "gemini-2.5-flash-image")
        #expect(upstream.url == Self.base + "/models/gemini-2.5-flash-image:generateContent")
        let body = try JSONParser.parse(upstream.body)
        #expect(body == ["contents": [["role": "user", "parts": [["text": "a fox"]]]],
                         "generationConfig": ["responseModalities": ["TEXT", "IMAGE"], "imageConfig": ["aspectRatio": "3:2"]]])
        #expect(MockGeminiUpstream.mediaValidationError(model: "gemini-2.5-flash-image", method: "generateContent", headers: headers(upstream), body: body) == nil)
    }

    @Test(arguments: [("1024x1024", "1:1"), ("512x512", "1:1"), ("1024x1792", "9:16"), ("1536x1024", "4:3"), ("1024x1536", "3:4")])
    func imagenSizesBecomeTheNearestOfItsFiveRatios(size: String, ratio: String) throws {
        let upstream = try adapter().makeImageRequest(try image(#"{"model":"x","prompt":"p","size":"\#(size)"}"#), upstreamModel: "imagen-4.0-fast-generate-001")
        #expect(try JSONParser.parse(upstream.body)["parameters"]?["aspectRatio"] == .string(ratio))
    }

    @Test func whatGeminiCannotDrawIsSkippedWithTheReason() throws {
        let adapter = adapter()
        #expect(adapter.imageIncompatibility(with: try image(#"{"model":"x","prompt":"p","response_format":"url"}"#))?.contains("response_format 'url'") == true)
        #expect(adapter.imageIncompatibility(with: try image(#"{"model":"x","prompt":"p","n":5}"#), upstreamModel: "imagen-4.0-generate-001")
            == "makes at most 4 images per request with Imagen")
        #expect(adapter.imageIncompatibility(with: try image(#"{"model":"x","prompt":"p","n":2}"#), upstreamModel: "gemini-2.5-flash-image")
            == "makes one image per request with Gemini image models (n=1)")
        let wide = try image(#"{"model":"x","prompt":"p","size":"4000x100"}"#)
        #expect(adapter.imageIncompatibility(with: wide, upstreamModel: "imagen-4.0-generate-001")?.contains("size '4000x100'") == true)
        #expect(adapter.imageIncompatibility(with: try image(#"{"model":"x","prompt":"p","output_format":"jpeg"}"#), upstreamModel: "imagen-4.0-generate-001")
            == "makes PNG images only (output_format 'png')")
    }

    @Test func predictionsAndImagePartsBecomeB64JSON() throws {
        let imagen = try adapter().parseImageResponse(status: 200, headers: [], body: Array(#"{"predictions":[{"bytesBase64Encoded":"QUJD","mimeType":"image/png"},{"bytesBase64Encoded":"REVG","mimeType":"image/png"}]}"#.utf8))
        #expect(imagen.images == 2)
        #expect(try JSONParser.parse(imagen.body)["data"] == [["b64_json": "QUJD"], ["b64_json": "REVG"]])
        let native = try adapter().parseImageResponse(status: 200, headers: [], body: Array(#"{"candidates":[{"content":{"role":"model","parts":[{"text":"here"},{"inlineData":{"mimeType":"image/png","data":"QUJD"}}]},"finishReason":"STOP"}],"usageMetadata":{"promptTokenCount":6,"candidatesTokenCount":1290,"totalTokenCount":1296}}"#.utf8))
        #expect(native.images == 1 && native.usage?.completionTokens == 1290)
        #expect(try JSONParser.parse(native.body)["data"] == [["b64_json": "QUJD"]])
    }

    @Test func filteredImagesAreTheProvidersRefusal() {
        for body in [#"{}"#, #"{"promptFeedback":{"blockReason":"SAFETY"}}"#, #"{"candidates":[{"finishReason":"IMAGE_SAFETY"}]}"#] {
            let error = #expect(throws: GatewayError.self) {
                _ = try adapter().parseImageResponse(status: 200, headers: [], body: Array(body.utf8))
            }
            #expect(error?.code == "CONTENT_FILTERED" && error?.status == 400, "\(body)")
        }
        let textOnly = #expect(throws: GatewayError.self) {
            _ = try adapter().parseImageResponse(status: 200, headers: [], body: Array(#"{"candidates":[{"content":{"parts":[{"text":"no"}]},"finishReason":"STOP"}]}"#.utf8))
        }
        #expect(textOnly?.status == 502)
    }

    // MARK: Speech

    @Test func speechStreamsFromATTSModelWithTheMappedVoice() throws {
        let request = try speech(#"{"model":"x","input":"Hello there","voice":"alloy","response_format":"wav"}"#)
        let adapter = adapter()
        #expect(adapter.speechIncompatibility(with: request) == nil)
        let upstream = try adapter.makeSpeechRequest(request, upstreamModel: "gemini-2.5-flash-preview-tts")
        #expect(upstream.url == Self.base + "/models/gemini-2.5-flash-preview-tts:streamGenerateContent?alt=sse" && upstream.expectsStream)
        #expect(headers(upstream)["accept"] == "text/event-stream")
        let body = try JSONParser.parse(upstream.body)
        #expect(body == ["contents": [["role": "user", "parts": [["text": "Hello there"]]]],
                         "generationConfig": ["responseModalities": ["AUDIO"],
                                              "speechConfig": ["voiceConfig": ["prebuiltVoiceConfig": ["voiceName": "Kore"]]]]])
        #expect(MockGeminiUpstream.mediaValidationError(model: "gemini-2.5-flash-preview-tts", method: "streamGenerateContent", headers: headers(upstream), body: body) == nil)
    }

    @Test func configuredVoicesWinAndGeminiNamesPassThrough() throws {
        let adapter = adapter(voices: ["alloy": "Puck"])
        for (voice, expected) in [("alloy", "Puck"), ("nova", "Zephyr"), ("Charon", "Charon")] {
            let upstream = try adapter.makeSpeechRequest(try speech(#"{"model":"x","input":"Hi","voice":"\#(voice)","response_format":"pcm"}"#), upstreamModel: "m-tts")
            #expect(try JSONParser.parse(upstream.body)["generationConfig"]?["speechConfig"]?["voiceConfig"]?["prebuiltVoiceConfig"]?["voiceName"] == .string(expected))
        }
        #expect(adapter.speechIncompatibility(with: try speech(#"{"model":"x","input":"Hi","voice":"a-1","response_format":"wav"}"#))?.contains("letters only") == true)
    }

    @Test(arguments: ["mp3", "opus", "aac", "flac"])
    func formatsWithoutAnEncoderAreSkippedBeforeAnyCall(format: String) throws {
        let request = try speech(#"{"model":"x","input":"Hi","voice":"alloy","response_format":"\#(format)"}"#)
        #expect(adapter().speechIncompatibility(with: request) == "does not offer response_format '\(format)' (Gemini speaks raw PCM: 'wav' or 'pcm' only)")
        #expect(throws: GatewayError.self) { _ = try adapter().makeSpeechRequest(request, upstreamModel: "m-tts") }
    }

    @Test func speedAndInstructionsAreNotGeminis() throws {
        #expect(adapter().speechIncompatibility(with: try speech(#"{"model":"x","input":"Hi","voice":"alloy","response_format":"wav","speed":1.5}"#)) == "does not take 'speed'")
        #expect(adapter().speechIncompatibility(with: try speech(#"{"model":"x","input":"Hi","voice":"alloy","response_format":"wav","instructions":"calm"}"#))
            == "does not take 'instructions'")
    }

    static func frame(_ pcm: [UInt8], finish: String? = nil) -> String {
        let finishField = finish.map { #","finishReason":"\#($0)""# } ?? ""
        return #"data: {"candidates":[{"content":{"role":"model","parts":[{"inlineData":{"mimeType":"audio/L16;codec=pcm;rate=24000","data":"\#(Base64.encode(pcm))"}}]}\#(finishField),"index":0}]}"# + "\r\n\r\n"
    }

    @Test func theDecoderWrapsPCMInAStreamingWAVHeaderWhateverTheCuts() throws {
        let pcm = (0..<600).map { UInt8($0 % 251) }
        let stream = Array((Self.frame(Array(pcm[0..<300])) + Self.frame(Array(pcm[300...]), finish: "STOP")).utf8)
        for cut in [1, 7, 64, stream.count] {
            var decoder = GeminiSpeechDecoder(providerID: "gemini", format: .wav)
            var out: [UInt8] = []
            var index = 0
            while index < stream.count {
                out += try decoder.decode(Array(stream[index..<min(index + cut, stream.count)]))
                index += cut
            }
            out += try decoder.finish()
            #expect(Array(out.prefix(44)) == WAVHeader.pcm16(sampleRate: 24_000))
            #expect(Array(out.dropFirst(44)) == pcm)
        }
        var raw = GeminiSpeechDecoder(providerID: "gemini", format: .pcm)
        #expect(try raw.decode(stream) + raw.finish() == pcm)
    }

    @Test func anAnswerWithoutAudioIsARetryableFailureAndABlockIsNot() throws {
        var silent = GeminiSpeechDecoder(providerID: "gemini", format: .wav)
        #expect(try silent.decode(Array(#"data: {"candidates":[{"finishReason":"OTHER","index":0}]}"#.utf8) + [13, 10, 13, 10]).isEmpty)
        let silence = #expect(throws: UpstreamFailure.self) { _ = try silent.finish() }
        #expect(silence?.retryable == true && silence?.error.status == 502)
        var blocked = GeminiSpeechDecoder(providerID: "gemini", format: .wav)
        let block = #expect(throws: UpstreamFailure.self) {
            _ = try blocked.decode(Array(#"data: {"promptFeedback":{"blockReason":"PROHIBITED_CONTENT"}}"#.utf8) + [10, 10])
        }
        #expect(block?.retryable == false && block?.error.code == "CONTENT_FILTERED")
        var failing = GeminiSpeechDecoder(providerID: "gemini", format: .pcm)
        #expect(throws: UpstreamFailure.self) {
            _ = try failing.decode(Array(#"data: {"error":{"code":500,"message":"boom","status":"INTERNAL"}}"#.utf8) + [10, 10])
        }
    }

    // MARK: Catalog

    @Test func modelsServeWhatTheirNamesSay() {
        let entry = ProviderCatalog.entry(forType: "gemini")!
        #expect(entry.capabilities(forModel: "imagen-4.0-generate-001") == [.images])
        #expect(entry.capabilities(forModel: "gemini-2.5-flash-preview-tts") == [.tts])
        #expect(entry.capabilities(forModel: "gemini-2.5-flash-image") == [.chat, .images])
        #expect(entry.capabilities(forModel: "gemini-embedding-001") == [.embeddings])
        #expect(entry.capabilities(forModel: "gemini-2.5-flash") == [.chat, .embeddings])
    }
}
