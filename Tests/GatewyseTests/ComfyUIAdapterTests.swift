import GatewyseCore
@testable import GatewyseEngine
@testable import GatewyseProviders
@testable import GatewyseTesting
import Testing

/// ComfyUI (providers.md §26, decision 0024) without a socket: workflow templates and their
/// placeholders, the `/prompt` call an OpenAI image request becomes (checked by the validating
/// mock's rules), the prompt followed through `/history` and `/view`, its failures and its
/// cancel calls, and the configuration that names the workflows.
@Suite("ComfyUI: workflows and prompts")
struct ComfyUIAdapterTests {
    static let base = "http://127.0.0.1:9"

    static func workflow(_ text: String = MockComfyUIUpstream.workflowTemplate) throws -> ComfyUIWorkflow {
        try ComfyUIWorkflow.parse(text).get()
    }

    func adapter(workflows: [String: ComfyUIWorkflow]? = nil, apiKey: String? = nil) throws -> ComfyUIAdapter {
        var configuration = ProviderConfiguration(id: "comfy", entry: ProviderCatalog.entry(forType: "comfyui")!, baseURL: Self.base,
                                                  apiKey: apiKey.map(Secret.init))
        configuration.workflows = try workflows ?? ["sdxl": Self.workflow()]
        return ComfyUIAdapter(configuration: configuration, now: { 1_764_000_000 }, randomSeed: { 4_242 })
    }

    func image(_ text: String) throws -> ImageGenerationRequest { try OpenAIImagesWire.decodeRequest(try JSONParser.parse(text)) }

    func sent<Value>(_ step: UpstreamJobStep<Value>) -> (request: UpstreamRequest, pause: Double)? {
        if case .send(let request, let pause) = step { return (request, pause) }
        return nil
    }

    // MARK: Catalog

    @Test func theCatalogEntryIsASelfHostedKeylessImageProvider() throws {
        let entry = try #require(ProviderCatalog.entry(forType: "comfy-ui"))
        #expect(entry.type == "comfyui" && entry.defaultBaseURL == "http://127.0.0.1:8188" && entry.auth == .bearer(optional: true))
        #expect(entry.capabilities == [.images] && entry.isSelfHosted && !entry.requiresAPIKey)
        #expect(ProviderRegistry.makeAdapter(for: ProviderConfiguration(id: "c", entry: entry, baseURL: Self.base, apiKey: nil)) is ComfyUIAdapter)
    }

    // MARK: Templates

    @Test func placeholdersAreFoundWithTheirDefaults() throws {
        let workflow = try Self.workflow()
        #expect(workflow.placeholders == Set(ComfyUIWorkflow.Placeholder.allCases))
        #expect(workflow.defaults == [.negativePrompt: "blurry, lowres", .width: "64", .height: "64"])
    }

    @Test func renderingReplacesTextAsTextAndNumbersAsNumbers() throws {
        let template = #"{"1":{"class_type":"CLIPTextEncode","inputs":{"text":"cinematic, {{prompt}} -- {{negative_prompt}}","clip":["2",1]}},"#
            + #""2":{"class_type":"KSampler","inputs":{"seed":"{{seed}}","list":["{{width}}",{"deep":"{{negative_prompt}}"}]}}}"#
        let workflow = try Self.workflow(template)
        let rendered = workflow.render(.init(prompt: "a {{seed}} \"quoted\" cat", negativePrompt: "fog", seed: 7, width: 640, randomSeed: 1))
        // The prompt's own braces stay text: only the template is scanned.
        #expect(rendered["1"]?["inputs"]?["text"] == "cinematic, a {{seed}} \"quoted\" cat -- fog")
        #expect(rendered["1"]?["inputs"]?["clip"] == ["2", 1])
        #expect(rendered["2"]?["inputs"]?["seed"] == .number("7"))
        #expect(rendered["2"]?["inputs"]?["list"] == [.number("640"), ["deep": "fog"]])
        #expect(rendered["2"]?["class_type"] == "KSampler")
    }

    @Test func defaultsApplyWhenTheRequestSaysNothing() throws {
        let rendered = try Self.workflow().render(.init(prompt: "p", randomSeed: 99))
        #expect(rendered["5"]?["inputs"] == ["width": 64, "height": 64, "batch_size": 1])
        #expect(rendered["3"]?["inputs"]?["seed"] == 99)
        #expect(rendered["7"]?["inputs"]?["text"] == "blurry, lowres")
        #expect(MockComfyUIUpstream.validationError(try #require(rendered.objectValue)) == nil)
    }

