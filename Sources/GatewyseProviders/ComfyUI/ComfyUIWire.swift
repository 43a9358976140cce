import GatewyseCore

/// ComfyUI's HTTP API (providers.md §26; ComfyUI's `server.py`): a workflow is queued with
/// `POST /prompt {prompt: <API-format workflow>, client_id}` → `{prompt_id, number,
/// node_errors}` (a workflow that fails validation is a 400 `{error: {type, message, details,
/// extra_info}, node_errors: {<node id>: {errors: [{type, message, details, extra_info}],
/// class_type, dependent_outputs}}}`); `GET /history/{prompt_id}` answers `{}` until it ended,
/// then `{<prompt_id>: {prompt, outputs: {<node id>: {images: [{filename, subfolder, type}]}},
/// status: {status_str: success|error, completed, messages: [[event, data], …]}}}`; each saved
/// image is `GET /view?filename=…&subfolder=…&type=output`. `POST /queue {delete: [id]}` drops
/// a prompt still waiting, `POST /interrupt {prompt_id}` stops it while it runs (and nothing
/// else: a newer ComfyUI skips the interrupt when another prompt is running).
public enum ComfyUIWire {
    /// The submit body.
    public static func submit(workflow: JSONValue, clientID: String) -> JSONValue {
        ["prompt": workflow, "client_id": .string(clientID)]
    }

    /// The prompt id of a submit answer; it goes into the history URL's path, so only letters,
    /// digits and `-` (ComfyUI mints UUIDs) are taken.
    public static func promptID(_ body: [UInt8]) -> Result<String, ComfyUIReadProblem> {
        let json: JSONValue
        do { json = try JSONParser.parse(body) } catch { return .failure(.init("a submit answer that is not JSON (\(error.description))")) }
        guard let id = json["prompt_id"]?.stringValue, isPromptID(id) else { return .failure(.init("a submit answer without a valid 'prompt_id'")) }
        return .success(id)
    }

    static func isPromptID(_ id: String) -> Bool {
        (1...128).contains(id.utf8.count) && id.utf8.allSatisfy { $0.isASCIIAlphanumeric || $0 == UInt8(ascii: "-") }
    }

    /// An image a finished prompt saved.
    public struct SavedImage: Sendable, Equatable {
        public var filename: String
        public var subfolder: String
    }

    /// What a history answer says about one prompt.
    public enum History: Sendable, Equatable {
        /// Not in the history yet: waiting in the queue or running.
        case pending
        case succeeded([SavedImage])
        /// It ended in an error or was interrupted; the text says where and why.
        case failed(String)
    }

    /// Reads `GET /history/{id}`'s answer for `promptID`.
    public static func history(_ body: [UInt8], promptID: String) -> Result<History, ComfyUIReadProblem> {
        let json: JSONValue
        do { json = try JSONParser.parse(body) } catch { return .failure(.init("a history answer that is not JSON (\(error.description))")) }
        guard let all = json.objectValue else { return .failure(.init("a history answer that is not an object")) }
        guard let record = all[promptID] else { return .success(.pending) }
        let status = record["status"]
        let messages = status?["messages"]?.arrayValue ?? []
        if status?["status_str"]?.stringValue == "error" || messages.contains(where: { failureEvents.contains($0.arrayValue?.first?.stringValue ?? "") }) {
            return .success(.failed(failureText(messages)))
        }
        // A record without `status` (ComfyUI before it kept one) is a finished prompt too.
        if let completed = status?["completed"]?.boolValue, !completed, status?["status_str"]?.stringValue != "success" {
            return .success(.failed("it did not complete"))
        }
        var images: [SavedImage] = []
        for (_, output) in record["outputs"]?.objectValue ?? JSONObject() {
            for image in output["images"]?.arrayValue ?? [] {
                // `temp` images are PreviewImage nodes' previews; only SaveImage's are the result.
                guard image["type"]?.stringValue ?? "output" == "output" else { continue }
                guard let filename = image["filename"]?.stringValue, !filename.isEmpty else {
                    return .failure(.init("a saved image without a 'filename'"))
                }
                images.append(SavedImage(filename: filename, subfolder: image["subfolder"]?.stringValue ?? ""))
            }
        }
        return .success(.succeeded(images))
    }

