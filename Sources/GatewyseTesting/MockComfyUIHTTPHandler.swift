import GatewyseCore
import NIOCore
import NIOHTTP1

/// The routes of `MockComfyUIUpstream`, ComfyUI's answers to each.
final class MockComfyUIHTTPHandler: MockHTTPConnection, @unchecked Sendable {
    // @unchecked: all state is touched on the channel's event loop only; `queue` guards its own.
    let queue: MockComfyUIQueue

    init(recorder: MockRecorder, queue: MockComfyUIQueue) {
        self.queue = queue
        super.init(recorder: recorder)
    }

    override func respond(context: ChannelHandlerContext, head: HTTPRequestHead, body: [UInt8]) {
        let headers = Self.headerMap(head)
        let parts = head.uri.split(separator: "?", maxSplits: 1)
        let path = parts.first.map(String.init) ?? head.uri
        let query = parts.count > 1 ? Self.query(String(parts[1])) : [:]
        recorder.record(RecordedRequest(method: "\(head.method)", path: head.uri, headers: headers, body: try? JSONParser.parse(body)))
        // ComfyUI serves every route under /api too.
        let route = path.hasPrefix("/api/") ? String(path.dropFirst(4)) : path
        switch (head.method, route) {
        case (.POST, "/prompt"): submit(context: context, body: body)
        case (.GET, _) where route.hasPrefix("/history/"): history(context: context, id: String(route.dropFirst("/history/".count)))
        case (.GET, "/view"): view(context: context, query: query)
        case (.POST, "/queue"):
            guard let object = (try? JSONParser.parse(body))?.objectValue else { return sendBytes(context: context, status: 500, headers: [], []) }
            queue.delete((object["delete"]?.arrayValue ?? []).compactMap(\.stringValue))
            sendBytes(context: context, status: 200, headers: [], [])
        case (.POST, "/interrupt"):
            queue.interrupt((try? JSONParser.parse(body))?["prompt_id"]?.stringValue)
            sendBytes(context: context, status: 200, headers: [], [])
        default:
            sendBytes(context: context, status: 404, headers: [("content-type", "text/plain; charset=utf-8")], Array("404: Not Found".utf8))
        }
    }

    private func submit(context: ChannelHandlerContext, body: [UInt8]) {
        // ComfyUI reads the body with `request.json()`: one that is not JSON is aiohttp's 500.
        guard let object = (try? JSONParser.parse(body))?.objectValue else {
            return sendBytes(context: context, status: 500, headers: [("content-type", "text/plain; charset=utf-8")], Array("500 Internal Server Error".utf8))
        }
        guard let workflow = object["prompt"]?.objectValue else {
            return sendJSONValue(context: context, status: 400, ["error": MockComfyUIValidator.error("no_prompt", "No prompt provided", "No prompt provided"),
                                                                  "node_errors": .object(JSONObject())])
        }
        if let rejection = MockComfyUIValidator.validate(workflow) { return sendJSONValue(context: context, status: 400, rejection) }
        let texts = workflow.compactMap { $0.value["class_type"]?.stringValue == "CLIPTextEncode" ? $0.value["inputs"]?["text"]?.stringValue : nil }
            .joined(separator: "\n")
        if texts.contains("[mock:error-500]") {
            return sendBytes(context: context, status: 500, headers: [("content-type", "text/plain; charset=utf-8")], Array("500 Internal Server Error".utf8))
        }
        var seconds = queue.runSeconds
        if texts.contains("[mock:slow]") { seconds = 4 }
        if texts.contains("[mock:stuck]") { seconds = .infinity }
        let prompt = queue.submit(workflow, seconds: seconds, fails: texts.contains("[mock:oom]"))
        sendJSONValue(context: context, status: 200, ["prompt_id": .string(prompt.id), "number": .int(prompt.number), "node_errors": .object(JSONObject())])
    }

    private func history(context: ChannelHandlerContext, id: String) {
        guard let prompt = queue.prompt(id), ["done", "interrupted"].contains(prompt.state(at: .now())) else {
            return sendJSONValue(context: context, status: 200, .object(JSONObject()))
        }
        sendJSONValue(context: context, status: 200, .object(JSONObject([(id, record(prompt))])))
    }

