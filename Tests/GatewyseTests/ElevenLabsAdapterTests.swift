import GatewyseCore
import GatewyseProviders
import GatewyseTesting
import Testing

/// ElevenLabs speech (providers.md §19): the upstream request — path with the mapped voice id
/// and `output_format`, `xi-api-key`, `{text, model_id, voice_settings}` — accepted by the
/// validating mock; requests it cannot serve skipped with a reason; its error bodies read.
@Suite("ElevenLabs: text to speech")
struct ElevenLabsAdapterTests {
    static let rachel = "21m00Tcm4TlvDq8ikWAM"

    func adapter(voices: [String: String] = ["alloy": rachel]) -> any ProviderAdapter {
        var configuration = ProviderConfiguration(id: "eleven", entry: ProviderCatalog.entry(forType: "elevenlabs")!,
                                                  baseURL: "http://127.0.0.1:9", apiKey: Secret("xi-test-key"))
        configuration.voices = voices
        return ProviderRegistry.makeAdapter(for: configuration)
    }

    func speech(_ text: String) throws -> SpeechRequest { try OpenAIAudioWire.decodeSpeech(try JSONParser.parse(text)) }

    func mockRejection(_ request: UpstreamRequest) -> (status: Int, body: JSONValue)? {
        let path = String(request.url.dropFirst("http://127.0.0.1:9".count))
        var headers: [String: String] = [:]
        for (name, value) in request.headers { headers[name.lowercased()] = value }
        return MockElevenLabsUpstream.validationError(path: path, headers: headers, body: request.body)
    }

