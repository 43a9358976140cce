import GatewyseCore

/// The request shapes OpenAI documents for its media routes (providers.md §1 "Other endpoints",
/// OpenAI's API reference), checked without a socket: the mock's handlers refuse with these
/// rejections, and conformance tests ask `MockOpenAIUpstream.mediaValidationError` about the
/// calls adapters build.
enum MockOpenAIMediaValidator {
    struct Rejection: Error, Equatable {
        var status: Int
        var message: String
        var param: String?
    }

    static let imageFormats: Set<String> = ["url", "b64_json"]
    static let transcriptionFormats: Set<String> = ["json", "text", "srt", "verbose_json", "vtt"]
    static let speechFormats: Set<String> = ["mp3", "opus", "aac", "flac", "wav", "pcm"]
    /// The file types OpenAI's transcription routes take, recognized by the file name's extension.
    static let audioExtensions: Set<String> = ["flac", "mp3", "mp4", "mpeg", "mpga", "m4a", "ogg", "oga", "wav", "webm"]
    /// OpenAI's documented limit on `/audio/speech` input.
    static let speechInputLimit = 4096

    /// `/images/generations`: a JSON object with `model` and a non-empty `prompt`; `n` 1–10 and
    /// `response_format` `url` or `b64_json` when given.
    static func image(_ body: JSONValue?) -> Rejection? {
        guard let object = body?.objectValue, object["model"]?.stringValue != nil else {
            return Rejection(status: 400, message: "you must provide a model parameter", param: "model")
        }
        guard let prompt = object["prompt"]?.stringValue, !prompt.isEmpty else {
            return Rejection(status: 400, message: "Missing required parameter: 'prompt'.", param: "prompt")
        }
        if let n = object["n"], !(1...10).contains(n.intValue ?? 0) {
            return Rejection(status: 400, message: "Invalid 'n': integer between 1 and 10 expected.", param: "n")
        }
        if let format = object["response_format"], !imageFormats.contains(format.stringValue ?? "") {
            return Rejection(status: 400, message: "Invalid 'response_format': 'url' or 'b64_json' expected.", param: "response_format")
        }
        return nil
    }

    /// `/audio/transcriptions|translations`: a `multipart/form-data` body under the boundary its
    /// content type names, with a non-empty `file` part whose filename names a supported audio
    /// type, a `model` field, and a documented `response_format` when one is given.
    static func transcription(contentType: String?, body: [UInt8]) -> Rejection? {
        guard let boundary = MultipartForm.boundary(contentType: contentType), let form = try? MultipartForm(body: body, boundary: boundary) else {
            return Rejection(status: 400, message: "Could not parse multipart form", param: nil)
        }
        guard let file = form.part(named: "file"), file.filename != nil, !file.valueRange.isEmpty else {
            return Rejection(status: 400, message: "'file' is a required property", param: "file")
        }
        guard let model = form.text("model", in: body), !model.isEmpty else {
            return Rejection(status: 400, message: "'model' is a required property", param: "model")
        }
        let fileExtension = file.filename?.split(separator: ".").last.map { $0.lowercased() } ?? ""
        guard audioExtensions.contains(fileExtension) else {
            return Rejection(status: 400, message: "Invalid file format. Supported formats: \(audioExtensions.sorted())", param: "file")
        }
        if let format = form.text("response_format", in: body), !transcriptionFormats.contains(format) {
            return Rejection(status: 400, message: "Invalid response_format '\(format)'.", param: "response_format")
        }
        return nil
    }

