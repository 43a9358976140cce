import GatewyseCore
import GatewyseProviders
import GatewyseTesting
import Testing

/// ElevenLabs speech to text (providers.md §19): the OpenAI form rebuilt as ElevenLabs' —
/// `model_id`, `language_code`, `timestamps_granularity`, its own fields, the file copied as it
/// came — accepted by the validating mock; its transcript answered as OpenAI's json, text and
/// verbose_json; translations, subtitles and segments refused with the field named.
@Suite("ElevenLabs: speech to text")
struct ElevenLabsTranscriptionTests {
    static let wav = Array("RIFF....WAVE".utf8) + [0, 1, 2, 3, 0x0D, 0x0A, 0x2D, 0x2D]

    func adapter() -> any ProviderAdapter {
        ProviderRegistry.makeAdapter(for: ProviderConfiguration(id: "eleven", entry: ProviderCatalog.entry(forType: "elevenlabs")!,
                                                                baseURL: "http://127.0.0.1:9", apiKey: Secret("xi-test-key")))
    }

    func request(_ fields: [(String, String)], task: TranscriptionTask = .transcription) throws -> TranscriptionRequest {
        try OpenAIAudioWire.decodeTranscription(MultipartFormTests.form([("model", "hear")] + fields, file: Self.wav),
                                                contentType: "multipart/form-data; boundary=\(MultipartFormTests.boundary)", task: task)
    }