    @Test func mapsVoiceFormatAndSpeed() throws {
        let request = try speech(#"{"model":"tts","input":"Hello there","voice":"alloy","response_format":"wav","speed":1.1}"#)
        let adapter = adapter()
        #expect(adapter.speechIncompatibility(with: request) == nil)
        let upstream = try adapter.makeSpeechRequest(request, upstreamModel: "eleven_multilingual_v2")
        #expect(upstream.url == "http://127.0.0.1:9/v1/text-to-speech/\(Self.rachel)/stream?output_format=wav_24000")
        #expect(upstream.expectsStream)
        #expect(upstream.headers.contains { $0.0 == "xi-api-key" && $0.1 == "xi-test-key" })
        #expect(!upstream.headers.contains { $0.0.lowercased() == "authorization" })
        let body = try JSONParser.parse(upstream.body)
        #expect(body == ["text": "Hello there", "model_id": "eleven_multilingual_v2", "voice_settings": ["speed": 1.1]])
        #expect(mockRejection(upstream) == nil)
    }

    @Test(arguments: [(SpeechFormat.mp3, "mp3_44100_128"), (.pcm, "pcm_24000"), (.opus, "opus_48000_128"), (.wav, "wav_24000")])
    func everyMappedFormatIsOneTheMockAccepts(format: SpeechFormat, expected: String) throws {
        let request = try speech(#"{"model":"tts","input":"Hi","voice":"alloy","response_format":"\#(format.rawValue)"}"#)
        let upstream = try adapter().makeSpeechRequest(request, upstreamModel: "eleven_v3")
        #expect(upstream.url.hasSuffix("output_format=" + expected))
        #expect(mockRejection(upstream) == nil)
    }

    @Test func customVoiceIdsPassAndUnmappedOpenAIVoicesAreSkipped() throws {
        let custom = try speech(#"{"model":"tts","input":"Hi","voice":{"id":"JBFqnCBsd6RMkjVDRZzb"}}"#)
        #expect(adapter().speechIncompatibility(with: custom) == nil)
        #expect(try adapter().makeSpeechRequest(custom, upstreamModel: "eleven_v3").url.contains("/JBFqnCBsd6RMkjVDRZzb/stream"))
        let named = try speech(#"{"model":"tts","input":"Hi","voice":"JBFqnCBsd6RMkjVDRZzb"}"#)
        #expect(adapter().speechIncompatibility(with: named) == nil)
        let unmapped = try speech(#"{"model":"tts","input":"Hi","voice":"nova"}"#)
        #expect(adapter().speechIncompatibility(with: unmapped)?.contains("OpenAI voice 'nova'") == true)
        let traversal = try speech(#"{"model":"tts","input":"Hi","voice":"../../v1/user"}"#)
        #expect(adapter().speechIncompatibility(with: traversal) != nil)
        #expect(throws: GatewayError.self) { try adapter().makeSpeechRequest(traversal, upstreamModel: "eleven_v3") }
    }

    @Test(arguments: [
        (#"{"model":"t","input":"Hi","voice":"alloy","response_format":"aac"}"#, "response_format 'aac'"),
        (#"{"model":"t","input":"Hi","voice":"alloy","response_format":"flac"}"#, "response_format 'flac'"),
        (#"{"model":"t","input":"Hi","voice":"alloy","speed":2}"#, "speed"),
        (#"{"model":"t","input":"Hi","voice":"alloy","instructions":"cheerful"}"#, "instructions"),
    ])
    func skipsWhatItCannotSpeak(body: String, reason: String) throws {
        #expect(adapter().speechIncompatibility(with: try speech(body))?.contains(reason) == true)
    }

    @Test func offersSpeechAndTranscriptionsOnly() throws {
        let adapter = adapter()
        #expect(adapter.capabilities == [.tts, .audio])
        #expect(adapter.incompatibility(with: ChatRequest(model: "m", messages: [])) == "does not offer chat")
        #expect(adapter.imageIncompatibility(with: ImageGenerationRequest(model: "m", prompt: "p")) == "does not offer images")
    }

    @Test func errorBodiesAreRead() {
        let adapter = adapter()
        let notFound = adapter.parseFailure(status: 404, headers: [],
                                            body: Array(#"{"detail":{"status":"voice_not_found","message":"A voice with voice_id 'x' was not found."}}"#.utf8))
        #expect(notFound.error.status == 404 && !notFound.retryable)
        #expect(notFound.error.message.contains("was not found. (voice_not_found)"))
        let invalid = adapter.parseFailure(status: 422, headers: [],
                                           body: Array(#"{"detail":[{"type":"enum","loc":["query","output_format"],"msg":"Input should be a valid output format","input":null}]}"#.utf8))
        #expect(invalid.error.message.contains("query.output_format: Input should be a valid output format"))
        let busy = adapter.parseFailure(status: 429, headers: [("retry-after", "2")],
                                        body: Array(#"{"detail":{"status":"too_many_concurrent_requests","message":"Too many"}}"#.utf8))
        #expect(busy.retryable && busy.retryAfterSeconds == 2)
        let key = adapter.parseFailure(status: 401, headers: [], body: Array(#"{"detail":{"status":"invalid_api_key","message":"Invalid API key: xi-test-key"}}"#.utf8))
        #expect(key.retryable && !key.error.message.contains("xi-test-key"))
    }

    @Test func theMockRefusesWhatElevenLabsRefuses() {
        let headers = ["xi-api-key": "k", "content-type": "application/json"]
        let body = Array(#"{"text":"hi","model_id":"eleven_v3"}"#.utf8)
        #expect(MockElevenLabsUpstream.validationError(path: "/v1/text-to-speech/\(Self.rachel)/stream", headers: headers, body: body) == nil)
        #expect(MockElevenLabsUpstream.validationError(path: "/v1/text-to-speech/\(Self.rachel)/stream", headers: ["content-type": "application/json"], body: body)?.status == 401)
        #expect(MockElevenLabsUpstream.validationError(path: "/v1/text-to-speech/nobody/stream", headers: headers, body: body)?.status == 404)
        #expect(MockElevenLabsUpstream.validationError(path: "/v1/text-to-speech/\(Self.rachel)/stream?output_format=aac_44100", headers: headers, body: body)?.status == 422)
        #expect(MockElevenLabsUpstream.validationError(path: "/v1/text-to-speech/\(Self.rachel)", headers: headers, body: Array(#"{"model_id":"eleven_v3"}"#.utf8))?.status == 422)
    }
}
