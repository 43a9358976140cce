import GatewyseCore
@testable import GatewyseEngine
import GatewyseProviders
@testable import GatewyseTesting
import Testing

/// Replicate predictions (providers.md §12), fed recorded answers: the create call an OpenAI
/// image or a video request becomes (model, version and deployment targets; inputs the
/// validating mock accepts), the prediction followed through polls to its output (URLs, or
/// files fetched without the key for `b64_json`), its failures and its cancel call.
@Suite("Replicate: predictions")
struct ReplicateAdapterTests {
    static let base = "http://127.0.0.1:9"

    func adapter() -> any ProviderAdapter {
        ProviderRegistry.makeAdapter(for: ProviderConfiguration(id: "rep", entry: ProviderCatalog.entry(forType: "replicate")!,
                                                                baseURL: Self.base, apiKey: Secret("r8_test_token_0123456789")))
    }

    func image(_ text: String) throws -> ImageGenerationRequest { try OpenAIImagesWire.decodeRequest(try JSONParser.parse(text)) }

    func header(_ request: UpstreamRequest, _ name: String) -> String? {
        request.headers.first { $0.0.lowercased() == name }?.1
    }

    func sent<Value>(_ step: UpstreamJobStep<Value>) -> (request: UpstreamRequest, pause: Double)? {
        if case .send(let request, let pause) = step { return (request, pause) }
        return nil
    }

    func finished<Value>(_ step: UpstreamJobStep<Value>) -> Value? {
        if case .finished(let value) = step { return value }
        return nil
    }