    /// The upstream form's parts by name (files as their bytes).
    func parts(_ upstream: UpstreamRequest) throws -> [String: [UInt8]] {
        let contentType = try #require(upstream.headers.first { $0.0.lowercased() == "content-type" }?.1)
        let form = try MultipartForm(body: upstream.body, boundary: try #require(MultipartForm.boundary(contentType: contentType)))
        var out: [String: [UInt8]] = [:]
        for part in form.parts { out[part.name] = Array(upstream.body[part.valueRange]) }
        return out
    }

    func mockRejection(_ upstream: UpstreamRequest) -> (status: Int, body: JSONValue)? {
        var headers: [String: String] = [:]
        for (name, value) in upstream.headers { headers[name.lowercased()] = value }
        return MockElevenLabsUpstream.validationError(path: String(upstream.url.dropFirst("http://127.0.0.1:9".count)), headers: headers, body: upstream.body)
    }

    @Test func rebuildsTheFormWithElevenLabsNames() throws {
        let request = try request([("language", "de"), ("response_format", "verbose_json"), ("timestamp_granularities[]", "word"),
                                   ("temperature", "0.2"), ("prompt", "names"), ("diarize", "true"), ("num_speakers", "2")])
        #expect(adapter().transcriptionIncompatibility(with: request) == nil)
        let upstream = try adapter().makeTranscriptionRequest(request, upstreamModel: "scribe_v1")
        #expect(upstream.url == "http://127.0.0.1:9/v1/speech-to-text")
        #expect(upstream.headers.contains { $0.0 == "xi-api-key" && $0.1 == "xi-test-key" })
        #expect(!upstream.headers.contains { $0.0.lowercased() == "authorization" })
        let parts = try parts(upstream)
        #expect(Set(parts.keys) == ["model_id", "language_code", "timestamps_granularity", "diarize", "num_speakers", "file"])
        #expect(parts["model_id"] == Array("scribe_v1".utf8))
        #expect(parts["language_code"] == Array("de".utf8))
        #expect(parts["timestamps_granularity"] == Array("word".utf8))
        #expect(parts["file"] == Self.wav)
        #expect(mockRejection(upstream) == nil)
    }

    @Test func aPlainRequestSendsTheModelAndFileOnly() throws {
        let upstream = try adapter().makeTranscriptionRequest(try request([]), upstreamModel: "scribe_v2")
        #expect(Set(try parts(upstream).keys) == ["model_id", "file"])
        #expect(mockRejection(upstream) == nil)
    }

    @Test func theMockRejectsBadShapes() throws {
        let upstream = try adapter().makeTranscriptionRequest(try request([]), upstreamModel: "scribe_v1")
        let keyless = UpstreamRequest(url: upstream.url, headers: upstream.headers.filter { $0.0 != "xi-api-key" }, body: upstream.body, expectsStream: false)
        #expect(mockRejection(keyless)?.status == 401)
        let noModel = MultipartFormTests.form([("language_code", "en")], file: Self.wav)
        let headers = ["xi-api-key": "k", "content-type": "multipart/form-data; boundary=\(MultipartFormTests.boundary)"]
        let missing = MockElevenLabsUpstream.validationError(path: "/v1/speech-to-text", headers: headers, body: noModel)
        #expect(missing?.status == 422)
        #expect(missing?.body["detail"]?.arrayValue?.first?["loc"] == ["body", "model_id"])
        let noFile = MultipartFormTests.form([("model_id", "scribe_v1")], file: nil)
        #expect(MockElevenLabsUpstream.validationError(path: "/v1/speech-to-text", headers: headers, body: noFile)?.status == 400)
        let badGranularity = MultipartFormTests.form([("model_id", "scribe_v1"), ("timestamps_granularity", "segment")], file: Self.wav)
        #expect(MockElevenLabsUpstream.validationError(path: "/v1/speech-to-text", headers: headers, body: badGranularity)?.status == 422)
    }

    @Test(arguments: [
        ([("response_format", "srt")], TranscriptionTask.transcription, "response_format 'srt'"),
        ([("response_format", "vtt")], .transcription, "response_format 'vtt'"),
        ([("response_format", "verbose_json"), ("timestamp_granularities[]", "segment")], .transcription, "timestamp_granularities[] 'segment'"),
        ([], .translation, "/v1/audio/translations"),
    ])
    func refusesWhatElevenLabsCannotDo(fields: [(String, String)], task: TranscriptionTask, named: String) throws {
        let reason = adapter().transcriptionIncompatibility(with: try request(fields, task: task))
        #expect(reason?.contains(named) == true, "\(reason ?? "nil")")
    }

    static let transcript = #"{"language_code":"eng","language_probability":0.98,"text":"Hi there (laughs)","words":[{"text":"Hi","start":0.1,"end":0.4,"type":"word","speaker_id":"speaker_0"},{"text":" ","start":0.4,"end":0.5,"type":"spacing"},{"text":"there","start":0.5,"end":0.9,"type":"word"},{"text":"(laughs)","start":1.0,"end":1.6,"type":"audio_event"}]}"#

    func answer(_ fields: [(String, String)]) throws -> TranscriptionResponse {
        try adapter().parseTranscriptionResponse(status: 200, headers: [], body: Array(Self.transcript.utf8), for: try request(fields))
    }

    @Test func answersJSONAndText() throws {
        #expect(try JSONParser.parse(try answer([]).body) == ["text": "Hi there (laughs)"])
        let text = try answer([("response_format", "text")])
        #expect(text.body == Array("Hi there (laughs)\n".utf8))
        #expect(text.format == .text)
    }

    @Test func answersVerboseJSONWithWordsOfTypeWordOnly() throws {
        let response = try answer([("response_format", "verbose_json"), ("timestamp_granularities[]", "word")])
        let json = try JSONParser.parse(response.body)
        #expect(json["task"] == "transcribe")
        #expect(json["language"] == "eng")
        #expect(json["text"] == "Hi there (laughs)")
        #expect(json["words"] == [["word": "Hi", "start": 0.1, "end": 0.4], ["word": "there", "start": 0.5, "end": 0.9]])
        // Not a WAV the gateway could read: the duration is the last word's end.
        #expect(json["duration"] == 0.9)
        #expect(response.audioMilliseconds == 900)
        #expect(json["segments"] == nil)
        let withoutWords = try JSONParser.parse(try answer([("response_format", "verbose_json")]).body)
        #expect(withoutWords["words"] == nil)
    }

    @Test func aTranscriptWithoutTextIsABadUpstreamAnswer() throws {
        #expect(throws: GatewayError.self) {
            try adapter().parseTranscriptionResponse(status: 200, headers: [], body: Array(#"{"language_code":"eng"}"#.utf8), for: try request([]))
        }
    }

    @Test func modelsServeByName() throws {
        let entry = try #require(ProviderCatalog.entry(forType: "elevenlabs"))
        #expect(entry.capabilities(forModel: "scribe_v1") == [.audio])
        #expect(entry.capabilities(forModel: "scribe_v2") == [.audio])
        #expect(entry.capabilities(forModel: "eleven_multilingual_v2") == [.tts])
        #expect(entry.capabilities(forModel: "my-voice-model") == [.tts])
    }
}
