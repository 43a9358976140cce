import GatewyseCore
import GatewyseProviders
import GatewyseTesting
import Testing

/// Media conformance: for each (provider, media capability, model) of `MediaConformance.cases`
/// the same checks —
/// - the catalog says the model serves the capability;
/// - a plain OpenAI request for it is not refused by the adapter's incompatibility checks;
/// - the first upstream call the adapter builds is one the provider's validating mock accepts
///   (its documented JSON, multipart or binary shape, auth header and route), and the key is
///   never in the URL;
/// - the provider's error answers on that route are classified as the chat route's would be
///   (`UpstreamFailureClassifier`: status, retryability, retry hint), without the key;
/// - the provider's documented success answer maps back to OpenAI's shape.
@Suite("Conformance: every provider × every media capability")
struct MediaConformanceTests {
    static let imageRequest: JSONValue = ["model": "x", "prompt": "a red square", "n": 1, "size": "1024x1024"]
    static let speechRequest: JSONValue = ["model": "x", "input": "Hello there.", "voice": "alloy", "response_format": "wav"]
    static let videoRequest: JSONValue = ["model": "x", "prompt": "a wave over rocks", "duration": 6]

    static func transcriptionRequest(_ task: TranscriptionTask) throws -> TranscriptionRequest {
        try OpenAIAudioWire.decodeTranscription(MultipartFormTests.form([("model", "x"), ("response_format", "json")], file: wav, filename: "hello.wav"),
                                                contentType: "multipart/form-data; boundary=\(MultipartFormTests.boundary)", task: task)
    }

    /// A real 16-bit PCM WAV header and 0.1 s of samples, as a client would upload.
    static let wav: [UInt8] = {
        func le(_ value: Int, _ bytes: Int) -> [UInt8] { (0..<bytes).map { UInt8(value >> (8 * $0) & 0xFF) } }
        let samples = 1_600
        return Array("RIFF".utf8) + le(36 + samples * 2, 4) + Array("WAVEfmt ".utf8) + le(16, 4) + le(1, 2) + le(1, 2) + le(16_000, 4)
            + le(32_000, 4) + le(2, 2) + le(16, 2) + Array("data".utf8) + le(samples * 2, 4) + [UInt8](repeating: 0x10, count: samples * 2)
    }()

    @Test(arguments: MediaConformance.cases)
    func mediaCase(_ item: MediaCase) throws {
        let entry = try #require(ProviderCatalog.entry(forType: item.provider))
        #expect(entry.capabilities(forModel: item.model).contains(item.capability), "the catalog says \(item.model) does not serve it")
        let adapter = try MediaConformance.adapter(item.provider, model: item.model)
        var upstreams: [UpstreamRequest] = []
        switch item.capability {
        case .images:
            let request = try OpenAIImagesWire.decodeRequest(Self.imageRequest)
            #expect(adapter.imageIncompatibility(with: request) == nil)
            #expect(adapter.imageIncompatibility(with: request, upstreamModel: item.model) == nil)
            upstreams.append(try adapter.makeImageRequest(request, upstreamModel: item.model))
            let answer = try #require(try MediaConformanceAnswers.image(item, adapter, request), "the documented answer did not finish the job")
            let data = try #require(answer["data"]?.arrayValue)
            #expect(data.count == 1)
            // Replicate answers with its output URL when the client asked for no `b64_json`;
            // the others with the image itself.
            let expected: JSONValue = item.provider == "replicate" ? ["url": "https://replicate.delivery/p1/out-0.webp"]
                                                                  : ["b64_json": .string(MediaConformanceAnswers.pngBase64)]
            let image = data.first?.objectValue.map { JSONValue.object(JSONObject(uniqueEntries: $0.filter { $0.key == "url" || $0.key == "b64_json" })) }
            #expect(image == expected, "data[0] is \(JSONWriter.string(answer))")
        case .audio:
            let request = try Self.transcriptionRequest(.transcription)
            #expect(adapter.transcriptionIncompatibility(with: request) == nil)
            upstreams.append(try adapter.makeTranscriptionRequest(request, upstreamModel: item.model))
            let translation = try Self.transcriptionRequest(.translation)
            let servesTranslation = adapter.transcriptionIncompatibility(with: translation) == nil
            #expect(servesTranslation == !Self.withoutTranslations.contains(item.provider), "translations served: \(servesTranslation)")
            if servesTranslation { upstreams.append(try adapter.makeTranscriptionRequest(translation, upstreamModel: item.model)) }
            #expect(try MediaConformanceAnswers.transcription(item, adapter, request) == ["text": "Hello there."])
        case .tts:
            let request = try OpenAIAudioWire.decodeSpeech(Self.speechRequest)
            #expect(adapter.speechIncompatibility(with: request) == nil)
            #expect(adapter.speechIncompatibility(with: request, upstreamModel: item.model) == nil)
            let upstream = try adapter.makeSpeechRequest(request, upstreamModel: item.model)
            upstreams.append(upstream)
            if let audio = try MediaConformanceAnswers.speechJob(item, adapter, request) {
                // A prediction whose output file is fetched: the WAV the model made, as made.
                #expect(audio == MediaConformanceAnswers.wav, "not the output file")
            } else if let audio = try MediaConformanceAnswers.speech(item, adapter, request) {
                #expect(Array(audio.prefix(4)) == Array("RIFF".utf8) && Array(audio.suffix(8)) == [1, 0, 2, 0, 3, 0, 4, 0], "not the PCM as WAV")
            } else {
                // Relayed as sent: the upstream must have been asked for WAV.
                let asked = item.provider == "elevenlabs" ? upstream.url.contains("output_format=wav_")
                                                          : (try JSONParser.parse(upstream.body))["response_format"] == "wav"
                #expect(asked, "the upstream is not asked for wav: \(upstream.url)")
            }
        case .videoGeneration:
            let request = try VideoGenerationsWire.decodeRequest(Self.videoRequest)
            #expect(adapter.videoIncompatibility(with: request) == nil)
            upstreams.append(try adapter.makeVideoRequest(request, upstreamModel: item.model))
            let answer = try #require(try MediaConformanceAnswers.video(item, adapter, request))
            #expect(answer.videos.map(\.url) == ["https://replicate.delivery/v1/out.mp4"])
        default:
            Issue.record("\(item.capability.rawValue) is no media capability")
        }
        // The key goes only to the configured host (or the catalog's own audio host, Fireworks').
        let configuration = try MediaConformance.configuration(item.provider)
        let hosts = [configuration.baseURL] + [configuration.entry.quirks.defaultAudioBaseURL].compactMap { $0 }
        for upstream in upstreams {
            #expect(upstream.method == "POST")
            #expect(hosts.contains { upstream.url.hasPrefix($0 + "/") }, "\(upstream.url) is not under the configured base URL")
            #expect(!upstream.url.contains(MediaConformance.key), "the key is in the URL")
            if let refusal = try MediaConformanceMocks.refusal(item, upstream) {
                Issue.record("the \(item.provider) mock refuses \(upstream.url): \(refusal)")
            }
        }
        try MediaConformanceMocks.checkFollowUps(item, adapter)
        Self.checkFailures(item, adapter)
    }