    static func prediction(_ status: String, id: String = "abc123xyz", output: String = "null", error: String = "null") -> [UInt8] {
        Array(#"{"id":"\#(id)","status":"\#(status)","output":\#(output),"error":\#(error),"urls":{"get":"https://evil.example/steal"}}"#.utf8)
    }

    @Test func theCatalogEntryRegistersFromREPLICATE_API_TOKEN() throws {
        let entry = try #require(ProviderCatalog.entry(forType: "replicate"))
        #expect(entry.defaultBaseURL == "https://api.replicate.com" && entry.auth == .bearer(optional: false))
        #expect(entry.capabilities == [.images, .videoGeneration, .tts, .audio])
        let configuration = try EnvironmentConfiguration.make(environment: ["REPLICATE_API_TOKEN": "r8_env"])
        let provider = try #require(configuration.providers.first { $0.id == "replicate" })
        #expect(provider.baseURL == "https://api.replicate.com" && provider.apiKey?.revealed == "r8_env")
        #expect(ProviderRegistry.makeAdapter(for: provider) is ReplicateAdapter)
    }

    // MARK: Request mapping

    @Test func officialModelCreateCarriesTheMappedInputs() throws {
        let request = try image(#"{"model":"img","prompt":"a red square","n":2,"size":"1792x1024","output_format":"jpeg","response_format":"url","seed":7,"go_fast":true}"#)
        #expect(adapter().imageIncompatibility(with: request) == nil)
        let upstream = try adapter().makeImageRequest(request, upstreamModel: "black-forest-labs/flux-schnell")
        #expect(upstream.method == "POST" && upstream.url == Self.base + "/v1/models/black-forest-labs/flux-schnell/predictions")
        #expect(header(upstream, "authorization") == "Bearer r8_test_token_0123456789")
        #expect(header(upstream, "content-type") == "application/json")
        #expect(upstream.preferWait == 60 && header(upstream, "prefer") == nil)
        let body = try JSONParser.parse(upstream.body)
        #expect(body == ["input": ["prompt": "a red square", "num_outputs": 2, "aspect_ratio": "16:9", "output_format": "jpg", "seed": 7, "go_fast": true]])
        #expect(MockReplicateUpstream.inputProblem(model: "black-forest-labs/flux-schnell", input: try #require(body["input"]?.objectValue)) == nil)
    }

    @Test func versionAndDeploymentTargets() throws {
        let request = try image(#"{"model":"img","prompt":"a blue circle","size":"1024x768"}"#)
        let version = "stability-ai/sdxl:" + MockReplicateUpstream.sdxlVersion
        let byVersion = try adapter().makeImageRequest(request, upstreamModel: version)
        #expect(byVersion.url == Self.base + "/v1/predictions")
        let body = try JSONParser.parse(byVersion.body)
        #expect(body == ["version": .string(MockReplicateUpstream.sdxlVersion), "input": ["prompt": "a blue circle", "width": 1024, "height": 768]])
        #expect(MockReplicateUpstream.inputProblem(model: version, input: try #require(body["input"]?.objectValue)) == nil)
        let bareVersion = try adapter().makeImageRequest(request, upstreamModel: MockReplicateUpstream.sdxlVersion)
        #expect(bareVersion.url == Self.base + "/v1/predictions")
        let deployment = try adapter().makeImageRequest(request, upstreamModel: "deployments/acme/flux-fast")
        #expect(deployment.url == Self.base + "/v1/deployments/acme/flux-fast/predictions")
        #expect(try JSONParser.parse(deployment.body) == ["input": ["prompt": "a blue circle", "aspect_ratio": "4:3"]])
    }

    @Test(arguments: ["flux", "a/b/c", "../x/predictions", "owner/na me", "owner/name:nothex", "deployments/acme", "owner//name"])
    func namesThatAreNoReplicateModelAreTheClientsError(_ model: String) throws {
        #expect(throws: GatewayError.self) { try adapter().makeImageRequest(try image(#"{"model":"m","prompt":"p"}"#), upstreamModel: model) }
    }

    @Test func sizesMapToTheNearestAspectRatio() {
        #expect(ReplicateWire.aspectRatio(size: "1024x1024") == "1:1")
        #expect(ReplicateWire.aspectRatio(size: "1024x1792") == "9:16")
        #expect(ReplicateWire.aspectRatio(size: "1536x1024") == "3:2")
        #expect(ReplicateWire.aspectRatio(size: "auto") == nil)
    }

    @Test func whatReplicateCannotMakeIsSkipped() throws {
        #expect(adapter().imageIncompatibility(with: try image(#"{"model":"m","prompt":"p","n":5}"#)) == "makes at most 4 images per request (num_outputs)")
        #expect(adapter().videoIncompatibility(with: VideoGenerationRequest(model: "m", prompt: "p", n: 2)) == "makes one video per request (n=1)")
        #expect(adapter().incompatibility(with: ChatRequest(model: "m", messages: [])) == "does not offer chat")
    }

    // MARK: The prediction, followed

    @Test func aPredictionFinishedInSyncModeIsTheAnswer() throws {
        var job = try #require(adapter().makeImageJob(for: try image(#"{"model":"m","prompt":"p"}"#), upstreamModel: "o/m"))
        let answer = try #require(finished(try job.next(status: 201, headers: [], body: Self.prediction("succeeded", output: #"["https://replicate.delivery/a.webp","https://replicate.delivery/b.webp"]"#))))
        #expect(answer.images == 2)
        let json = try JSONParser.parse(answer.body)
        #expect(json["data"] == [["url": "https://replicate.delivery/a.webp"], ["url": "https://replicate.delivery/b.webp"]])
        #expect(job.cancellation == nil)
    }

    @Test func pollsWithGrowingPausesAtTheConfiguredHostThenAnswers() throws {
        var job = try #require(adapter().makeImageJob(for: try image(#"{"model":"m","prompt":"p"}"#), upstreamModel: "o/m"))
        var pauses: [Double] = []
        var polled: [UpstreamRequest] = []
        for status in ["starting", "processing", "processing", "processing", "processing", "processing"] {
            let poll = try #require(sent(try job.next(status: 200, headers: [], body: Self.prediction(status))))
            pauses.append(poll.pause)
            polled.append(poll.request)
        }
        #expect(pauses == [0.25, 0.5, 1, 2, 2, 2])
        // Built from the base URL and the id, never from the answer's `urls.get`: the key goes to the configured host only.
        #expect(polled.allSatisfy { $0.method == "GET" && $0.url == Self.base + "/v1/predictions/abc123xyz" })
        #expect(header(polled[0], "authorization") == "Bearer r8_test_token_0123456789")
        let cancel = try #require(job.cancellation)
        #expect(cancel.method == "POST" && cancel.url == Self.base + "/v1/predictions/abc123xyz/cancel")
        #expect(header(cancel, "authorization") == "Bearer r8_test_token_0123456789")
        let answer = try #require(finished(try job.next(status: 200, headers: [], body: Self.prediction("succeeded", output: #""https://replicate.delivery/one.png""#))))
        #expect(try JSONParser.parse(answer.body)["data"] == [["url": "https://replicate.delivery/one.png"]])
        #expect(job.cancellation == nil)
    }

    @Test func b64JSONFetchesEachOutputFileWithoutTheKey() throws {
        var job = try #require(adapter().makeImageJob(for: try image(#"{"model":"m","prompt":"p","response_format":"b64_json"}"#), upstreamModel: "o/m"))
        let first = try #require(sent(try job.next(status: 201, headers: [], body: Self.prediction("succeeded", output: #"["https://replicate.delivery/a.png","https://replicate.delivery/b.png"]"#))))
        #expect(first.request.method == "GET" && first.request.url == "https://replicate.delivery/a.png" && first.pause == 0)
        #expect(header(first.request, "authorization") == nil)
        let second = try #require(sent(try job.next(status: 200, headers: [], body: MockStabilityUpstream.png)))
        #expect(second.request.url == "https://replicate.delivery/b.png")
        let answer = try #require(finished(try job.next(status: 200, headers: [], body: [1, 2, 3])))
        let data = try #require(try JSONParser.parse(answer.body)["data"]?.arrayValue)
        #expect(data.map { $0["b64_json"]?.stringValue } == [MockMedia.pngBase64, "AQID"])
        #expect(answer.images == 2)
    }

    @Test func aDataURIOutputNeedsNoFetch() throws {
        var job = try #require(adapter().makeImageJob(for: try image(#"{"model":"m","prompt":"p","response_format":"b64_json"}"#), upstreamModel: "o/m"))
        let answer = try #require(finished(try job.next(status: 201, headers: [], body: Self.prediction("succeeded", output: #""data:image/png;base64,\#(MockMedia.pngBase64)""#))))
        #expect(try JSONParser.parse(answer.body)["data"] == [["b64_json": .string(MockMedia.pngBase64)]])
    }

    @Test(arguments: [("failed", "prediction abc123xyz failed: CUDA out of memory"), ("canceled", "prediction abc123xyz was canceled")])
    func failedAndCanceledPredictionsAreRetryableFailures(_ status: String, _ message: String) throws {
        var job = try #require(adapter().makeImageJob(for: try image(#"{"model":"m","prompt":"p"}"#), upstreamModel: "o/m"))
        _ = try job.next(status: 201, headers: [], body: Self.prediction("processing"))
        do throws(UpstreamFailure) {
            _ = try job.next(status: 200, headers: [], body: Self.prediction(status, error: status == "failed" ? #""CUDA out of memory (r8_test_token_0123456789)""# : "null"))
            Issue.record("expected a failure")
        } catch {
            #expect(error.retryable && error.error.status == 502 && error.error.code == "UPSTREAM_ERROR")
            #expect(error.error.message.contains(message) && !error.error.message.contains("r8_test_token_0123456789"))
        }
        #expect(job.cancellation == nil)
    }

    @Test func malformedAnswersAreFailuresNotCrashes() throws {
        let bodies = ["", "{}", #"{"id":"../x","status":"starting"}"#, #"{"id":"abc","status":"weird"}"#, #"{"id":"abc","status":"succeeded","output":null}"#,
                      #"{"id":"abc","status":"succeeded","output":[42]}"#, #"{"id":"abc","status":"succeeded","output":"ftp://x/y.png"}"#]
        for body in bodies {
            var job = try #require(adapter().makeImageJob(for: try image(#"{"model":"m","prompt":"p","response_format":"b64_json"}"#), upstreamModel: "o/m"))
            #expect(throws: UpstreamFailure.self, "\(body)") { _ = try job.next(status: 201, headers: [], body: Array(body.utf8)) }
        }
        var job = try #require(adapter().makeImageJob(for: try image(#"{"model":"m","prompt":"p"}"#), upstreamModel: "o/m"))
        _ = try job.next(status: 201, headers: [], body: Self.prediction("starting", id: "first1"))
        #expect(throws: UpstreamFailure.self) { _ = try job.next(status: 200, headers: [], body: Self.prediction("succeeded", id: "other2", output: #""https://x/y""#)) }
    }

    // MARK: Video

    @Test func videoInputsAndAnswer() throws {
        var fields = JSONObject()
        fields["negative_prompt"] = "blur"
        let request = VideoGenerationRequest(model: "v", prompt: "a wave", duration: 6, aspectRatio: "16:9", resolution: "1080p", fps: 24, fields: fields)
        let upstream = try adapter().makeVideoRequest(request, upstreamModel: "minimax/hailuo-02")
        #expect(upstream.url == Self.base + "/v1/models/minimax/hailuo-02/predictions" && upstream.preferWait == 60)
        #expect(try JSONParser.parse(upstream.body) == ["input": ["prompt": "a wave", "duration": 6, "aspect_ratio": "16:9", "resolution": "1080p",
                                                                  "fps": 24, "negative_prompt": "blur"]])
        var job = adapter().makeVideoJob(for: request, upstreamModel: "minimax/hailuo-02")
        let poll = try #require(sent(try job.next(status: 201, headers: [], body: Self.prediction("processing"))))
        #expect(poll.request.url == Self.base + "/v1/predictions/abc123xyz")
        let video = try #require(finished(try job.next(status: 200, headers: [], body: Self.prediction("succeeded", output: #""https://replicate.delivery/v.mp4""#))))
        #expect(video.videos == [GeneratedVideo(url: "https://replicate.delivery/v.mp4", durationSeconds: 6)])
    }

    @Test func otherAdaptersRefuseVideo() throws {
        let stability = ProviderRegistry.makeAdapter(for: ProviderConfiguration(id: "s", entry: ProviderCatalog.entry(forType: "stability")!,
                                                                                baseURL: Self.base, apiKey: Secret("k")))
        #expect(stability.videoIncompatibility(with: VideoGenerationRequest(model: "m", prompt: "p")) == "does not offer video generation")
        var job = stability.makeVideoJob(for: VideoGenerationRequest(model: "m", prompt: "p"), upstreamModel: "x")
        #expect(throws: UpstreamFailure.self) { _ = try job.next(status: 200, headers: [], body: []) }
    }

    // MARK: Failures

    @Test func errorsAreClassifiedLikeTheOtherAdapters() {
        let adapter = adapter()
        func failure(_ status: Int, _ body: String, _ headers: [(String, String)] = []) -> UpstreamFailure {
            adapter.parseFailure(status: status, headers: headers, body: Array(body.utf8))
        }
        let unauthorized = failure(401, #"{"title":"Unauthenticated","detail":"You did not pass a valid authentication token","status":401}"#)
        #expect(unauthorized.error.status == 502 && unauthorized.error.code == "UPSTREAM_AUTH_FAILED" && unauthorized.retryable)
        let billing = failure(402, #"{"title":"Insufficient credit","detail":"You have insufficient credit to run this model.","status":402}"#)
        #expect(billing.error.status == 502 && billing.error.code == "UPSTREAM_BILLING_FAILED" && billing.retryable)
        #expect(billing.error.message.contains("Insufficient credit: You have insufficient credit"))
        let missing = failure(404, #"{"title":"Not found","detail":"The requested resource could not be found.","status":404}"#)
        #expect(missing.error.status == 404 && missing.error.code == "UPSTREAM_REJECTED" && !missing.retryable)
        let invalid = failure(422, #"{"title":"Input validation failed","detail":"- input.aspect_ratio: aspect_ratio must be one of the following: \"1:1\"","status":422}"#)
        #expect(invalid.error.status == 422 && !invalid.retryable && invalid.error.message.contains("input.aspect_ratio"))
        let throttled = failure(429, #"{"detail":"Request was throttled. Your rate limit resets in ~30s."}"#, [("Retry-After", "30")])
        #expect(throttled.error.status == 429 && throttled.retryable && throttled.retryAfterSeconds == 30)
        #expect(throttled.error.headers.contains { $0.0 == "Retry-After" && $0.1 == "30" })
        #expect(throttled.error.message.contains("Request was throttled"))
        let broken = failure(503, "<html>upstream connect error</html>")
        #expect(broken.error.status == 502 && broken.retryable)
    }

    // MARK: Prefer: wait, as the route executor writes it

    @Test func preferWaitIsBoundedByTheFirstByteTimeoutAndTheDeadline() {
        func written(_ wanted: Int?, firstByte: Double, remaining: Double) -> String? {
            var request = UpstreamRequest(url: "http://x", headers: [("Prefer", "stale")], body: [], expectsStream: false)
            request.preferWait = wanted
            RouteExecutor.writePreferWait(&request, firstByteTimeout: firstByte, remaining: remaining)
            return request.headers.first { $0.0.lowercased() == "prefer" }?.1
        }
        #expect(written(60, firstByte: 120, remaining: 600) == "wait=60")
        #expect(written(60, firstByte: 1.5, remaining: 600) == "wait=1")
        #expect(written(60, firstByte: 120, remaining: 10.2) == "wait=9")
        #expect(written(60, firstByte: 120, remaining: 1.2) == nil)
        #expect(written(nil, firstByte: 120, remaining: 600) == "stale")
    }
}
