import GatewyseCore
import GatewyseTesting
import Testing

/// The validating mocks media conformance relies on refuse what the real APIs refuse, so an
/// accepted call in `MediaConformanceTests` means something.
@Suite("Media mocks: documented shapes only")
struct MediaMockValidationTests {
    static let json = ["content-type": "application/json", "authorization": "Bearer k"]
    static let form = ["content-type": "multipart/form-data; boundary=\(MultipartFormTests.boundary)", "authorization": "Bearer k"]
    static let base = "https://api.openai.com/v1"

    static func refusal(_ path: String, _ headers: [String: String], _ body: String) -> String? {
        MockOpenAIUpstream.mediaValidationError(url: base + path, headers: headers, body: Array(body.utf8))
    }

    static let transcription = MultipartFormTests.form([("model", "whisper-1")], file: MediaConformanceTests.wav, filename: "a.wav")

    @Test func theOpenAIShapesPass() {
        #expect(Self.refusal("/images/generations", Self.json, #"{"model":"m","prompt":"p","n":2,"response_format":"b64_json"}"#) == nil)
        #expect(Self.refusal("/audio/speech", Self.json, #"{"model":"m","input":"hi","voice":"alloy","response_format":"wav","speed":1.5}"#) == nil)
        #expect(MockOpenAIUpstream.mediaValidationError(url: Self.base + "/audio/transcriptions", headers: Self.form, body: Self.transcription) == nil)
        #expect(MockOpenAIUpstream.mediaValidationError(url: "https://r.openai.azure.com/openai/deployments/w/audio/translations?api-version=2024-10-21",
                                                        headers: ["content-type": Self.form["content-type"]!, "api-key": "k"], body: Self.transcription) == nil)
    }

    @Test(arguments: [
        ("/images/generations", #"{"model":"m","prompt":"p","n":11}"#, "'n'"),
        ("/images/generations", #"{"model":"m","prompt":"p","response_format":"png"}"#, "'response_format'"),
        ("/images/generations", #"{"model":"m"}"#, "'prompt'"),
        ("/audio/speech", #"{"model":"m","input":"hi","voice":"alloy","response_format":"ogg"}"#, "'response_format'"),
        ("/audio/speech", #"{"model":"m","input":"hi","voice":"alloy","speed":5}"#, "'speed'"),
        ("/audio/speech", #"{"model":"m","input":"hi"}"#, "'voice'"),
        ("/audio/speech", #"{"model":"m","input":"\#(String(repeating: "a", count: 4097))","voice":"alloy"}"#, "4096"),
        ("/audio/transcriptions", #"{"model":"whisper-1"}"#, "multipart"),
        ("/videos", #"{"model":"m"}"#, "Unknown request URL"),
    ])
    func openAIShapesAreRefused(path: String, body: String, naming: String) {
        let refusal = Self.refusal(path, path.hasPrefix("/audio/transcriptions") ? Self.form : Self.json, body)
        #expect(refusal?.contains(naming) == true, "\(String(describing: refusal))")
    }

    @Test func transcriptionsNeedAnAudioFileAndAModel() {
        let url = Self.base + "/audio/transcriptions"
        let text = MultipartFormTests.form([("model", "whisper-1")], file: MediaConformanceTests.wav, filename: "notes.txt")
        #expect(MockOpenAIUpstream.mediaValidationError(url: url, headers: Self.form, body: text)?.contains("Invalid file format") == true)
        let noFile = MultipartFormTests.form([("model", "whisper-1")], file: nil)
        #expect(MockOpenAIUpstream.mediaValidationError(url: url, headers: Self.form, body: noFile)?.contains("'file'") == true)
        let noModel = MultipartFormTests.form([], file: MediaConformanceTests.wav, filename: "a.wav")
        #expect(MockOpenAIUpstream.mediaValidationError(url: url, headers: Self.form, body: noModel)?.contains("'model'") == true)
        let badFormat = MultipartFormTests.form([("model", "whisper-1"), ("response_format", "xml")], file: MediaConformanceTests.wav, filename: "a.wav")
        #expect(MockOpenAIUpstream.mediaValidationError(url: url, headers: Self.form, body: badFormat)?.contains("response_format") == true)
    }

    @Test func keysAndAzureVersionsAreRequired() {
        #expect(Self.refusal("/images/generations", ["content-type": "application/json"], #"{"model":"m","prompt":"p"}"#)?.contains("API key") == true)
        #expect(Self.refusal("/audio/speech", ["authorization": "Bearer k"], #"{"model":"m","input":"hi","voice":"alloy"}"#)?.contains("application/json") == true)
        let azure = MockOpenAIUpstream.mediaValidationError(url: "https://r.openai.azure.com/openai/deployments/d/images/generations",
                                                            headers: ["content-type": "application/json", "api-key": "k"], body: Array(#"{"model":"m","prompt":"p"}"#.utf8))
        #expect(azure?.contains("api-version") == true)
    }

    @Test func assemblyAITakesRawBytesWithTheBareKey() {
        let wav = MediaConformanceTests.wav
        #expect(MockAssemblyAIUpstream.uploadValidationError(headers: ["authorization": "k", "content-type": "application/octet-stream"], body: wav) == nil)
        #expect(MockAssemblyAIUpstream.uploadValidationError(headers: ["authorization": "Bearer k"], body: wav) == "Invalid API key")
        #expect(MockAssemblyAIUpstream.uploadValidationError(headers: ["authorization": "k", "content-type": Self.form["content-type"]!], body: wav)?
            .contains("raw bytes") == true)
        #expect(MockAssemblyAIUpstream.uploadValidationError(headers: ["authorization": "k"], body: []) == "Upload body is empty")
        #expect(MockAssemblyAIUpstream.createValidationError(headers: ["authorization": "k"], body: ["audio_url": "https://x/u"])?.contains("speech_models") == true)
    }

    @Test func replicateCreateCallsAreCheckedWhole() {
        let headers = ["authorization": "Bearer r8_k", "content-type": "application/json"]
        let good = Array(#"{"input":{"prompt":"p","aspect_ratio":"1:1"}}"#.utf8)
        #expect(MockReplicateUpstream.createValidationError(path: "/v1/models/black-forest-labs/flux-schnell/predictions", headers: headers, body: good) == nil)
        #expect(MockReplicateUpstream.createValidationError(path: "/v1/models/black-forest-labs/flux-schnell/predictions", headers: [:], body: good)?.hasPrefix("401") == true)
        #expect(MockReplicateUpstream.createValidationError(path: "/v1/models/black-forest-labs/flux-schnell/predictions", headers: headers,
                                                            body: Array(#"{"input":{"prompt":"p"},"model":"x"}"#.utf8))?.contains("Additional property model") == true)
        #expect(MockReplicateUpstream.createValidationError(path: "/v1/models/black-forest-labs/flux-schnell/predictions", headers: headers,
                                                            body: Array(#"{"input":{"prompt":"p","aspect_ratio":"7:3"}}"#.utf8))?.hasPrefix("422") == true)
        #expect(MockReplicateUpstream.createValidationError(path: "/v1/predictions/abc", headers: headers, body: good)?.hasPrefix("404") == true)
    }
}
