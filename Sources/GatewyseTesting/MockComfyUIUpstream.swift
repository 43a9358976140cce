import GatewyseCore
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix

/// A mock ComfyUI server on loopback, faithful to providers.md §26 and ComfyUI's `server.py`:
/// no authentication (an `Authorization` header is recorded, not required); `POST /prompt
/// {prompt, client_id, …}` validated as ComfyUI does for the core text-to-image nodes
/// (`MockComfyUIValidator`: 400 `{error: {type, message, details, extra_info}, node_errors}`),
/// answered `{prompt_id, number, node_errors: {}}`; prompts run one at a time, in order, each
/// for `runSeconds` (real time); `GET /history/{id}` is `{}` until the prompt ended, then its
/// record (`outputs` with SaveImage's `output` images and PreviewImage's `temp` ones, `status`
/// with `status_str` and the execution messages); `GET /view?filename=&subfolder=&type=` serves
/// a real PNG of the latent's size, coloured by the seed; `POST /queue {delete}` drops a
/// waiting prompt, `POST /interrupt {prompt_id?}` stops the running one (only that one when a
/// `prompt_id` is given). Scenarios by a marker in a CLIPTextEncode text: `[mock:slow]` (runs
/// 4 s), `[mock:stuck]` (never ends), `[mock:oom]` (fails in KSampler with an out-of-memory
/// execution error), `[mock:error-500]` (the submit answers 500). Every request is recorded.
public final class MockComfyUIUpstream: MockUpstream, @unchecked Sendable {
    let queue: MockComfyUIQueue

    public static func start(port: Int = 0, runSeconds: Double = 0.3,
                             group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) async throws -> MockComfyUIUpstream {
        let recorder = MockRecorder()
        let queue = MockComfyUIQueue(runSeconds: runSeconds)
        let channel = try await MockServer.bind(port: port, group: group, recorder: recorder) {
            MockComfyUIHTTPHandler(recorder: recorder, queue: queue)
        }
        return MockComfyUIUpstream(port: channel.localAddress?.port ?? port, channel: channel, recorder: recorder, queue: queue)
    }

    init(port: Int, channel: any Channel, recorder: MockRecorder, queue: MockComfyUIQueue) {
        self.queue = queue
        super.init(port: port, channel: channel, recorder: recorder)
    }

    public var baseURL: String { "http://127.0.0.1:\(port)" }

    /// `pending`, `running`, `done`, `deleted` or `interrupted`; nil for an unknown prompt.
    public func state(of promptID: String) -> String? { queue.promptState(of: promptID) }

    /// ComfyUI's 400 body for `workflow`, or nil when it would queue it: lets adapter tests check
    /// what they build without a socket.
    public static func validationError(_ workflow: JSONObject) -> JSONValue? { MockComfyUIValidator.validate(workflow) }

    /// A PNG's width and height, for tests checking that the size reached the workflow.
    public static func pngSize(_ png: [UInt8]) -> (width: Int, height: Int)? { MockPNG.size(png) }

    /// The API-format text-to-image workflow tests use: the six core nodes with every placeholder.
    public static let workflowTemplate = """
    {
      "4": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": "sd_xl_base_1.0.safetensors"}, "_meta": {"title": "Load Checkpoint"}},
      "6": {"class_type": "CLIPTextEncode", "inputs": {"text": "{{prompt}}", "clip": ["4", 1]}},
      "7": {"class_type": "CLIPTextEncode", "inputs": {"text": "{{negative_prompt:blurry, lowres}}", "clip": ["4", 1]}},
      "5": {"class_type": "EmptyLatentImage", "inputs": {"width": "{{width:64}}", "height": "{{height:64}}", "batch_size": "{{batch_size}}"}},
      "3": {"class_type": "KSampler", "inputs": {"model": ["4", 0], "seed": "{{seed}}", "steps": 20, "cfg": 7.5, "sampler_name": "euler",
            "scheduler": "normal", "positive": ["6", 0], "negative": ["7", 0], "latent_image": ["5", 0], "denoise": 1.0}},
      "8": {"class_type": "VAEDecode", "inputs": {"samples": ["3", 0], "vae": ["4", 2]}},
      "9": {"class_type": "SaveImage", "inputs": {"images": ["8", 0], "filename_prefix": "gatewyse/img"}},
      "10": {"class_type": "PreviewImage", "inputs": {"images": ["8", 0]}}
    }
    """
}

