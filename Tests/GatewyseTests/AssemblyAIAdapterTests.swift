import GatewyseCore
import GatewyseProviders
import Testing

/// AssemblyAI transcription as a job (providers.md §18), fed recorded answers: upload →
/// create → poll with growing pauses → completed in each OpenAI format, or a failed attempt.
@Suite("AssemblyAI: the transcription job")
struct AssemblyAIAdapterTests {
    func adapter() -> any ProviderAdapter {
        ProviderRegistry.makeAdapter(for: ProviderConfiguration(id: "aai", entry: ProviderCatalog.entry(forType: "assemblyai")!,
                                                                baseURL: "http://127.0.0.1:9", apiKey: Secret("aai-key-0123456789")))
    }

    func request(_ fields: [(String, String)], task: TranscriptionTask = .transcription) throws -> TranscriptionRequest {
        try OpenAIAudioWire.decodeTranscription(MultipartFormTests.form([("model", "m")] + fields, file: Array("RIFF....WAVE".utf8)),
                                                contentType: "multipart/form-data; boundary=\(MultipartFormTests.boundary)", task: task)
    }

    func sent(_ step: UpstreamJobStep<TranscriptionResponse>) -> (request: UpstreamRequest, pause: Double)? {
        if case .send(let request, let pause) = step { return (request, pause) }
        return nil
    }

    func finished(_ step: UpstreamJobStep<TranscriptionResponse>) -> TranscriptionResponse? {
        if case .finished(let value) = step { return value }
        return nil
    }

    static let completed = #"{"id":"t-1","status":"completed","text":"Hi there. Bye.","audio_duration":3,"language_code":"en","words":[{"text":"Hi","start":0,"end":300,"confidence":0.9},{"text":"there.","start":300,"end":800,"confidence":0.9},{"text":"Bye.","start":1200,"end":1500,"confidence":0.9}]}"#

    /// Upload, create and the first poll; returns the job waiting for the poll's answer.
    func started(_ request: TranscriptionRequest) throws -> any TranscriptionJob {
        var job = try #require(adapter().makeTranscriptionJob(for: request, upstreamModel: "universal-2"))
        let create = try #require(sent(try job.next(status: 200, headers: [], body: Array(#"{"upload_url":"https://cdn.assemblyai.com/upload/u1"}"#.utf8))))
        #expect(create.request.url == "http://127.0.0.1:9/v2/transcript" && create.request.method == "POST" && create.pause == 0)
        let poll = try #require(sent(try job.next(status: 200, headers: [], body: Array(#"{"id":"t-1","status":"queued"}"#.utf8))))
        #expect(poll.request.url == "http://127.0.0.1:9/v2/transcript/t-1" && poll.request.method == "GET" && poll.pause == 0.25)
        return job
    }

    @Test func uploadsTheFileBytesWithTheBareKey() throws {
        let upload = try adapter().makeTranscriptionRequest(try request([]), upstreamModel: "universal-2")
        #expect(upload.url == "http://127.0.0.1:9/v2/upload")
        #expect(upload.body == Array("RIFF....WAVE".utf8))
        #expect(upload.headers.contains { $0.0 == "Authorization" && $0.1 == "aai-key-0123456789" })
    }

    @Test func createsWithTheModelAndLanguage() throws {
        var job = try #require(adapter().makeTranscriptionJob(for: try request([("language", "de")]), upstreamModel: "universal-3-pro"))
        let create = try #require(sent(try job.next(status: 200, headers: [], body: Array(#"{"upload_url":"https://x/u"}"#.utf8))))
        #expect(try JSONParser.parse(create.request.body) == ["audio_url": "https://x/u", "speech_models": ["universal-3-pro"], "language_code": "de"])
    }

    @Test func pollsWithGrowingPausesThenAnswersJSON() throws {
        var job = try started(try request([]))
        var pauses: [Double] = []
        for _ in 0..<6 {
            pauses.append(try #require(sent(try job.next(status: 200, headers: [], body: Array(#"{"id":"t-1","status":"processing"}"#.utf8)))).pause)
        }
        #expect(pauses == [0.5, 1, 2, 3, 3, 3])
        let answer = try #require(finished(try job.next(status: 200, headers: [], body: Array(Self.completed.utf8))))
        #expect(try JSONParser.parse(answer.body) == ["text": "Hi there. Bye."])
        #expect(answer.audioMilliseconds == 3_000 && answer.format == .json)
    }

    @Test func verboseJSONHasSegmentsAndWords() throws {
        var job = try started(try request([("response_format", "verbose_json"), ("timestamp_granularities[]", "word")]))
        let answer = try #require(finished(try job.next(status: 200, headers: [], body: Array(Self.completed.utf8))))
        let json = try JSONParser.parse(answer.body)
        #expect(json["duration"]?.doubleValue == 3 && json["language"]?.stringValue == "en")
        #expect(json["segments"]?.arrayValue?.compactMap { $0["text"]?.stringValue } == [" Hi there.", " Bye."])
        #expect(json["segments"]?.arrayValue?[1]["start"]?.doubleValue == 1.2)
        #expect(json["words"]?.arrayValue?.count == 3 && json["words"]?.arrayValue?[2]["end"]?.doubleValue == 1.5)
    }

    @Test func captionsAreFetchedFromTheExport() throws {
        var job = try started(try request([("response_format", "vtt")]))
        let export = try #require(sent(try job.next(status: 200, headers: [], body: Array(Self.completed.utf8))))
        #expect(export.request.url == "http://127.0.0.1:9/v2/transcript/t-1/vtt" && export.pause == 0)
        let answer = try #require(finished(try job.next(status: 200, headers: [], body: Array("WEBVTT\n\n".utf8))))
        #expect(answer.body == Array("WEBVTT\n\n".utf8) && answer.audioMilliseconds == 3_000)
    }

    @Test func anErroredTranscriptIsARetryableFailure() throws {
        var job = try started(try request([]))
        do throws(UpstreamFailure) {
            _ = try job.next(status: 200, headers: [], body: Array(#"{"id":"t-1","status":"error","error":"File does not contain audio (key aai-key-0123456789)"}"#.utf8))
            Issue.record("expected a failure")
        } catch {
            #expect(error.retryable && error.error.status == 502)
            #expect(error.error.message.contains("File does not contain audio") && !error.error.message.contains("aai-key-0123456789"))
        }
    }

    @Test func malformedAnswersAreFailuresNotCrashes() throws {
        for body in ["", "{}", #"{"id":"../x","status":"queued"}"#, #"{"id":"t","status":"weird"}"#, #"{"id":"t","status":"completed"}"#] {
            var job = try started(try request([]))
            #expect(throws: UpstreamFailure.self) { _ = try job.next(status: 200, headers: [], body: Array(body.utf8)) }
        }
    }

    @Test func translationsAreSkipped() throws {
        #expect(adapter().transcriptionIncompatibility(with: try request([], task: .translation)) == "does not offer audio translations")
        #expect(adapter().transcriptionIncompatibility(with: try request([])) == nil)
    }
}
