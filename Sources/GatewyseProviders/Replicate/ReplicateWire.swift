import GatewyseCore

/// Replicate's predictions API (providers.md §12): a prediction is created with
/// `POST /v1/models/{owner}/{name}/predictions` (official models), `POST /v1/predictions` with a
/// `version` (any model version) or `POST /v1/deployments/{owner}/{name}/predictions`, body
/// `{input: {…}}`; it is the object `{id, status: starting|processing|succeeded|failed|canceled,
/// output, error, urls, metrics}`, read again with `GET /v1/predictions/{id}` until its status
/// is terminal and stopped with `POST /v1/predictions/{id}/cancel`. `output` is the model's own
/// shape: for image and video models a file URL on `replicate.delivery` or a list of them.
/// Errors are problem details: `{"detail": "…", "title": "…", "status": N}`.
public enum ReplicateWire {
    /// What an upstream model name addresses.
    public enum Target: Equatable, Sendable {
        /// `owner/name`: an official model, run at its latest version.
        case model(owner: String, name: String)
        /// `owner/name:version` or a bare 64-hex version id.
        case version(String)
        /// `deployments/owner/name`: the operator's own deployment.
        case deployment(owner: String, name: String)
    }

    /// The target an upstream model name addresses, or nil when it is none of the three forms
    /// (each part letters, digits, `.`, `_` and `-` only: a name cannot add a path segment).
    public static func target(_ model: String) -> Target? {
        func isPart(_ part: Substring) -> Bool {
            !part.isEmpty && part != "." && part != ".." && part.utf8.allSatisfy { $0.isASCIIAlphanumeric || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "-") }
        }
        if let colon = model.firstIndex(of: ":") {
            let version = model[model.index(after: colon)...]
            let parts = model[..<colon].split(separator: "/", omittingEmptySubsequences: false)
            guard parts.count == 2, parts.allSatisfy(isPart), isVersionID(version) else { return nil }
            return .version(String(version))
        }
        let parts = model.split(separator: "/", omittingEmptySubsequences: false)
        switch parts.count {
        case 1 where isVersionID(parts[0]): return .version(String(parts[0]))
        // `deployments/x` is a deployment missing its owner, not a model of an owner "deployments".
        case 2 where parts.allSatisfy(isPart) && parts[0] != "deployments": return .model(owner: String(parts[0]), name: String(parts[1]))
        case 3 where parts[0] == "deployments" && parts[1...].allSatisfy(isPart): return .deployment(owner: String(parts[1]), name: String(parts[2]))
        default: return nil
        }
    }

    static func isVersionID(_ text: Substring) -> Bool {
        text.utf8.count == 64 && text.utf8.allSatisfy { ($0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9")) || ($0 >= UInt8(ascii: "a") && $0 <= UInt8(ascii: "f")) }
    }

    /// The create call's path and body for `input`.
    public static func create(_ target: Target, input: JSONObject) -> (path: String, body: JSONValue) {
        switch target {
        case .model(let owner, let name): ("/v1/models/\(owner)/\(name)/predictions", ["input": .object(input)])
        case .version(let id): ("/v1/predictions", ["version": .string(id), "input": .object(input)])
        case .deployment(let owner, let name): ("/v1/deployments/\(owner)/\(name)/predictions", ["input": .object(input)])
        }
    }

    // MARK: Images

    /// The aspect ratios current image models take (FLUX, Imagen, Ideogram, SD 3.5 on Replicate).
    static let aspectRatios: [(name: String, ratio: Double)] = [
        ("21:9", 21.0 / 9), ("16:9", 16.0 / 9), ("3:2", 3.0 / 2), ("4:3", 4.0 / 3), ("5:4", 5.0 / 4), ("1:1", 1), ("4:5", 4.0 / 5),
        ("3:4", 3.0 / 4), ("2:3", 2.0 / 3), ("9:16", 9.0 / 16), ("9:21", 9.0 / 21),
    ]

    /// Models that take `width` and `height` rather than `aspect_ratio` (Stable Diffusion XL and
    /// older): the size is sent as it was asked for. Every other model gets the nearest aspect
    /// ratio, which is what current models take; a client that knows better sends `width`,
    /// `height` or `aspect_ratio` itself (OpenAI SDKs: `extra_body`), which wins.
    static let dimensionModelPrefixes = ["stability-ai/sdxl", "stability-ai/stable-diffusion", "bytedance/sdxl-lightning"]

    /// OpenAI's own image fields: mapped to Replicate's inputs, or not sent. Every other client
    /// field is the model's own input and is passed on as sent (Replicate ignores inputs a
    /// model does not have).
    static let openAIImageFields: Set<String> = ["model", "prompt", "n", "size", "quality", "style", "background", "output_format",
                                                 "response_format", "output_compression", "user", "moderation", "partial_images", "stream"]

    /// `1792x1024` as width and height, or nil for `auto` or no size.
    static func dimensions(_ size: String?) -> (width: Int, height: Int)? {
        guard let size, size != "auto" else { return nil }
        let sides = size.split(separator: "x")
        guard sides.count == 2, let width = Int(sides[0]), let height = Int(sides[1]), width > 0, height > 0 else { return nil }
        return (width, height)
    }

    /// The aspect ratio nearest to `size` (on a log scale, as for Stability), or nil for `auto`.
    public static func aspectRatio(size: String?) -> String? {
        guard let (width, height) = dimensions(size) else { return nil }
        let target = Double(width) / Double(height)
        func distance(_ ratio: Double) -> Double { max(ratio / target, target / ratio) }
        return aspectRatios.min { distance($0.ratio) < distance($1.ratio) }?.name
    }

    /// An OpenAI image request as a Replicate model's `input`: `prompt`; `n` as `num_outputs`
    /// (FLUX schnell/dev take 1–4; models that make one image ignore it); `size` as
    /// `aspect_ratio` or `width`/`height`; `output_format` (`jpeg` is Replicate's `jpg`);
    /// `output_compression` as `output_quality`; then the client's other fields as sent.
    public static func imageInput(_ request: ImageGenerationRequest, model: String) -> JSONObject {
        var input = JSONObject([("prompt", .string(request.prompt))])
        if request.n > 1 { input["num_outputs"] = .int(request.n) }
        if let (width, height) = dimensions(request.size) {
            let modelName = model.split(separator: ":").first.map(String.init) ?? model
            if dimensionModelPrefixes.contains(where: { modelName.hasPrefix($0) }) {
                input["width"] = .int(width)
                input["height"] = .int(height)
            } else if let ratio = aspectRatio(size: request.size) {
                input["aspect_ratio"] = .string(ratio)
            }
        }
        if let format = request.fields["output_format"]?.stringValue { input["output_format"] = .string(format == "jpeg" ? "jpg" : format) }
        if let compression = request.fields["output_compression"], case .number = compression { input["output_quality"] = compression }
        for (key, value) in request.fields where !openAIImageFields.contains(key) { input[key] = value }
        return input
    }

    // MARK: Video

    /// The fields of product-spec §2.10, sent under their own names (`duration`, `aspect_ratio`,
    /// `resolution`, `fps`: what Replicate's video models call them) when the client gave them.
    static let videoFields: Set<String> = ["model", "prompt", "n", "duration", "aspect_ratio", "resolution", "fps", "user"]

    /// A video request as a model's `input`: `prompt` and the fields the client set, then its
    /// other fields as sent (a model's own inputs, `negative_prompt`, `seed`…).
    public static func videoInput(_ request: VideoGenerationRequest) -> JSONObject {
        var input = JSONObject([("prompt", .string(request.prompt))])
        if let duration = request.duration { input["duration"] = .int(duration) }
        if let ratio = request.aspectRatio { input["aspect_ratio"] = .string(ratio) }
        if let resolution = request.resolution { input["resolution"] = .string(resolution) }
        if let fps = request.fps { input["fps"] = .int(fps) }
        for (key, value) in request.fields where !videoFields.contains(key) { input[key] = value }
        return input
    }

    // MARK: Answers

    /// A prediction as the gateway reads it.
    public struct Prediction: Sendable, Equatable {
        public enum Status: String, Sendable { case starting, processing, succeeded, failed, canceled }
        public var id: String
        public var status: Status
        public var output: JSONValue?
        public var error: String?
    }

    public enum ReadProblem: Error, Equatable {
        case notJSON(String)
        case invalid(String)
    }

    /// A prediction object; its id must be letters and digits (it goes into the poll's path).
    public static func prediction(_ body: [UInt8]) -> Result<Prediction, ReadProblem> {
        let json: JSONValue
        do { json = try JSONParser.parse(body) } catch { return .failure(.notJSON(error.description)) }
        guard let id = json["id"]?.stringValue, !id.isEmpty, id.utf8.count <= 128, id.utf8.allSatisfy(\.isASCIIAlphanumeric) else {
            return .failure(.invalid("a prediction without a valid 'id'"))
        }
        guard let raw = json["status"]?.stringValue, let status = Prediction.Status(rawValue: raw) else {
            return .failure(.invalid("a prediction with an unknown 'status'"))
        }
        let output = json["output"].flatMap { $0 == .null ? nil : $0 }
        let error: String? = switch json["error"] {
        case .string(let text)?: text
        case nil, .null?: nil
        case let other?: JSONWriter.string(other)
        }
        return .success(Prediction(id: id, status: status, output: output, error: error))
    }

    /// The file URLs of an output: one string, or a list of them (other shapes have none).
    public static func outputURLs(_ output: JSONValue?) -> [String] {
        switch output {
        case .string(let url)?: [url]
        case .array(let items)?: items.compactMap(\.stringValue)
        default: []
        }
    }

    /// The base64 payload of a `data:…;base64,…` URI (what some models answer instead of a file
    /// URL), or nil for anything else.
    public static func dataURIPayload(_ uri: String) -> String? {
        guard uri.hasPrefix("data:"), let comma = uri.firstIndex(of: ","), uri[..<comma].hasSuffix(";base64") else { return nil }
        return String(uri[uri.index(after: comma)...])
    }

    /// `title: detail` from problem details, else the tolerant OpenAI-style reading.
    public static func errorMessage(_ body: [UInt8]) -> String? {
        guard let json = try? JSONParser.parse(body), let detail = json["detail"] else { return UpstreamFailureClassifier.openAIStyleMessage(body) }
        let text = detail.stringValue ?? JSONWriter.string(detail)
        guard let title = json["title"]?.stringValue, !title.isEmpty, title != text else { return text }
        return "\(title): \(text)"
    }
}