/// The prompts: one worker, so a prompt waits in the queue while another runs.
final class MockComfyUIQueue: Sendable {
    struct Prompt {
        var id: String
        var number: Int
        var workflow: JSONObject
        var start: NIODeadline
        var seconds: Double
        var fails: Bool
        var deleted = false
        var interruptedAt: NIODeadline?

        var end: NIODeadline? { seconds.isFinite ? start + .nanoseconds(Int64(seconds * 1e9)) : nil }

        func state(at now: NIODeadline) -> String {
            if deleted { return "deleted" }
            if interruptedAt != nil { return "interrupted" }
            if now < start { return "pending" }
            if let end, now >= end { return "done" }
            return "running"
        }
    }
    private struct State {
        var prompts: [String: Prompt] = [:]
        var order: [String] = []
        var counter = 0
        /// When the worker is free again.
        var freeAt = NIODeadline.now()
        var files: [String: [UInt8]] = [:]
    }
    private let state = NIOLockedValueBox(State())
    let runSeconds: Double

    init(runSeconds: Double) { self.runSeconds = runSeconds }

    func submit(_ workflow: JSONObject, seconds: Double, fails: Bool) -> Prompt {
        state.withLockedValue {
            $0.counter += 1
            let id = Self.hex($0.counter &* 2_654_435_761 % 0xFFFF_FFFF, 8) + "-c0f1-4e11-9a7d-" + Self.hex($0.counter, 12)
            let start = max(NIODeadline.now(), $0.freeAt)
            let prompt = Prompt(id: id, number: $0.counter - 1, workflow: workflow, start: start, seconds: seconds, fails: fails)
            $0.freeAt = prompt.end ?? .distantFuture
            $0.prompts[id] = prompt
            $0.order.append(id)
            return prompt
        }
    }

    /// `value` in lowercase hexadecimal, zero-padded to `width` digits (a UUID's groups).
    static func hex(_ value: Int, _ width: Int) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }

    func promptState(of id: String) -> String? { state.withLockedValue { $0.prompts[id]?.state(at: .now()) } }

    func prompt(_ id: String) -> Prompt? { state.withLockedValue { $0.prompts[id] } }

    /// Drops waiting prompts; the ones after them move up.
    func delete(_ ids: [String]) {
        state.withLockedValue { state in
            for id in ids where state.prompts[id]?.state(at: .now()) == "pending" { state.prompts[id]?.deleted = true }
            reschedule(&state)
        }
    }

    /// Stops the running prompt (if `id` is given, only when it is that one).
    func interrupt(_ id: String?) {
        state.withLockedValue { state in
            let now = NIODeadline.now()
            guard let running = state.order.first(where: { state.prompts[$0]?.state(at: now) == "running" }), id == nil || id == running else { return }
            state.prompts[running]?.interruptedAt = now
            reschedule(&state)
        }
    }

    /// Waiting prompts start as soon as the ones before them ended.
    private func reschedule(_ state: inout State) {
        let now = NIODeadline.now()
        var freeAt = now
        for id in state.order {
            guard var prompt = state.prompts[id] else { continue }
            switch prompt.state(at: now) {
            case "running": freeAt = prompt.end ?? .distantFuture
            case "pending":
                prompt.start = max(freeAt, now)
                freeAt = prompt.end ?? .distantFuture
                state.prompts[id] = prompt
            default: continue
            }
        }
        state.freeAt = freeAt
    }

    func storeFile(_ key: String, _ bytes: [UInt8]) { state.withLockedValue { $0.files[key] = bytes } }
    func file(_ key: String) -> [UInt8]? { state.withLockedValue { $0.files[key] } }
}