    /// Providers whose documentation lists transcriptions but no `/audio/translations`
    /// (providers.md §9 Together, §6 Mistral, §23 LocalAI, §18 AssemblyAI, §19 ElevenLabs'
    /// speech to text, and whisper.cpp's `/inference`, whose `translate` field the reference
    /// does not document): read from the reference, not from the adapters' quirks, so a quirk
    /// set wrong fails here.
    static let withoutTranslations: Set<String> = ["together", "mistral", "localai", "assemblyai", "elevenlabs", "whispercpp"]

    /// The statuses a provider answers with on any route, and what the chat route makes of each.
    static let failures: [(status: Int, headers: [(String, String)])] = [
        (400, []), (401, []), (403, []), (404, []), (413, []), (422, []), (429, [("Retry-After", "7")]), (500, []), (503, []),
    ]

    /// The statuses a provider documents to mean something else than on a chat route, as its
    /// adapter reads them: Stability's 403 is its content moderation refusing the prompt
    /// (providers.md §27), not the key; ComfyUI's 400 in its validation shape rejects the
    /// operator's workflow, not the client's checked values (decisions/0024), so another
    /// provider is tried. Every other status must be classified as the chat route's.
    static let documentedDeviations: [String: [Int: (status: Int, retryable: Bool)]] = [
        "stability": [403: (400, false)],
        "comfyui": [400: (502, true)],
    ]

    static func checkFailures(_ item: MediaCase, _ adapter: any ProviderAdapter) {
        for (status, headers) in failures {
            let body = MediaConformanceAnswers.errorBody(item.provider, status: status, message: "refused for \(MediaConformance.key)")
            let failure = adapter.parseFailure(status: status, headers: headers, body: body)
            let chat = UpstreamFailureClassifier.classify(providerID: item.provider, status: status, headers: headers, message: nil, secret: nil)
            let expected = documentedDeviations[item.provider]?[status] ?? (chat.error.status, chat.retryable)
            #expect(failure.error.status == expected.status && failure.retryable == expected.retryable,
                    "HTTP \(status): \(failure.error.status) retryable \(failure.retryable)")
            #expect(failure.retryAfterSeconds == chat.retryAfterSeconds, "HTTP \(status): retry after \(String(describing: failure.retryAfterSeconds))")
            #expect(failure.error.headers.contains { $0.0 == "Retry-After" } == chat.error.headers.contains { $0.0 == "Retry-After" }, "HTTP \(status)")
            #expect(!failure.error.message.contains(MediaConformance.key), "HTTP \(status): the key reaches the client: \(failure.error.message)")
        }
    }
}