    /// `/audio/speech`: a JSON object with `model`, a non-empty `input` of at most 4096
    /// characters and a `voice`; `response_format` one of OpenAI's six and `speed` 0.25–4 when given.
    static func speech(_ body: JSONValue?) -> Rejection? {
        guard let object = body?.objectValue, object["model"]?.stringValue != nil,
              let input = object["input"]?.stringValue, !input.isEmpty else {
            return Rejection(status: 400, message: "Missing required parameter: 'input'.", param: "input")
        }
        guard input.count <= speechInputLimit else {
            return Rejection(status: 400, message: "'input' is longer than \(speechInputLimit) characters.", param: "input")
        }
        guard object["voice"] != nil else { return Rejection(status: 400, message: "Missing required parameter: 'voice'.", param: "voice") }
        if let format = object["response_format"], !speechFormats.contains(format.stringValue ?? "") {
            return Rejection(status: 400, message: "Invalid 'response_format'.", param: "response_format")
        }
        if let speed = object["speed"], !(0.25...4.0).contains(speed.doubleValue ?? 0) {
            return Rejection(status: 400, message: "Invalid 'speed': a number between 0.25 and 4.0 expected.", param: "speed")
        }
        return nil
    }

    /// The key header a hosted OpenAI-format provider requires: `Authorization: Bearer <key>`,
    /// or Azure's `api-key`. The served mock does not ask for it, since it also stands in for
    /// keyless self-hosted servers (vLLM, LocalAI, speaches).
    static func key(_ headers: [String: String]) -> Rejection? {
        if let authorization = headers["authorization"], authorization.hasPrefix("Bearer "), authorization.count > 7 { return nil }
        if let key = headers["api-key"], !key.isEmpty { return nil }
        return Rejection(status: 401, message: "You didn't provide an API key.", param: nil)
    }

    /// Azure's deployment routes need `api-version` in the query (providers.md §4).
    static func azureVersion(path: String, query: String) -> Rejection? {
        guard path.contains("/openai/deployments/") else { return nil }
        let hasVersion = query.split(separator: "&").contains { $0.hasPrefix("api-version=") && $0.count > "api-version=".count }
        return hasVersion ? nil : Rejection(status: 404, message: "Resource not found: api-version is required.", param: nil)
    }

    /// Every check of a media call as a hosted provider would make it; nil when accepted.
    static func validate(url: String, headers: [String: String], body: [UInt8]) -> Rejection? {
        let afterScheme = url.split(separator: "://", maxSplits: 1).last.map(String.init) ?? url
        let pathAndQuery = afterScheme.firstIndex(of: "/").map { String(afterScheme[$0...]) } ?? "/"
        let parts = pathAndQuery.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        let path = parts[0]
        if let rejection = key(headers) ?? azureVersion(path: path, query: parts.count > 1 ? parts[1] : "") { return rejection }
        if MockHTTPHandler.isFireworksWorkflow(path) {
            return MockHTTPHandler.fireworksImageRejection(headers: headers, body: try? JSONParser.parse(body))
                .map { Rejection(status: $0.status, message: $0.message, param: $0.param) }
        }
        if path.hasSuffix("/images/generations") {
            guard headers["content-type"]?.hasPrefix("application/json") == true else {
                return Rejection(status: 415, message: "Content-Type must be application/json", param: nil)
            }
            return image(try? JSONParser.parse(body))
        }
        if path.hasSuffix("/audio/speech") {
            guard headers["content-type"]?.hasPrefix("application/json") == true else {
                return Rejection(status: 415, message: "Content-Type must be application/json", param: nil)
            }
            return speech(try? JSONParser.parse(body))
        }
        if path.hasSuffix("/audio/transcriptions") || path.hasSuffix("/audio/translations") {
            return transcription(contentType: headers["content-type"], body: body)
        }
        return Rejection(status: 404, message: "Unknown request URL: POST \(path).", param: nil)
    }
}

extension MockOpenAIUpstream {
    /// The message an OpenAI-format provider would refuse this media call with (`url` whole,
    /// header names lower-cased), or nil when it is what the documented API accepts: the key
    /// header, Azure's `api-version`, the route's content type and body shape (JSON for images
    /// and speech, multipart for transcriptions; Fireworks' FLUX workflow body on its route).
    public static func mediaValidationError(url: String, headers: [String: String], body: [UInt8]) -> String? {
        MockOpenAIMediaValidator.validate(url: url, headers: headers, body: body)?.message
    }
}
