import GatewyseCore
import GatewyseProviders
import GatewyseTesting
import Testing

/// whisper.cpp's `whisper-server` (providers.md §25): the OpenAI form sent to `/inference` with
/// the fields the server reads (the model and OpenAI-only fields left out), accepted by the
/// validating mock; answers relayed in OpenAI's shapes; translations and word timestamps
/// refused with the field named.
@Suite("whisper.cpp server: transcriptions")
struct WhisperCppAdapterTests {
    static let wav = Array("RIFF....WAVE".utf8) + [9, 8, 7]

    func adapter(key: String? = nil) -> any ProviderAdapter {
        ProviderRegistry.makeAdapter(for: ProviderConfiguration(id: "wcpp", entry: ProviderCatalog.entry(forType: "whisper.cpp")!,
                                                                baseURL: "http://127.0.0.1:9", apiKey: key.map(Secret.init)))
    }

    func request(_ fields: [(String, String)], task: TranscriptionTask = .transcription) throws -> TranscriptionRequest {
        try OpenAIAudioWire.decodeTranscription(MultipartFormTests.form([("model", "local")] + fields, file: Self.wav),
                                                contentType: "multipart/form-data; boundary=\(MultipartFormTests.boundary)", task: task)
    }

    func fields(_ upstream: UpstreamRequest) throws -> [String: String] {
        let contentType = try #require(upstream.headers.first { $0.0.lowercased() == "content-type" }?.1)
        let form = try MultipartForm(body: upstream.body, boundary: try #require(MultipartForm.boundary(contentType: contentType)))
        var out: [String: String] = [:]
        for part in form.parts { out[part.name] = String(decoding: upstream.body[part.valueRange], as: UTF8.self) }
        return out
    }

    func mockRejection(_ upstream: UpstreamRequest) -> (status: Int, body: JSONValue)? {
        var headers: [String: String] = [:]
        for (name, value) in upstream.headers { headers[name.lowercased()] = value }
        return MockWhisperCppUpstream.validationError(path: String(upstream.url.dropFirst("http://127.0.0.1:9".count)), headers: headers, body: upstream.body)
    }

    @Test func catalogEntryAndAliases() throws {
        for name in ["whispercpp", "whisper.cpp", "whisper-cpp"] {
            let entry = try #require(ProviderCatalog.entry(forType: name))
            #expect(entry.type == "whispercpp")
            #expect(entry.capabilities == [.audio])
            #expect(entry.isSelfHosted)
            #expect(!entry.requiresAPIKey)
        }
    }

    @Test func sendsTheFieldsWhisperCppReads() throws {
        let request = try request([("language", "de"), ("prompt", "names"), ("response_format", "srt"), ("temperature", "0.2"),
                                   ("translate", "true")])
        #expect(adapter().transcriptionIncompatibility(with: request) == nil)
        let upstream = try adapter().makeTranscriptionRequest(request, upstreamModel: "ggml-base.en")
        #expect(upstream.url == "http://127.0.0.1:9/inference")
        #expect(!upstream.headers.contains { $0.0.lowercased() == "authorization" })
        let fields = try fields(upstream)
        #expect(fields == ["language": "de", "prompt": "names", "response_format": "srt", "temperature": "0.2",
                           "file": String(decoding: Self.wav, as: UTF8.self)])
        #expect(mockRejection(upstream) == nil)
    }

    @Test func aConfiguredKeyIsABearerToken() throws {
        let upstream = try adapter(key: "proxy-key").makeTranscriptionRequest(try request([]), upstreamModel: "m")
        #expect(upstream.headers.contains { $0.0 == "Authorization" && $0.1 == "Bearer proxy-key" })
    }

    @Test func theMockRejectsBadShapes() throws {
        let headers = ["content-type": "multipart/form-data; boundary=\(MultipartFormTests.boundary)"]
        #expect(MockWhisperCppUpstream.validationError(path: "/inference", headers: headers, body: MultipartFormTests.form([("response_format", "json")], file: nil))?.status == 400)
        #expect(MockWhisperCppUpstream.validationError(path: "/inference", headers: headers,
                                                       body: MultipartFormTests.form([("response_format", "xml")], file: Self.wav))?.status == 400)
        #expect(MockWhisperCppUpstream.validationError(path: "/inference", headers: headers,
                                                       body: MultipartFormTests.form([("temperature", "warm")], file: Self.wav))?.status == 400)
        #expect(MockWhisperCppUpstream.validationError(path: "/v1/audio/transcriptions", headers: headers,
                                                       body: MultipartFormTests.form([], file: Self.wav))?.status == 404)
    }

    @Test func refusesTranslationsAndWordTimestamps() throws {
        #expect(adapter().transcriptionIncompatibility(with: try request([], task: .translation))?.contains("/v1/audio/translations") == true)
        let words = try request([("response_format", "verbose_json"), ("timestamp_granularities[]", "word")])
        #expect(adapter().transcriptionIncompatibility(with: words)?.contains("timestamp_granularities[] 'word'") == true)
        let segments = try request([("response_format", "verbose_json"), ("timestamp_granularities[]", "segment")])
        #expect(adapter().transcriptionIncompatibility(with: segments) == nil)
    }

    @Test func relaysAnswersInOpenAIShapes() throws {
        let json = try adapter().parseTranscriptionResponse(status: 200, headers: [], body: Array(#"{"text":" Hi."}"#.utf8), for: try request([]))
        #expect(json.body == Array(#"{"text":" Hi."}"#.utf8))
        let verbose = try adapter().parseTranscriptionResponse(
            status: 200, headers: [], body: Array(#"{"task":"transcribe","language":"english","duration":2.5,"text":" Hi.","segments":[]}"#.utf8),
            for: try request([("response_format", "verbose_json")]))
        #expect(verbose.audioMilliseconds == 2_500)
        let srt = try adapter().parseTranscriptionResponse(status: 200, headers: [], body: Array("1\n00:00:00,000 --> 00:00:01,000\n Hi.\n\n".utf8),
                                                           for: try request([("response_format", "srt")]))
        #expect(srt.format == .srt)
        #expect(throws: GatewayError.self) {
            try adapter().parseTranscriptionResponse(status: 200, headers: [], body: Array(#"{"error":"no 'file' field in the request"}"#.utf8), for: try request([]))
        }
    }

    @Test func readsItsErrorBody() throws {
        let failure = adapter().parseFailure(status: 500, headers: [], body: Array(#"{"error":"failed to process audio"}"#.utf8))
        #expect(failure.error.message.contains("failed to process audio"))
        #expect(failure.retryable)
    }
}
