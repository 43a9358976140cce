import Foundation
import GatewyseCore
@testable import GatewyseEngine
import GatewyseProviders
@testable import GatewyseTesting
import Testing

/// ComfyUI through the real gateway and its validating mock: a workflow queued, polled and its
/// images fetched as real PNGs of the asked size; failover both ways between ComfyUI and an
/// OpenAI-format image provider; a workflow the server rejects; the deadline (a 504, and the
/// prompt interrupted upstream); and what ComfyUI cannot answer (`url`).
@Suite("ComfyUI end to end", .serialized)
struct ComfyUIEndToEndTests {
    static func withGateway(totalTimeout: Double? = nil,
                            _ body: (TestGateway, RecordingObserver, MockComfyUIUpstream) async throws -> Void) async throws {
        let comfy = try await MockComfyUIUpstream.start()
        let observer = RecordingObserver()
        var provider = ProviderConfiguration(id: "comfy", entry: ProviderCatalog.entry(forType: "comfyui")!, baseURL: comfy.baseURL, apiKey: nil)
        provider.allowPrivateNetwork = true
        provider.workflows = [
            "sdxl": try ComfyUIWorkflow.parse(MockComfyUIUpstream.workflowTemplate).get(),
            // A checkpoint this server does not have: ComfyUI refuses the workflow.
            "missing": try ComfyUIWorkflow.parse(MockComfyUIUpstream.workflowTemplate.replacing("sd_xl_base_1.0.safetensors", with: "gone.safetensors")).get(),
        ]
        let gateway = try await TestGateway.start(extraProviders: [provider], extraModels: [
            ModelAlias(name: "from-comfy", strategy: .failover, targets: [ModelTarget(provider: "comfy", model: "sdxl", priority: 1),
                                                                          ModelTarget(provider: "mock", model: "gpt-image-1", priority: 2)]),
            ModelAlias(name: "to-comfy", strategy: .failover, targets: [ModelTarget(provider: "mock", model: "error-500", priority: 1),
                                                                        ModelTarget(provider: "comfy", model: "sdxl", priority: 2)]),
            ModelAlias(name: "broken-comfy", strategy: .failover, targets: [ModelTarget(provider: "comfy", model: "missing", priority: 1),
                                                                            ModelTarget(provider: "mock", model: "gpt-image-1", priority: 2)]),
        ], observers: [observer], configure: { configuration in
            if let totalTimeout { configuration.upstream.totalTimeout = totalTimeout }
        })
        do { try await body(gateway, observer, comfy) } catch {
            await gateway.stop()
            await comfy.stop()
            throw error
        }
        await gateway.stop()
        await comfy.stop()
    }

    static func images(_ gateway: TestGateway, _ body: String) async throws -> EndToEndTests.Reply {
        try await EndToEndTests.post(gateway, "/v1/images/generations", body: body)
    }

