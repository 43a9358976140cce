import GatewyseCore
import GatewyseProviders
import GatewyseTesting
import Testing

/// Asks each provider's validating mock about the upstream calls an adapter builds, without a
/// socket: the route, the auth header and the documented body shape.
enum MediaConformanceMocks {
    /// `/path?query` of a URL.
    static func path(_ url: String) -> String {
        let afterScheme = url.split(separator: "://", maxSplits: 1).last.map(String.init) ?? url
        return afterScheme.firstIndex(of: "/").map { String(afterScheme[$0...]) } ?? "/"
    }

    static func headers(_ request: UpstreamRequest) -> [String: String] {
        var headers: [String: String] = [:]
        for (name, value) in request.headers { headers[name.lowercased()] = value }
        return headers
    }

    /// Why the provider's mock would refuse this call, or nil when it accepts it.
    static func refusal(_ item: MediaCase, _ upstream: UpstreamRequest) throws -> String? {
        let headers = headers(upstream)
        let path = path(upstream.url)
        switch item.provider {
        case "gemini":
            // `…/models/{model}:{method}`: the mock checks the body against the model and method.
            let target = path.split(separator: "?").first?.split(separator: "/").last ?? ""
            let parts = target.split(separator: ":", maxSplits: 1).map(String.init)
            guard parts.count == 2, parts[0] == item.model else { return "no `models/\(item.model):method` route in \(path)" }
            return MockGeminiUpstream.mediaValidationError(model: parts[0], method: parts[1], headers: headers, body: try JSONParser.parse(upstream.body))
        case "elevenlabs":
            return MockElevenLabsUpstream.validationError(path: path, headers: headers, body: upstream.body).map { "\($0.status) \(JSONWriter.string($0.body))" }
        case "whispercpp":
            return MockWhisperCppUpstream.validationError(path: path, headers: headers, body: upstream.body).map { "\($0.status) \(JSONWriter.string($0.body))" }
        case "stability":
            return MockStabilityUpstream.validationError(path: path, headers: headers, body: upstream.body).map { "\($0.status) \(JSONWriter.string($0.body))" }
        case "assemblyai":
            guard path == "/v2/upload" else { return "the first call is not POST /v2/upload but \(path)" }
            return MockAssemblyAIUpstream.uploadValidationError(headers: headers, body: upstream.body)
        case "replicate":
            return MockReplicateUpstream.createValidationError(path: path, headers: headers, body: upstream.body)
        case "comfyui":
            guard path == "/prompt" else { return "the first call is not POST /prompt but \(path)" }
            guard let prompt = try JSONParser.parse(upstream.body)["prompt"]?.objectValue else { return "the body has no `prompt` object" }
            return MockComfyUIUpstream.validationError(prompt).map(JSONWriter.string)
        default:
            return MockOpenAIUpstream.mediaValidationError(url: upstream.url, headers: headers, body: upstream.body)
        }
    }

    /// The calls a multi-step provider makes after its first, as far as they depend on the
    /// adapter alone: AssemblyAI's transcript creation (checked by its mock), Replicate's and
    /// ComfyUI's polls (built from the configured base URL and the job's id, key in a header only).
    static func checkFollowUps(_ item: MediaCase, _ adapter: any ProviderAdapter) throws {
        let base = try MediaConformance.configuration(item.provider).baseURL
        switch (item.provider, item.capability) {
        case ("assemblyai", _):
            var job = try #require(adapter.makeTranscriptionJob(for: try MediaConformanceTests.transcriptionRequest(.transcription), upstreamModel: item.model))
            guard case .send(let create, _) = try job.next(status: 200, headers: [], body: Array(#"{"upload_url":"https://cdn.assemblyai.com/upload/u1"}"#.utf8)) else {
                Issue.record("no transcript creation after the upload")
                return
            }
            #expect(create.url == base + "/v2/transcript" && create.method == "POST")
            #expect(MockAssemblyAIUpstream.createValidationError(headers: headers(create), body: try JSONParser.parse(create.body)) == nil)
        case ("replicate", .images):
            var job = try #require(adapter.makeImageJob(for: try OpenAIImagesWire.decodeRequest(MediaConformanceTests.imageRequest), upstreamModel: item.model))
            try expectPoll(try job.next(status: 201, headers: [], body: Array(#"{"id":"p1","status":"starting","output":null,"error":null,"urls":{"get":"https://evil.example/p1"}}"#.utf8)),
                           url: base + "/v1/predictions/p1", method: "GET")
        case ("comfyui", _):
            var job = try #require(adapter.makeImageJob(for: try OpenAIImagesWire.decodeRequest(MediaConformanceTests.imageRequest), upstreamModel: item.model))
            try expectPoll(try job.next(status: 200, headers: [], body: Array(#"{"prompt_id":"5d1c0f3e-c0f1-4e11-9a7d-000000000001","number":1,"node_errors":{}}"#.utf8)),
                           url: base + "/history/5d1c0f3e-c0f1-4e11-9a7d-000000000001", method: "GET")
        default:
            break
        }
    }

    static func expectPoll<Value>(_ step: UpstreamJobStep<Value>, url: String, method: String) throws {
        guard case .send(let poll, _) = step else {
            Issue.record("the job did not poll")
            return
        }
        #expect(poll.url == url && poll.method == method, "polled \(poll.method) \(poll.url)")
        #expect(!poll.url.contains(MediaConformance.key))
    }
}
