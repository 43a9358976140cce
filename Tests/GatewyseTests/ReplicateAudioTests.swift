import GatewyseCore
@testable import GatewyseEngine
@testable import GatewyseProviders
@testable import GatewyseTesting
import Testing

/// Replicate's speech and Whisper models (decisions/0028), fed recorded answers: the inputs each
/// model's mapping sends (accepted by the validating mock's schemas), the refusals that name the
/// field, the prediction followed to its audio file (checked to be the format asked for) or to
/// its transcript in each OpenAI format, and the catalog's capabilities by model.
@Suite("Replicate: speech and transcriptions")
struct ReplicateAudioTests {
    static let base = "http://127.0.0.1:9"

    func adapter(voices: [String: String] = [:]) -> any ProviderAdapter {
        var configuration = ProviderConfiguration(id: "rep", entry: ProviderCatalog.entry(forType: "replicate")!, baseURL: Self.base,
                                                  apiKey: Secret("r8_test_token_0123456789"))
        configuration.voices = voices
        return ProviderRegistry.makeAdapter(for: configuration)
    }

    func speech(_ text: String) throws -> SpeechRequest { try OpenAIAudioWire.decodeSpeech(try JSONParser.parse(text)) }

    func transcription(_ fields: [(String, String)], task: TranscriptionTask = .transcription, file: [UInt8] = Array("RIFF....WAVE".utf8)) throws -> TranscriptionRequest {
        try OpenAIAudioWire.decodeTranscription(MultipartFormTests.form([("model", "m")] + fields, file: file),
                                                contentType: "multipart/form-data; boundary=\(MultipartFormTests.boundary)", task: task)
    }