    @Test("a workflow is queued, polled and its saved images answered as PNGs of the asked size")
    func generation() async throws {
        try await Self.withGateway { gateway, observer, comfy in
            let reply = try await Self.images(gateway, #"{"model":"comfy/sdxl","prompt":"a lighthouse","n":2,"size":"96x48","seed":513}"#)
            #expect(reply.status == 200, "\(reply.body)")
            #expect(reply.headers.first(name: "x-provider") == "comfy")
            let images = try #require(reply.json?["data"]?.arrayValue).compactMap { $0["b64_json"]?.stringValue }
            #expect(images.count == 2)
            for image in images {
                let png = try #require(Base64.decode(image))
                #expect(MockComfyUIUpstream.pngSize(png)?.width == 96 && MockComfyUIUpstream.pngSize(png)?.height == 48)
            }
            let sent = comfy.requests
            #expect(sent.first?.method == "POST" && sent.first?.path == "/prompt")
            #expect(sent.first?.body?["prompt"]?["3"]?["inputs"]?["seed"] == 513 && sent.first?.body?["client_id"] == "gatewyse-comfy")
            let polls = sent.filter { $0.path.hasPrefix("/history/") }
            // How many polls saw `{}` depends on the machine's pace (the prompt runs 0.3 s, the first
            // poll comes 0.25 s after the submit): pending answers are the unit tests' and the
            // deadline test's, where the prompt never ends.
            #expect(!polls.isEmpty && polls.allSatisfy { $0.method == "GET" })
            // Only SaveImage's two images are fetched, not PreviewImage's temp ones.
            #expect(sent.filter { $0.path.hasPrefix("/view?") }.map(\.path).allSatisfy { $0.hasSuffix("&subfolder=gatewyse&type=output") })
            #expect(sent.filter { $0.path.hasPrefix("/view?") }.count == 2)
            #expect(sent.allSatisfy { $0.headers["authorization"] == nil })
            let event = try #require(try await observer.settle(count: 1).last)
            #expect(event.outcome == .answered && event.media?.images == 2 && event.providerID == "comfy")
        }
    }

    @Test("an execution error fails over to the OpenAI-format provider, and an OpenAI-format failure over to ComfyUI")
    func failoverBothWays() async throws {
        try await Self.withGateway { gateway, _, comfy in
            let away = try await Self.images(gateway, #"{"model":"from-comfy","prompt":"a cat [mock:oom]"}"#)
            #expect(away.status == 200, "\(away.body)")
            #expect(away.headers.first(name: "x-provider") == "mock")
            let submits = comfy.requests.filter { $0.path == "/prompt" }.count
            #expect(submits >= 1 && Int(away.headers.first(name: "x-gatewyse-attempts") ?? "") == submits + 1)
            comfy.reset()
            let back = try await Self.images(gateway, #"{"model":"to-comfy","prompt":"a dog"}"#)
            #expect(back.status == 200, "\(back.body)")
            #expect(back.headers.first(name: "x-provider") == "comfy")
            let png = try #require(back.json?["data"]?.arrayValue?.first?["b64_json"]?.stringValue.flatMap(Base64.decode))
            #expect(MockComfyUIUpstream.pngSize(png)?.width == 64, "the template's default size")
        }
    }

    @Test("a workflow the server rejects is a 502 naming the node, and fails over")
    func workflowRejected() async throws {
        try await Self.withGateway { gateway, _, _ in
            let alone = try await Self.images(gateway, #"{"model":"comfy/missing","prompt":"p"}"#)
            #expect(alone.status == 502 && alone.code == "UPSTREAM_WORKFLOW_REJECTED", "\(alone.body)")
            #expect(alone.body.contains("node 4 (CheckpointLoaderSimple): Value not in list: ckpt_name: 'gone.safetensors'"))
            let routed = try await Self.images(gateway, #"{"model":"broken-comfy","prompt":"p"}"#)
            #expect(routed.status == 200 && routed.headers.first(name: "x-provider") == "mock", "\(routed.body)")
        }
    }

    @Test("a prompt that outlives the deadline is a 504, and is dropped and interrupted upstream")
    func deadlineInterrupts() async throws {
        try await Self.withGateway(totalTimeout: 1.0) { gateway, _, comfy in
            let reply = try await Self.images(gateway, #"{"model":"comfy/sdxl","prompt":"forever [mock:stuck]"}"#)
            #expect(reply.status == 504, "\(reply.body)")
            let id = try #require(comfy.requests.first { $0.path.hasPrefix("/history/") }?.path.split(separator: "/").last.map(String.init))
            // Every poll of the never-ending prompt was answered `{}`: a 504, not a bad response, shows
            // the job took it for a prompt still running.
            #expect(reply.code == "UPSTREAM_TIMEOUT")
            var cancels: [RecordedRequest] = []
            for _ in 0..<40 where cancels.count < 2 {
                cancels = comfy.requests.filter { $0.method == "POST" && ($0.path == "/queue" || $0.path == "/interrupt") }
                if cancels.count < 2 { try await Task.sleep(for: .milliseconds(50)) }
            }
            #expect(cancels.map(\.path) == ["/queue", "/interrupt"])
            #expect(cancels.map(\.body) == [["delete": [.string(id)]], ["prompt_id": .string(id)]])
            #expect(comfy.state(of: id) == "interrupted")
        }
    }

    @Test("response_format url is a 400 naming the field when ComfyUI is the only provider")
    func urlIsNotPossible() async throws {
        try await Self.withGateway { gateway, _, comfy in
            let reply = try await Self.images(gateway, #"{"model":"comfy/sdxl","prompt":"p","response_format":"url"}"#)
            #expect(reply.status == 400, "\(reply.body)")
            #expect(reply.body.contains("response_format 'url' is not possible"))
            #expect(comfy.requests.isEmpty)
        }
    }
}
