import GatewyseCore
import GatewyseProviders
import Testing

/// The media routes' client codecs (validation naming the field) and the OpenAI-format adapters'
/// upstream requests (paths, Azure deployments, headers, the multipart form spliced).
@Suite("Media: client codecs and OpenAI-format upstream requests")
struct MediaWireTests {
    func image(_ text: String) throws -> ImageGenerationRequest { try OpenAIImagesWire.decodeRequest(try JSONParser.parse(text)) }
    func speech(_ text: String) throws -> SpeechRequest { try OpenAIAudioWire.decodeSpeech(try JSONParser.parse(text)) }

    func param(_ body: () throws -> Any) -> String? {
        do { _ = try body(); return nil } catch let error as GatewayError { return error.param } catch { return "not a GatewayError" }
    }

    func adapter(_ type: String, baseURL: String? = nil) -> any ProviderAdapter {
        let entry = ProviderCatalog.entry(forType: type)!
        return ProviderRegistry.makeAdapter(for: ProviderConfiguration(id: type, entry: entry, baseURL: baseURL ?? entry.defaultBaseURL ?? "http://127.0.0.1:1/v1",
                                                                        apiKey: Secret("sk-test"), apiVersion: "2024-10-21"))
    }

    @Test func imageRequestKeepsEveryField() throws {
        let request = try image(#"{"model":"m","prompt":"cat","n":2,"size":"1024x1792","quality":"hd","style":"vivid","steps":4}"#)
        #expect(request.n == 2 && request.size == "1024x1792" && request.quality == "hd")
        let body = OpenAIImagesWire.encodeRequest(request, model: "dall-e-3")
        #expect(body["model"]?.stringValue == "dall-e-3")
        #expect(body["steps"]?.intValue == 4)
    }

    @Test(arguments: [
        (#"{"prompt":"x"}"#, "model"), (#"{"model":"m"}"#, "prompt"), (#"{"model":"m","prompt":5}"#, "prompt"),
        (#"{"model":"m","prompt":"x","n":0}"#, "n"), (#"{"model":"m","prompt":"x","size":"0x10"}"#, "size"),
        (#"{"model":"m","prompt":"x","style":"odd"}"#, "style"), (#"{"model":"m","prompt":"x","output_format":"gif"}"#, "output_format"),
        (#"{"model":"m","prompt":"x","response_format":"png"}"#, "response_format"),
    ])
    func imageValidationNamesTheField(body: String, field: String) {
        #expect(param { try image(body) } == field)
    }

    @Test(arguments: [
        (#"{"voice":"alloy","input":"hi"}"#, "model"), (#"{"model":"m","voice":"alloy"}"#, "input"), (#"{"model":"m","input":"hi"}"#, "voice"),
        (#"{"model":"m","input":"hi","voice":3}"#, "voice"), (#"{"model":"m","input":"hi","voice":{}}"#, "voice.id"),
        (#"{"model":"m","input":"hi","voice":"a","response_format":"ogg"}"#, "response_format"),
        (#"{"model":"m","input":"hi","voice":"a","speed":0.1}"#, "speed"),
        (#"{"model":"m","input":"hi","voice":"a","stream_format":"sse"}"#, "stream_format"),
    ])
    func speechValidationNamesTheField(body: String, field: String) {
        #expect(param { try speech(body) } == field)
    }

    func transcription(_ fields: [(String, String)], file: Bool = true, task: TranscriptionTask = .transcription) throws -> TranscriptionRequest {
        try OpenAIAudioWire.decodeTranscription(MultipartFormTests.form(fields, file: file ? Array("RIFF....WAVE".utf8) : nil),
                                                contentType: "multipart/form-data; boundary=\(MultipartFormTests.boundary)", task: task)
    }

    @Test func transcriptionValidationNamesTheField() {
        #expect(param { try transcription([("model", "m")], file: false) } == "file")
        #expect(param { try transcription([]) } == "model")
        #expect(param { try transcription([("model", "m"), ("response_format", "mp3")]) } == "response_format")
        #expect(param { try transcription([("model", "m"), ("temperature", "2")]) } == "temperature")
        #expect(param { try transcription([("model", "m"), ("timestamp_granularities[]", "word")]) } == "timestamp_granularities[]")
        #expect(param { try transcription([("model", "m"), ("stream", "true")]) } == "stream")
        #expect(throws: GatewayError.self) {
            try OpenAIAudioWire.decodeTranscription(Array("{}".utf8), contentType: "application/json", task: .transcription)
        }
    }

    @Test func transcriptionGoesUpstreamAsTheSameFormWithTheModelSpliced() throws {
        let request = try transcription([("model", "alias"), ("response_format", "verbose_json")])
        #expect(request.responseFormat == .verboseJSON)
        let upstream = try adapter("groq").makeTranscriptionRequest(request, upstreamModel: "whisper-large-v3")
        #expect(upstream.url == "https://api.groq.com/openai/v1/audio/transcriptions")
        #expect(upstream.body == MultipartFormTests.form([("model", "whisper-large-v3"), ("response_format", "verbose_json")]))
        #expect(upstream.headers.first { $0.0 == "Content-Type" }?.1 == "multipart/form-data; boundary=\(MultipartFormTests.boundary)")
        #expect(upstream.headers.filter { $0.0 == "Content-Type" }.count == 1)
        #expect(upstream.headers.contains { $0 == ("Authorization", "Bearer sk-test") })
    }

    @Test func imageEditsAreFormsWithTheModelSpliced() throws {
        let type = "multipart/form-data; boundary=\(MultipartFormTests.boundary)"
        func edit(_ fields: [(String, String)], file: Bool = true) throws -> ImageEditRequest {
            var body = MultipartFormTests.form(fields, file: nil)
            if file {
                body = Array(body.dropLast("--\(MultipartFormTests.boundary)--\r\n".utf8.count))
                body += Array("--\(MultipartFormTests.boundary)\r\nContent-Disposition: form-data; name=\"image[]\"; filename=\"a.png\"\r\n\r\nPNG\r\n--\(MultipartFormTests.boundary)--\r\n".utf8)
            }
            return try OpenAIImagesWire.decodeEdit(body, contentType: type)
        }
        #expect(param { try edit([("model", "m"), ("prompt", "x")], file: false) } == "image")
        #expect(param { try edit([("model", "m")]) } == "prompt")
        #expect(param { try edit([("prompt", "x")]) } == "model")
        #expect(param { try edit([("model", "m"), ("prompt", "x"), ("n", "11")]) } == "n")
        #expect(param { try edit([("model", "m"), ("prompt", "x"), ("size", "huge")]) } == "size")
        let request = try edit([("model", "alias"), ("prompt", "add a hat")])
        let upstream = try adapter("openai").makeImageEditRequest(request, upstreamModel: "gpt-image-1")
        #expect(upstream.url == "https://api.openai.com/v1/images/edits")
        let form = try MultipartForm(body: upstream.body, boundary: MultipartFormTests.boundary)
        #expect(form.text("model", in: upstream.body) == "gpt-image-1" && form.part(named: "image[]") != nil)
        #expect(adapter("xai").imageEditIncompatibility(with: request) == "does not offer image edits")
    }

    @Test func azureUsesDeploymentURLs() throws {
        let azure = adapter("azure", baseURL: "https://r.openai.azure.com/openai")
        let tts = try azure.makeSpeechRequest(try speech(#"{"model":"m","input":"hi","voice":"alloy"}"#), upstreamModel: "my tts")
        #expect(tts.url == "https://r.openai.azure.com/openai/deployments/my%20tts/audio/speech?api-version=2024-10-21")
        #expect(tts.headers.contains { $0 == ("api-key", "sk-test") })
        let images = try azure.makeImageRequest(try image(#"{"model":"m","prompt":"x"}"#), upstreamModel: "dalle")
        #expect(images.url == "https://r.openai.azure.com/openai/deployments/dalle/images/generations?api-version=2024-10-21")
        let translation = try azure.makeTranscriptionRequest(try transcription([("model", "m")], task: .translation), upstreamModel: "whisper")
        #expect(translation.url == "https://r.openai.azure.com/openai/deployments/whisper/audio/translations?api-version=2024-10-21")
    }

    @Test func catalogCapabilitiesDecideWhoIsAsked() throws {
        let request = try transcription([("model", "m"), ("response_format", "vtt")])
        #expect(adapter("groq").transcriptionIncompatibility(with: request) == "does not offer response_format 'vtt'")
        #expect(adapter("openai").transcriptionIncompatibility(with: request) == nil)
        #expect(adapter("localai").transcriptionIncompatibility(with: try transcription([("model", "m")], task: .translation))
                == "does not offer audio translations")
        #expect(adapter("deepseek").imageIncompatibility(with: try image(#"{"model":"m","prompt":"x"}"#)) == "does not offer images")
        #expect(adapter("xai").imageIncompatibility(with: try image(#"{"model":"m","prompt":"x"}"#)) == nil)
        #expect(adapter("anthropic").speechIncompatibility(with: try speech(#"{"model":"m","input":"hi","voice":"a"}"#))
                == "does not offer speech (tts)")
        // Gemini speaks since decision 0025, but only raw PCM: the default mp3 skips it.
        #expect(adapter("gemini").speechIncompatibility(with: try speech(#"{"model":"m","input":"hi","voice":"a"}"#))
                == "does not offer response_format 'mp3' (Gemini speaks raw PCM: 'wav' or 'pcm' only)")
        #expect(adapter("whisper").speechIncompatibility(with: try speech(#"{"model":"m","input":"hi","voice":"a"}"#)) == nil)
    }

    @Test func upstreamAnswersAreCheckedAndMetered() throws {
        let images = try OpenAIImagesWire.decodeResponse(Array(#"{"created":1,"data":[{"b64_json":"x"},{"b64_json":"y"}],"usage":{"input_tokens":10,"output_tokens":20}}"#.utf8), provider: "p")
        #expect(images.images == 2 && images.usage?.completionTokens == 20)
        #expect(throws: GatewayError.self) { try OpenAIImagesWire.decodeResponse(Array(#"{"created":1}"#.utf8), provider: "p") }
        let verbose = try OpenAIAudioWire.decodeTranscriptionResponse(Array(#"{"text":"hi","duration":2.25}"#.utf8), format: .verboseJSON, provider: "p")
        #expect(verbose.audioMilliseconds == 2_250)
        let absurd = try OpenAIAudioWire.decodeTranscriptionResponse(Array(#"{"text":"hi","duration":1e300}"#.utf8), format: .verboseJSON, provider: "p")
        #expect(absurd.audioMilliseconds == 1_000_000_000_000)
        #expect(throws: GatewayError.self) { try OpenAIAudioWire.decodeTranscriptionResponse(Array("oops".utf8), format: .json, provider: "p") }
        #expect(try OpenAIAudioWire.decodeTranscriptionResponse(Array("oops".utf8), format: .text, provider: "p").body == Array("oops".utf8))
    }
}