    @Test(arguments: [
        (#"[1,2]"#, "must be a JSON object of nodes"),
        (#"{"nodes":[],"links":[]}"#, "UI format"),
        (#"{}"#, "has no nodes"),
        (#"{"1":{"inputs":{"text":"{{prompt}}"}}}"#, "has no 'class_type'"),
        (#"{"1":{"class_type":"X"}}"#, "has no 'inputs' object"),
        (#"{"1":{"class_type":"X","inputs":{"text":"hello"}}}"#, "has no {{prompt}} placeholder"),
        (#"{"1":{"class_type":"X","inputs":{"text":"{{prompt}} {{promt}}"}}}"#, "unknown placeholder {{promt}}"),
        (#"{"1":{"class_type":"X","inputs":{"text":"{{prompt}}","seed":"seed {{seed}}"}}}"#, "{{seed}} must be the whole value"),
        (#"{"1":{"class_type":"X","inputs":{"text":"{{prompt}}","w":"{{width:wide}}"}}}"#, "must be a whole number"),
        (#"{"1":{"class_type":"X","inputs":{"text":"{{prompt}}","w":"{{width:99999}}"}}}"#, "between 16 and 16384"),
        (#"{"1":{"class_type":"X","inputs":{"text":"{{prompt:x}}"}}}"#, "takes no default"),
        (#"{"1":{"class_type":"X","inputs":{"text":"{{prompt}}","a":"{{seed:1}}","b":"{{seed:2}}"}}}"#, "has two defaults"),
    ])
    func badTemplatesAreRefusedWithTheReason(_ text: String, _ reason: String) {
        guard case .failure(let problem) = ComfyUIWorkflow.parse(text) else { Issue.record("accepted \(text)"); return }
        #expect(problem.message.contains(reason), "\(problem.message)")
    }

    @Test func otherDoubleBracesStayLiteral() throws {
        let workflow = try Self.workflow(#"{"1":{"class_type":"X","inputs":{"text":"{{ style }} {{prompt}} {{A}}"}}}"#)
        #expect(workflow.render(.init(prompt: "cat"))["1"]?["inputs"]?["text"] == "{{ style }} cat {{A}}")
    }

    // MARK: The submit call

    @Test func anImageRequestQueuesTheRenderedWorkflow() throws {
        let request = try image(#"{"model":"img","prompt":"a red fox","n":2,"size":"256x128","seed":12345678901234,"negative_prompt":"fog","response_format":"b64_json"}"#)
        let comfy = try adapter(apiKey: "proxy-token")
        #expect(comfy.imageIncompatibility(with: request, upstreamModel: "sdxl") == nil)
        let upstream = try comfy.makeImageRequest(request, upstreamModel: "sdxl")
        #expect(upstream.method == "POST" && upstream.url == Self.base + "/prompt" && !upstream.expectsStream)
        #expect(upstream.headers.contains { $0 == ("Authorization", "Bearer proxy-token") })
        let body = try JSONParser.parse(upstream.body)
        #expect(body["client_id"] == "gatewyse-comfy")
        let prompt = try #require(body["prompt"]?.objectValue)
        #expect(prompt["6"]?["inputs"]?["text"] == "a red fox" && prompt["7"]?["inputs"]?["text"] == "fog")
        #expect(prompt["5"]?["inputs"] == ["width": 256, "height": 128, "batch_size": 2])
        #expect(prompt["3"]?["inputs"]?["seed"] == .number("12345678901234"))
        #expect(prompt["4"]?["_meta"]?["title"] == "Load Checkpoint")
        #expect(MockComfyUIUpstream.validationError(prompt) == nil)
    }

    @Test func withoutASeedTheInjectedRandomOneIsUsed() throws {
        let upstream = try adapter().makeImageRequest(try image(#"{"model":"img","prompt":"p"}"#), upstreamModel: "sdxl")
        #expect(try JSONParser.parse(upstream.body)["prompt"]?["3"]?["inputs"]?["seed"] == 4_242)
        #expect(try adapter().configuration.credentialHeaders.isEmpty)
    }

    @Test(arguments: [
        (#"{"model":"m","prompt":"p","seed":-1}"#, "seed"),
        (#"{"model":"m","prompt":"p","seed":"7"}"#, "seed"),
        (#"{"model":"m","prompt":"p","seed":1.5}"#, "seed"),
        (#"{"model":"m","prompt":"p","negative_prompt":3}"#, "negative_prompt"),
        (#"{"model":"m","prompt":"p","size":"99999x1024"}"#, "size"),
        (#"{"model":"m","prompt":"p","size":"8x8"}"#, "size"),
    ])
    func valuesComfyUIWouldRefuseAreTheClientsError(_ body: String, _ field: String) throws {
        let request = try image(body)
        let comfy = try adapter()
        do {
            _ = try comfy.makeImageRequest(request, upstreamModel: "sdxl")
            Issue.record("accepted \(body)")
        } catch {
            #expect(error.status == 400 && error.param == field, "\(error.message)")
        }
    }

    @Test func whatAProviderOrWorkflowCannotDoSkipsIt() throws {
        let plain = try Self.workflow(#"{"1":{"class_type":"X","inputs":{"text":"{{prompt}}"}}}"#)
        let comfy = try adapter(workflows: ["plain": plain, "sdxl": Self.workflow()])
        let reason = { (body: String, model: String) in comfy.imageIncompatibility(with: try self.image(body), upstreamModel: model) }
        #expect(try reason(#"{"model":"m","prompt":"p","response_format":"url"}"#, "sdxl")?.contains("response_format 'url' is not possible") == true)
        #expect(try reason(#"{"model":"m","prompt":"p","output_format":"webp"}"#, "sdxl")?.contains("output_format 'webp'") == true)
        #expect(try reason(#"{"model":"m","prompt":"p"}"#, "flux") == "has no workflow named 'flux' (its workflows: plain, sdxl)")
        #expect(try reason(#"{"model":"m","prompt":"p","n":2}"#, "plain")?.contains("no {{batch_size}} placeholder: n=2") == true)
        #expect(try reason(#"{"model":"m","prompt":"p","size":"512x512"}"#, "plain")?.contains("size '512x512' is not possible") == true)
        #expect(try reason(#"{"model":"m","prompt":"p","seed":1}"#, "plain")?.contains("seed is not possible") == true)
        #expect(try reason(#"{"model":"m","prompt":"p","negative_prompt":"x"}"#, "plain")?.contains("negative_prompt is not possible") == true)
        #expect(try reason(#"{"model":"m","prompt":"p","size":"auto","n":1}"#, "plain") == nil)
    }

    // MARK: The job

    static let promptID = "5d1c0f3e-c0f1-4e11-9a7d-000000000001"

    static func history(_ record: String) -> [UInt8] { Array(#"{"\#(promptID)":\#(record)}"#.utf8) }

    static let succeeded = history(#"""
    {"prompt":[0,"x",{},{},["9"]],"outputs":{"9":{"images":[{"filename":"img 00001_.png","subfolder":"gatewyse/a&b","type":"output"},
    {"filename":"img_00002_.png","subfolder":"","type":"output"}]},"10":{"images":[{"filename":"t.png","subfolder":"","type":"temp"}]}},
    "status":{"status_str":"success","completed":true,"messages":[["execution_success",{"prompt_id":"x"}]]}}
    """#)

    @Test func aPromptIsPolledThenItsSavedImagesFetchedAndEncoded() throws {
        var job = try #require(try adapter(apiKey: "tok").makeImageJob(for: try image(#"{"model":"m","prompt":"p"}"#), upstreamModel: "sdxl"))
        #expect(job.cancellations.isEmpty)
        let first = try #require(sent(try job.next(status: 200, headers: [], body: Array(#"{"prompt_id":"\#(Self.promptID)","number":3,"node_errors":{}}"#.utf8))))
        #expect(first.request.method == "GET" && first.request.url == Self.base + "/history/" + Self.promptID && first.pause == 0.25)
        #expect(first.request.headers.contains { $0 == ("Authorization", "Bearer tok") })
        // While the prompt waits or runs, its cancel calls are: drop it from the queue, then interrupt it.
        let cancels = job.cancellations
        #expect(cancels.map(\.url) == [Self.base + "/queue", Self.base + "/interrupt"])
        #expect(try cancels.map { try JSONParser.parse($0.body) } == [["delete": [.string(Self.promptID)]], ["prompt_id": .string(Self.promptID)]])
        var pauses: [Double] = []
        for _ in 0..<6 { pauses.append(try #require(sent(try job.next(status: 200, headers: [], body: Array("{}".utf8)))).pause) }
        #expect(pauses == [0.5, 1, 2, 2, 2, 2])
        let view1 = try #require(sent(try job.next(status: 200, headers: [], body: Self.succeeded)))
        #expect(view1.request.url == Self.base + "/view?filename=img%2000001_.png&subfolder=gatewyse%2Fa%26b&type=output" && view1.pause == 0)
        #expect(job.cancellations.isEmpty)
        let view2 = try #require(sent(try job.next(status: 200, headers: [], body: MockPNG.make(width: 1, height: 1, red: 1, green: 2, blue: 3))))
        #expect(view2.request.url == Self.base + "/view?filename=img_00002_.png&subfolder=&type=output")
        guard case .finished(let response) = try job.next(status: 200, headers: [], body: [0x89, 0x50]) else { Issue.record("not finished"); return }
        #expect(response.images == 2)
        let answer = try JSONParser.parse(response.body)
        #expect(answer["created"] == 1_764_000_000)
        #expect(answer["data"]?.arrayValue?.compactMap { $0["b64_json"]?.stringValue } == [Base64.encode(MockPNG.make(width: 1, height: 1, red: 1, green: 2, blue: 3)), "iVA="])
    }

    func failure(_ record: String) throws -> UpstreamFailure? {
        var job = try #require(try adapter().makeImageJob(for: try image(#"{"model":"m","prompt":"p"}"#), upstreamModel: "sdxl"))
        _ = try job.next(status: 200, headers: [], body: Array(#"{"prompt_id":"\#(Self.promptID)"}"#.utf8))
        do {
            _ = try job.next(status: 200, headers: [], body: Self.history(record))
            return nil
        } catch {
            #expect(job.cancellations.isEmpty, "a prompt that ended has nothing to cancel")
            return error
        }
    }

    @Test func anExecutionErrorIsARetryable502NamingTheNode() throws {
        let failed = try #require(try failure(#"{"outputs":{},"status":{"status_str":"error","completed":false,"messages":[["execution_start",{}],["execution_error",{"node_id":"3","node_type":"KSampler","exception_type":"torch.OutOfMemoryError","exception_message":"out of memory\n"}]]}}"#))
        #expect(failed.retryable && failed.error.status == 502)
        #expect(failed.error.message == "Provider 'comfy': prompt \(Self.promptID) failed: node 3 (KSampler): torch.OutOfMemoryError: out of memory")
        let interrupted = try #require(try failure(#"{"outputs":{},"status":{"status_str":"error","completed":false,"messages":[["execution_interrupted",{"node_id":"3","node_type":"KSampler"}]]}}"#))
        #expect(interrupted.error.message.hasSuffix("failed: interrupted at node 3 (KSampler)"))
        let empty = try #require(try failure(#"{"outputs":{"10":{"images":[{"filename":"t.png","subfolder":"","type":"temp"}]}},"status":{"status_str":"success","completed":true,"messages":[]}}"#))
        #expect(empty.retryable && empty.error.code == "UPSTREAM_BAD_RESPONSE" && empty.error.message.contains("saved no images"))
    }

    @Test func unreadableAnswersAreBadResponses() throws {
        var job = try #require(try adapter().makeImageJob(for: try image(#"{"model":"m","prompt":"p"}"#), upstreamModel: "sdxl"))
        #expect(throws: UpstreamFailure.self) { try job.next(status: 200, headers: [], body: Array(#"{"prompt_id":"../../etc"}"#.utf8)) }
        #expect(throws: UpstreamFailure.self) { try job.next(status: 200, headers: [], body: Array("not json".utf8)) }
    }

    // MARK: Failures

    @Test func aWorkflowRejectionIsARetryable502WithTheNodeErrors() throws {
        let body = Array(#"""
        {"error":{"type":"prompt_outputs_failed_validation","message":"Prompt outputs failed validation","details":"","extra_info":{}},
         "node_errors":{"4":{"errors":[{"type":"value_not_in_list","message":"Value not in list","details":"ckpt_name: 'x.safetensors' not in []","extra_info":{}}],
         "dependent_outputs":["9"],"class_type":"CheckpointLoaderSimple"}}}
        """#.utf8)
        let failure = try adapter().parseFailure(status: 400, headers: [], body: body)
        #expect(failure.retryable && failure.error.status == 502 && failure.error.code == "UPSTREAM_WORKFLOW_REJECTED")
        #expect(failure.error.message == "Provider 'comfy' rejected the workflow (HTTP 400): Prompt outputs failed validation; node 4 (CheckpointLoaderSimple): Value not in list: ckpt_name: 'x.safetensors' not in []")
        let server = try adapter().parseFailure(status: 500, headers: [], body: Array("500 Internal Server Error".utf8))
        #expect(server.retryable && server.error.status == 502 && server.error.message.contains("500 Internal Server Error"))
        let proxy = try adapter(apiKey: "secret-token").parseFailure(status: 401, headers: [], body: Array(#"{"error":"bad token secret-token"}"#.utf8))
        #expect(proxy.retryable && proxy.error.code == "UPSTREAM_AUTH_FAILED" && !proxy.error.message.contains("secret-token"))
    }

    // MARK: Configuration

    @Test func workflowsComeInlineOrFromFilesAndBecomeTheModels() throws {
        let yaml = """
        providers:
          - id: comfy
            type: comfyui
            models: [other]
            workflows:
              inline: |
                {"1": {"class_type": "CLIPTextEncode", "inputs": {"text": "{{prompt}}", "clip": ["2", 1]}}}
              sdxl: workflows/sdxl.json
        models:
          - name: draw
            targets: [{provider: comfy, model: sdxl}]
        """
        let configuration = try ConfigurationValidator.load(yaml: yaml, environment: [:], readFile: { path in
            path == "workflows/sdxl.json" ? MockComfyUIUpstream.workflowTemplate : nil
        })
        let provider = try #require(configuration.providers.first)
        #expect(provider.baseURL == "http://127.0.0.1:8188" && provider.allowPrivateNetwork && provider.apiKey == nil)
        #expect(provider.workflows.keys.sorted() == ["inline", "sdxl"] && provider.models == ["other", "inline", "sdxl"])
        #expect(provider.workflows["sdxl"] == (try Self.workflow()))
    }

    @Test func workflowProblemsAreListedWithTheirPaths() {
        let yaml = """
        providers:
          - id: comfy
            type: comfyui
            workflows:
              broken: '{"1": {"class_type": "X", "inputs": {"text": "no prompt"}}}'
              missing: missing.json
              "bad name": '{}'
          - id: bare
            type: comfyui
          - id: oai
            type: openai
            api_key: sk-x
            workflows: {a: b}
        models:
          - name: draw
            targets: [{provider: comfy, model: nothing}]
        """
        do {
            _ = try ConfigurationValidator.load(yaml: yaml, environment: [:])
            Issue.record("accepted")
        } catch {
            let problems = error.problems
            #expect(problems.contains("providers[0].workflows.broken: the workflow has no {{prompt}} placeholder: the request's prompt would go nowhere"))
            #expect(problems.contains("providers[0].workflows.missing: workflow files are read only from a configuration file (--config); give the JSON inline"))
            #expect(problems.contains("providers[0].workflows.bad name: a workflow name is 1-64 letters, digits, '.', '_' or '-'"))
            #expect(problems.contains { $0.hasPrefix("providers[1].workflows: required for provider type comfyui") })
            #expect(problems.contains("providers[2].workflows: only for provider type comfyui"))
        }
    }

    @Test func aTargetMustNameAWorkflow() {
        let yaml = """
        providers:
          - id: comfy
            type: comfyui
            workflows:
              sdxl: '{"1": {"class_type": "X", "inputs": {"text": "{{prompt}}"}}}'
        models:
          - name: draw
            targets: [{provider: comfy, model: flux}]
        """
        #expect(throws: ConfigurationError.self) { try ConfigurationValidator.load(yaml: yaml, environment: [:]) }
        do { _ = try ConfigurationValidator.load(yaml: yaml, environment: [:]) } catch {
            #expect(error.problems == ["models[0].targets[0].model: provider comfy has no workflow named \"flux\" (its workflows: sdxl)"])
        }
    }
}