    /// A finished prompt's history record; a successful one's images are made and kept for `/view`.
    private func record(_ prompt: MockComfyUIQueue.Prompt) -> JSONValue {
        let outputNodes = prompt.workflow.filter { ["SaveImage", "PreviewImage"].contains($0.value["class_type"]?.stringValue ?? "") }.map { $0.key }
        let started: JSONValue = ["execution_start", ["prompt_id": .string(prompt.id), "timestamp": 1_764_000_000_000]]
        let cached: JSONValue = ["execution_cached", ["nodes": [], "prompt_id": .string(prompt.id), "timestamp": 1_764_000_000_001]]
        var outputs = JSONObject()
        let status: JSONValue
        if prompt.interruptedAt != nil {
            status = ["status_str": "error", "completed": false, "messages": [started, cached, ["execution_interrupted", [
                "prompt_id": .string(prompt.id), "node_id": "3", "node_type": "KSampler", "executed": ["4", "5", "6", "7"], "timestamp": 1_764_000_000_500,
            ]]]]
        } else if prompt.fails {
            status = ["status_str": "error", "completed": false, "messages": [started, cached, ["execution_error", [
                "prompt_id": .string(prompt.id), "node_id": "3", "node_type": "KSampler", "executed": ["4", "5", "6", "7"],
                "exception_message": "Allocation on device 0 would exceed allowed memory. (out of memory)\n",
                "exception_type": "torch.OutOfMemoryError", "traceback": ["  File \"execution.py\", line 327, in execute\n"],
                "current_inputs": .object(JSONObject()), "current_outputs": .object(JSONObject()), "timestamp": 1_764_000_000_500,
            ]]]]
        } else {
            outputs = makeImages(prompt)
            status = ["status_str": "success", "completed": true, "messages": [started, cached,
                                                                               ["execution_success", ["prompt_id": .string(prompt.id), "timestamp": 1_764_000_000_900]]]]
        }
        let meta = JSONObject(outputNodes.map { ($0, JSONValue.object(JSONObject([("node_id", .string($0)), ("display_node", .string($0)),
                                                                                   ("parent_node", .null), ("real_node_id", .string($0))]))) })
        return ["prompt": [.int(prompt.number), .string(prompt.id), .object(prompt.workflow), ["client_id": "recorded"], .array(outputNodes.map(JSONValue.string))],
                "outputs": .object(outputs), "status": status, "meta": .object(meta)]
    }

    /// SaveImage writes `<prefix>_NNNNN_.png` into the prefix's folder (`output`), PreviewImage
    /// into `temp`; each a PNG of the latent's size, coloured by the seed.
    private func makeImages(_ prompt: MockComfyUIQueue.Prompt) -> JSONObject {
        let nodes = prompt.workflow.map { $0.value }
        let latent = nodes.first { $0["class_type"]?.stringValue == "EmptyLatentImage" }?["inputs"]
        let width = latent?["width"]?.intValue ?? 512, height = latent?["height"]?.intValue ?? 512
        let batch = latent?["batch_size"]?.intValue ?? 1
        var seed: UInt64 = 0
        if case .number(let lexeme)? = nodes.first(where: { $0["class_type"]?.stringValue == "KSampler" })?["inputs"]?["seed"] { seed = UInt64(lexeme) ?? 0 }
        var outputs = JSONObject()
        for (id, node) in prompt.workflow {
            let classType = node["class_type"]?.stringValue
            guard classType == "SaveImage" || classType == "PreviewImage" else { continue }
            let save = classType == "SaveImage"
            let prefix = save ? node["inputs"]?["filename_prefix"]?.stringValue ?? "ComfyUI" : "ComfyUI_temp_\(prompt.number)"
            let folder = prefix.contains("/") ? String(prefix[..<prefix.lastIndex(of: "/")!]) : ""
            let base = prefix.split(separator: "/").last.map(String.init) ?? prefix
            var images: [JSONValue] = []
            for index in 0..<batch {
                let filename = "\(base)_\(MockComfyUIQueue.hex(prompt.number * 16 + index + 1, 5))_.png"
                let type = save ? "output" : "temp"
                let png = MockPNG.make(width: width, height: height, red: UInt8(truncatingIfNeeded: seed), green: UInt8(truncatingIfNeeded: seed >> 8),
                                       blue: UInt8(truncatingIfNeeded: index * 40))
                queue.storeFile("\(type)/\(folder)/\(filename)", png)
                images.append(["filename": .string(filename), "subfolder": .string(folder), "type": .string(type)])
            }
            outputs.appendUnique(id, ["images": .array(images)])
        }
        return outputs
    }

    /// ComfyUI's checks: no absolute name or `..`, a known type, then the file or a 404.
    private func view(context: ChannelHandlerContext, query: [String: String]) {
        guard let filename = query["filename"], !filename.isEmpty else { return sendBytes(context: context, status: 404, headers: [], []) }
        guard !filename.hasPrefix("/"), !filename.contains("..") else { return sendBytes(context: context, status: 400, headers: [], []) }
        let type = query["type"] ?? "output"
        guard ["output", "input", "temp"].contains(type) else { return sendBytes(context: context, status: 400, headers: [], []) }
        let subfolder = query["subfolder"] ?? ""
        guard !subfolder.contains("..") else { return sendBytes(context: context, status: 403, headers: [], []) }
        guard let png = queue.file("\(type)/\(subfolder)/\(filename)") else { return sendBytes(context: context, status: 404, headers: [], []) }
        sendBytes(context: context, status: 200, headers: [("content-type", "image/png"), ("content-disposition", "filename=\"\(filename)\"")], png)
    }

    /// A query string's parameters, percent-decoded (`+` is a space, as aiohttp reads it).
    static func query(_ text: String) -> [String: String] {
        var result: [String: String] = [:]
        for pair in text.split(separator: "&") {
            let halves = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            result[decode(halves[0])] = halves.count > 1 ? decode(halves[1]) : ""
        }
        return result
    }

    static func decode(_ text: Substring) -> String {
        var bytes: [UInt8] = []
        var utf8 = Array(text.utf8)[...]
        while let byte = utf8.popFirst() {
            if byte == UInt8(ascii: "%"), utf8.count >= 2, let value = UInt8(String(decoding: utf8.prefix(2), as: UTF8.self), radix: 16) {
                bytes.append(value)
                utf8 = utf8.dropFirst(2)
            } else {
                bytes.append(byte == UInt8(ascii: "+") ? UInt8(ascii: " ") : byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