    func input(_ request: UpstreamRequest) throws -> JSONObject { try #require(try JSONParser.parse(request.body)["input"]?.objectValue) }

    static func prediction(_ status: String, output: String = "null") -> [UInt8] {
        Array(#"{"id":"abc123xyz","status":"\#(status)","output":\#(output),"error":null}"#.utf8)
    }

    // MARK: Catalog

    @Test func capabilitiesAreByModel() throws {
        let entry = try #require(ProviderCatalog.entry(forType: "replicate"))
        #expect(entry.capabilities(forModel: "minimax/speech-02-turbo") == [.tts])
        #expect(entry.capabilities(forModel: "jaaari/kokoro-82m") == [.tts])
        #expect(entry.capabilities(forModel: "openai/whisper") == [.audio])
        #expect(entry.capabilities(forModel: "vaibhavs10/incredibly-fast-whisper") == [.audio])
        #expect(entry.capabilities(forModel: "black-forest-labs/flux-schnell") == [.images, .videoGeneration])
        #expect(entry.capabilities(forModel: "minimax/hailuo-02") == [.images, .videoGeneration])
    }

    // MARK: Speech

    @Test func minimaxSpeechSendsItsOwnInputNames() throws {
        let request = try speech(#"{"model":"m","input":"Hello","voice":"Wise_Woman","speed":1.5,"response_format":"wav","emotion":"happy"}"#)
        #expect(adapter().speechIncompatibility(with: request, upstreamModel: "minimax/speech-02-turbo") == nil)
        let upstream = try adapter().makeSpeechRequest(request, upstreamModel: "minimax/speech-02-turbo")
        #expect(upstream.url == Self.base + "/v1/models/minimax/speech-02-turbo/predictions" && upstream.preferWait == 60)
        #expect(upstream.headers.contains { $0.0 == "Authorization" && $0.1 == "Bearer r8_test_token_0123456789" })
        let sent = try input(upstream)
        #expect(sent == JSONObject([("text", "Hello"), ("voice_id", "Wise_Woman"), ("speed", .double(1.5)), ("audio_format", "wav"), ("emotion", "happy")]))
        #expect(MockReplicateUpstream.inputProblem(model: "minimax/speech-02-turbo", input: sent) == nil)
    }

    @Test func kokoroMapsOpenAIVoicesAndMakesWAVOnly() throws {
        let request = try speech(#"{"model":"m","input":"Hi","voice":"onyx","response_format":"wav"}"#)
        let sent = try input(try adapter().makeSpeechRequest(request, upstreamModel: "jaaari/kokoro-82m"))
        #expect(sent == JSONObject([("text", "Hi"), ("voice", "am_onyx")]))
        #expect(MockReplicateUpstream.inputProblem(model: "jaaari/kokoro-82m", input: sent) == nil)
        let mp3 = try speech(#"{"model":"m","input":"Hi","voice":"onyx"}"#)
        #expect(adapter().speechIncompatibility(with: mp3, upstreamModel: "jaaari/kokoro-82m")
            == "does not make response_format 'mp3' with this model (it makes wav)")
        // A configured mapping wins over the built-in one.
        let configured = try input(try adapter(voices: ["onyx": "bm_george"]).makeSpeechRequest(request, upstreamModel: "jaaari/kokoro-82m"))
        #expect(configured["voice"] == "bm_george")
    }

    @Test func refusalsNameTheField() throws {
        let shimmer = try speech(#"{"model":"m","input":"Hi","voice":"shimmer","response_format":"wav"}"#)
        #expect(adapter().speechIncompatibility(with: shimmer, upstreamModel: "jaaari/kokoro-82m")?.contains("(voice;") == true)
        let opus = try speech(#"{"model":"m","input":"Hi","voice":"Wise_Woman","response_format":"opus"}"#)
        #expect(adapter().speechIncompatibility(with: opus, upstreamModel: "minimax/speech-02-turbo")?.contains("response_format 'opus'") == true)
        let fast = try speech(#"{"model":"m","input":"Hi","voice":"Wise_Woman","speed":4}"#)
        #expect(adapter().speechIncompatibility(with: fast, upstreamModel: "minimax/speech-02-turbo")?.contains("speed") == true)
        let unknown = try speech(#"{"model":"m","input":"Hi","voice":"alloy"}"#)
        #expect(adapter().speechIncompatibility(with: unknown, upstreamModel: "someone/other-tts")?.contains("(model)") == true)
        #expect(adapter().speechIncompatibility(with: unknown, upstreamModel: "deployments/acme/kokoro")?.contains("(model)") == true)
    }

    @Test func aSpeechPredictionIsPolledThenItsFileFetchedWithoutTheKey() throws {
        let request = try speech(#"{"model":"m","input":"Hi","voice":"Wise_Woman","response_format":"wav"}"#)
        var job = try #require(adapter().makeSpeechJob(for: request, upstreamModel: "minimax/speech-02-turbo"))
        guard case .send(let poll, _) = try job.next(status: 201, headers: [], body: Self.prediction("processing")) else { Issue.record("no poll"); return }
        #expect(poll.url == Self.base + "/v1/predictions/abc123xyz")
        #expect(job.cancellation?.url == Self.base + "/v1/predictions/abc123xyz/cancel")
        let output = #""https://replicate.delivery/xezq/abc/output.wav""#
        guard case .send(let fetch, _) = try job.next(status: 200, headers: [], body: Self.prediction("succeeded", output: output)) else {
            Issue.record("no fetch"); return
        }
        #expect(fetch.url == "https://replicate.delivery/xezq/abc/output.wav" && !fetch.headers.contains { $0.0.lowercased() == "authorization" })
        #expect(job.cancellation == nil)
        let wav = MockMedia.wav(milliseconds: 100)
        guard case .finished(let audio) = try job.next(status: 200, headers: [], body: wav) else { Issue.record("not finished"); return }
        #expect(audio == wav)
    }

    @Test func anOutputInAnotherFormatIsAFailedAttempt() throws {
        let request = try speech(#"{"model":"m","input":"Hi","voice":"Wise_Woman","response_format":"flac"}"#)
        var job = try #require(adapter().makeSpeechJob(for: request, upstreamModel: "minimax/speech-02-turbo"))
        _ = try job.next(status: 201, headers: [], body: Self.prediction("succeeded", output: #""https://replicate.delivery/a/out.flac""#))
        #expect(throws: UpstreamFailure.self) { _ = try job.next(status: 200, headers: [], body: MockMedia.mp3(frames: 2)) }
        #expect(ReplicateWire.audio(Array("fLaC".utf8) + [0, 0], isFormat: .flac))
        #expect(ReplicateWire.audio(MockMedia.mp3(frames: 1), isFormat: .mp3) && !ReplicateWire.audio(MockMedia.mp3(frames: 1), isFormat: .wav))
    }

    // MARK: Transcription

    @Test func whisperGetsTheAudioAsADataURIAndTheFormatAsked() throws {
        let request = try transcription([("response_format", "srt"), ("language", "en"), ("prompt", "Names: Zoë"), ("temperature", "0.2")])
        #expect(adapter().transcriptionIncompatibility(with: request, upstreamModel: "openai/whisper") == nil)
        let upstream = try adapter().makeTranscriptionRequest(request, upstreamModel: "openai/whisper")
        #expect(upstream.url == Self.base + "/v1/models/openai/whisper/predictions" && upstream.preferWait == 60)
        let sent = try input(upstream)
        #expect(sent["audio"] == .string("data:audio/wav;base64," + Base64.encode(Array("RIFF....WAVE".utf8))))
        #expect(sent["transcription"] == "srt" && sent["translate"] == false && sent["language"] == "en")
        #expect(sent["initial_prompt"] == "Names: Zoë" && sent["temperature"]?.doubleValue == 0.2)
        #expect(MockReplicateUpstream.inputProblem(model: "openai/whisper", input: sent) == nil)
    }

    @Test func whisperOutputsBecomeEachOpenAIFormat() throws {
        let output: JSONValue = ["transcription": " Hello there.", "detected_language": "english", "translation": .null,
                                 "segments": [["id": 0, "seek": 0, "start": 0.0, "end": 1.5, "text": " Hello there.", "tokens": [1, 2],
                                               "temperature": 0.0, "avg_logprob": -0.2, "compression_ratio": 0.9, "no_speech_prob": 0.01]]]
        for (format, expected) in [("json", #"{"text":"Hello there."}"#), ("text", "Hello there.\n")] {
            let answer = try ReplicateWire.transcriptionAnswer(output, model: .openAIWhisper, request: try transcription([("response_format", format)])).get()
            #expect(String(decoding: answer.body, as: UTF8.self) == expected)
        }
        let verbose = try ReplicateWire.transcriptionAnswer(output, model: .openAIWhisper, request: try transcription([("response_format", "verbose_json")])).get()
        let json = try JSONParser.parse(verbose.body)
        #expect(json["task"] == "transcribe" && json["language"] == "english" && json["duration"]?.doubleValue == 1.5 && json["text"] == "Hello there.")
        #expect(json["segments"]?.arrayValue?.first?["avg_logprob"]?.doubleValue == -0.2 && verbose.audioMilliseconds == 1500)
        let translated: JSONValue = ["transcription": " Hallo.", "translation": " Hello.", "segments": []]
        let translation = try ReplicateWire.transcriptionAnswer(translated, model: .openAIWhisper,
                                                                request: try transcription([("response_format", "text")], task: .translation)).get()
        #expect(String(decoding: translation.body, as: UTF8.self) == "Hello.\n")
    }

    @Test func incrediblyFastWhisperTakesATaskAndAnswersChunks() throws {
        let request = try transcription([("response_format", "verbose_json")], task: .translation)
        #expect(adapter().transcriptionIncompatibility(with: request, upstreamModel: "vaibhavs10/incredibly-fast-whisper") == nil)
        let json = try transcription([("response_format", "json")], task: .translation)
        let sent = try input(try adapter().makeTranscriptionRequest(json, upstreamModel: "vaibhavs10/incredibly-fast-whisper"))
        #expect(sent["task"] == "translate" && sent["timestamp"] == "chunk")
        #expect(MockReplicateUpstream.inputProblem(model: "vaibhavs10/incredibly-fast-whisper", input: sent) == nil)
        let output: JSONValue = ["text": " One. Two.", "chunks": [["timestamp": [0.0, 1.0], "text": " One."], ["timestamp": [1.0, .null], "text": " Two."]]]
        let verbose = try ReplicateWire.transcriptionAnswer(output, model: .incrediblyFastWhisper,
                                                            request: try transcription([("response_format", "verbose_json")])).get()
        let body = try JSONParser.parse(verbose.body)
        #expect(body["segments"]?.arrayValue?.count == 2 && body["segments"]?.arrayValue?.last?["end"]?.doubleValue == 1.0)
    }

    @Test func transcriptionRefusalsNameTheField() throws {
        let srt = try transcription([("response_format", "srt")])
        #expect(adapter().transcriptionIncompatibility(with: srt, upstreamModel: "vaibhavs10/incredibly-fast-whisper")?.contains("response_format 'srt'") == true)
        let verboseTranslation = try transcription([("response_format", "verbose_json")], task: .translation)
        #expect(adapter().transcriptionIncompatibility(with: verboseTranslation, upstreamModel: "openai/whisper")?.contains("response_format") == true)
        let language = try transcription([("language", "de")])
        #expect(adapter().transcriptionIncompatibility(with: language, upstreamModel: "vaibhavs10/incredibly-fast-whisper")?.contains("(language)") == true)
        let words = try transcription([("response_format", "verbose_json"), ("timestamp_granularities[]", "word")])
        #expect(adapter().transcriptionIncompatibility(with: words, upstreamModel: "openai/whisper")?.contains("timestamp_granularities") == true)
        let large = try transcription([], file: [UInt8](repeating: 0, count: ReplicateWire.maximumDataURIBytes + 1))
        #expect(adapter().transcriptionIncompatibility(with: large, upstreamModel: "openai/whisper")?.contains("(file)") == true)
        #expect(adapter().transcriptionIncompatibility(with: srt, upstreamModel: "someone/asr")?.contains("(model)") == true)
    }

    @Test func aTranscriptionPredictionIsFollowedToItsOutput() throws {
        let request = try transcription([("response_format", "json")])
        var job = try #require(adapter().makeTranscriptionJob(for: request, upstreamModel: "openai/whisper"))
        guard case .send = try job.next(status: 201, headers: [], body: Self.prediction("starting")) else { Issue.record("no poll"); return }
        let output = #"{"transcription":" Hi.","segments":[],"detected_language":"english","translation":null}"#
        guard case .finished(let answer) = try job.next(status: 200, headers: [], body: Self.prediction("succeeded", output: output)) else {
            Issue.record("not finished"); return
        }
        #expect(String(decoding: answer.body, as: UTF8.self) == #"{"text":"Hi."}"#)
        var failing = try #require(adapter().makeTranscriptionJob(for: request, upstreamModel: "openai/whisper"))
        #expect(throws: UpstreamFailure.self) { _ = try failing.next(status: 201, headers: [], body: Self.prediction("succeeded", output: #"{"segments":[]}"#)) }
    }
}