    static let failureEvents: Set<String> = ["execution_error", "execution_interrupted"]

    /// `node 3 (KSampler): RuntimeError: …` from an `execution_error` message, `interrupted at
    /// node 3 (KSampler)` from an `execution_interrupted` one.
    static func failureText(_ messages: [JSONValue]) -> String {
        for message in messages {
            guard let pair = message.arrayValue, pair.count == 2, let event = pair[0].stringValue, failureEvents.contains(event) else { continue }
            let data = pair[1]
            let node = [data["node_id"]?.stringValue.map { "node \($0)" }, data["node_type"]?.stringValue.map { "(\($0))" }]
                .compactMap { $0 }.joined(separator: " ")
            if event == "execution_interrupted" { return "interrupted" + (node.isEmpty ? "" : " at \(node)") }
            let exception = [data["exception_type"]?.stringValue, data["exception_message"]?.stringValue?.trimmingSpaces]
                .compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: ": ")
            return [node, exception].filter { !$0.isEmpty }.joined(separator: ": ")
        }
        return "it ended with status 'error'"
    }

    /// `GET /view` for a saved image. Its name and folder are ComfyUI's, so they are
    /// percent-encoded whole: they cannot add a parameter or leave the query.
    public static func viewPath(_ image: SavedImage) -> String {
        "/view?filename=" + percentEncoded(image.filename) + "&subfolder=" + percentEncoded(image.subfolder) + "&type=output"
    }

    /// RFC 3986 unreserved characters as they are, every other byte as `%XX`.
    static func percentEncoded(_ text: String) -> String {
        var result = ""
        for byte in text.utf8 {
            if byte.isASCIIAlphanumeric || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "~") {
                result.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                let hex = Array("0123456789ABCDEF".utf8)
                result += "%" + String(decoding: [hex[Int(byte >> 4)], hex[Int(byte & 0x0F)]], as: UTF8.self)
            }
        }
        return result
    }

    /// The calls that stop a prompt: dropped from the queue if it still waits there, then
    /// interrupted if it runs (in that order, so one that starts between the two is still caught).
    public static func cancelPaths(promptID: String) -> [(path: String, body: JSONValue)] {
        [("/queue", ["delete": [.string(promptID)]]), ("/interrupt", ["prompt_id": .string(promptID)])]
    }

    /// Whether a 400 is ComfyUI rejecting the workflow (its validation's shape: `node_errors`,
    /// or an `error` object with a `type`).
    public static func isWorkflowRejection(_ body: [UInt8]) -> Bool {
        guard let json = try? JSONParser.parse(body) else { return false }
        return json["node_errors"] != nil || json["error"]?["type"]?.stringValue != nil
    }

    /// `message: details` of a rejection, then each failing node's errors
    /// (`node 4 (CheckpointLoaderSimple): Value not in list: ckpt_name: 'x' not in []`).
    public static func errorMessage(_ body: [UInt8]) -> String? {
        guard let json = try? JSONParser.parse(body) else { return UpstreamFailureClassifier.openAIStyleMessage(body) }
        var parts: [String] = []
        if let error = json["error"] {
            if let text = error.stringValue {
                parts.append(text)
            } else {
                let message = error["message"]?.stringValue ?? error["type"]?.stringValue ?? ""
                let details = error["details"]?.stringValue ?? ""
                parts.append([message, details].filter { !$0.isEmpty }.joined(separator: ": "))
            }
        }
        for (id, node) in json["node_errors"]?.objectValue ?? JSONObject() {
            let errors = (node["errors"]?.arrayValue ?? []).map { error in
                [error["message"]?.stringValue ?? "", error["details"]?.stringValue ?? ""].filter { !$0.isEmpty }.joined(separator: ": ")
            }
            let name = node["class_type"]?.stringValue.map { " (\($0))" } ?? ""
            parts.append("node \(id)\(name): " + errors.joined(separator: "; "))
        }
        let text = parts.filter { !$0.isEmpty }.joined(separator: "; ")
        return text.isEmpty ? UpstreamFailureClassifier.openAIStyleMessage(body) : String(text.prefix(1_000))
    }
}

/// An answer the gateway cannot read.
public struct ComfyUIReadProblem: Error, Sendable, Equatable {
    public var detail: String
    init(_ detail: String) { self.detail = detail }
}
