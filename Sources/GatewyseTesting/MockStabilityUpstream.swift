import GatewyseCore
import NIOCore
import NIOHTTP1
import NIOPosix

/// A mock Stability AI upstream on loopback, faithful to providers.md §27 and the §5 checklist:
/// `POST /v2beta/stable-image/generate/{ultra|core|sd3}` and `/v2beta/stable-image/edit/inpaint`
/// (the picture as file part `image`, an optional `mask`) taking a multipart form only (400
/// otherwise, even without a file), `Authorization: Bearer`, the documented fields and values
/// checked (`prompt` required, `aspect_ratio`, `output_format`, `model` on sd3, `seed`); the
/// answer by `Accept`: `application/json` → `{image, finish_reason, seed}`, `image/*` (the
/// default) → the PNG bytes with `finish-reason` and `seed` headers. Errors are
/// `{id, name, errors: [...]}`. Scenarios by a marker in the prompt: `[mock:error-500]`,
/// `[mock:error-429]`, `[mock:moderated]` (403 content moderation), `[mock:filtered]` (200 with
/// `CONTENT_FILTERED`). Every request is recorded, the form's fields as its body.
public final class MockStabilityUpstream: MockUpstream, @unchecked Sendable {
    public static func start(port: Int = 0, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) async throws -> MockStabilityUpstream {
        let recorder = MockRecorder()
        let channel = try await MockServer.bind(port: port, group: group, recorder: recorder) { MockStabilityHTTPHandler(recorder: recorder) }
        return MockStabilityUpstream(port: channel.localAddress?.port ?? port, channel: channel, recorder: recorder)
    }

    /// The base URL to configure, as Stability documents it: no version segment.
    public var baseURL: String { "http://127.0.0.1:\(port)" }

    /// What the mock would refuse this request with (status and body), or nil when valid.
    public static func validationError(path: String, headers: [String: String], body: [UInt8]) -> (status: Int, body: JSONValue)? {
        if case .failure(let rejection) = MockStabilityHTTPHandler.validate(path: path, headers: headers, body: body) {
            return (rejection.status, rejection.body)
        }
        return nil
    }

    /// The 1×1 PNG the mock answers with.
    public static let png: [UInt8] = [
        0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52, 0x00, 0x00, 0x00, 0x01,
        0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1F, 0x15, 0xC4, 0x89, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x44, 0x41,
        0x54, 0x78, 0xDA, 0x63, 0x64, 0xF8, 0xCF, 0x50, 0x0F, 0x00, 0x03, 0x86, 0x01, 0x80, 0x5A, 0x34, 0x7D, 0x6B, 0x00, 0x00,
        0x00, 0x00, 0x49, 0x45, 0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82,
    ]
}

final class MockStabilityHTTPHandler: MockHTTPConnection, @unchecked Sendable {
    // @unchecked: all state is touched on the channel's event loop only.

    struct Rejection: Error {
        var status: Int
        var body: JSONValue
    }

    struct Accepted {
        var prompt: String
        var json: Bool
        var fields: JSONObject
    }

    static let aspectRatios: Set<String> = ["16:9", "1:1", "21:9", "2:3", "3:2", "4:5", "5:4", "9:16", "9:21"]
    static let outputFormats: Set<String> = ["png", "jpeg", "webp"]
    static let sd3Models: Set<String> = ["sd3.5-large", "sd3.5-large-turbo", "sd3.5-medium", "sd3.5-flash"]

    static func error(_ status: Int, _ name: String, _ errors: [String]) -> Rejection {
        Rejection(status: status, body: ["id": "a5b8c3d2e1f0mock", "name": .string(name), "errors": .array(errors.map(JSONValue.string))])
    }

    static func validate(path uri: String, headers: [String: String], body: [UInt8]) -> Result<Accepted, Rejection> {
        let path = uri.split(separator: "?").first.map(String.init) ?? uri
        let inpaint = path == "/v2beta/stable-image/edit/inpaint"
        guard let endpoint = path.split(separator: "/").last.map(String.init),
              inpaint || (path.hasPrefix("/v2beta/stable-image/generate/") && ["ultra", "core", "sd3"].contains(endpoint)) else {
            return .failure(error(404, "not_found", ["\(path) was not found"]))
        }
        guard let authorization = headers["authorization"], authorization.hasPrefix("Bearer "), authorization.count > 7 else {
            return .failure(error(401, "unauthorized", ["authorization: missing or invalid API key"]))
        }
        let accept = headers["accept"] ?? "image/*"
        guard accept == "application/json" || accept == "image/*" else {
            return .failure(error(400, "invalid_accept_header", ["accept: must be image/* or application/json"]))
        }
        guard let boundary = MultipartForm.boundary(contentType: headers["content-type"]),
              let form = try? MultipartForm(body: body, boundary: boundary) else {
            return .failure(error(400, "bad_request", ["content-type: must be multipart/form-data"]))
        }
        var fields = JSONObject()
        for part in form.parts {
            if let filename = part.filename {
                guard inpaint, part.name == "image" || part.name == "mask" else {
                    return .failure(error(400, "bad_request", ["\(part.name): files are not accepted in text-to-image mode"]))
                }
                fields[part.name] = ["filename": .string(filename), "bytes": .int(part.valueRange.count),
                                     "content_type": .string(part.contentType ?? "")]
                continue
            }
            fields[part.name] = .string(String(decoding: body[part.valueRange], as: UTF8.self))
        }
        if inpaint, let rejection = validateInpaint(form: form, body: body, fields: fields) { return .failure(rejection) }
        guard let prompt = fields["prompt"]?.stringValue, !prompt.isEmpty else {
            return .failure(error(400, "bad_request", ["prompt: cannot be empty"]))
        }
        guard prompt.count <= 10_000 else { return .failure(error(400, "bad_request", ["prompt: must be at most 10000 characters"])) }
        if let ratio = fields["aspect_ratio"]?.stringValue, !aspectRatios.contains(ratio) {
            return .failure(error(400, "bad_request", ["aspect_ratio: must be one of \(aspectRatios.sorted().joined(separator: ", "))"]))
        }
        if let format = fields["output_format"]?.stringValue, !outputFormats.contains(format) {
            return .failure(error(400, "bad_request", ["output_format: must be one of jpeg, png, webp"]))
        }
        if let seed = fields["seed"]?.stringValue, Int64(seed).map({ !(0...4_294_967_294).contains($0) }) ?? true {
            return .failure(error(400, "bad_request", ["seed: must be an integer between 0 and 4294967294"]))
        }
        if endpoint == "sd3" {
            if let model = fields["model"]?.stringValue, !sd3Models.contains(model) {
                return .failure(error(400, "bad_request", ["model: must be one of \(sd3Models.sorted().joined(separator: ", "))"]))
            }
        } else if !inpaint, fields["model"] != nil {
            return .failure(error(400, "bad_request", ["model: not a parameter of this endpoint"]))
        }
        return .success(Accepted(prompt: prompt, json: accept == "application/json", fields: fields))
    }

    /// Inpainting's own rules: the picture as a file part `image` (PNG, JPEG or WebP bytes), an
    /// optional `mask` file, `grow_mask` 0–100, and no generation-only fields.
    static func validateInpaint(form: MultipartForm, body: [UInt8], fields: JSONObject) -> Rejection? {
        guard let image = form.part(named: "image"), image.filename != nil, !image.valueRange.isEmpty else {
            return error(400, "bad_request", ["image: required and must be a file"])
        }
        guard let format = ImageFormat.sniff(body[image.valueRange]), format != .gif else {
            return error(400, "bad_request", ["image: unsupported image format, must be one of jpeg, png, webp"])
        }
        if let mask = form.part(named: "mask"), mask.filename == nil || mask.valueRange.isEmpty {
            return error(400, "bad_request", ["mask: must be a file"])
        }
        if let grow = fields["grow_mask"]?.stringValue, Int(grow).map({ !(0...100).contains($0) }) ?? true {
            return error(400, "bad_request", ["grow_mask: must be an integer between 0 and 100"])
        }
        for key in ["model", "aspect_ratio", "mode", "strength"] where fields[key] != nil {
            return error(400, "bad_request", ["\(key): not a parameter of this endpoint"])
        }
        return nil
    }

    override func respond(context: ChannelHandlerContext, head: HTTPRequestHead, body: [UInt8]) {
        let headers = Self.headerMap(head)
        let result = head.method == .POST ? Self.validate(path: head.uri, headers: headers, body: body)
                                          : .failure(Self.error(405, "method_not_allowed", ["\(head.method) is not allowed"]))
        let recorded: JSONValue? = if case .success(let accepted) = result { .object(accepted.fields) } else { nil }
        recorder.record(RecordedRequest(method: "\(head.method)", path: head.uri, headers: headers, body: recorded))
        let accepted: Accepted
        switch result {
        case .failure(let rejection): return sendJSONValue(context: context, status: rejection.status, rejection.body)
        case .success(let value): accepted = value
        }
        if accepted.prompt.contains("[mock:error-500]") {
            let failure = Self.error(500, "internal_error", ["An unexpected server error occurred, please try again."])
            return sendJSONValue(context: context, status: failure.status, failure.body)
        }
        if accepted.prompt.contains("[mock:error-429]") {
            let failure = Self.error(429, "rate_limit_exceeded", ["You have exceeded the rate limit of 150 requests within a 10 second period."])
            return sendJSONValue(context: context, status: failure.status, failure.body, headers: [("retry-after", "1")])
        }
        if accepted.prompt.contains("[mock:moderated]") {
            let failure = Self.error(403, "content_moderation", ["Your request was flagged by our content moderation system."])
            return sendJSONValue(context: context, status: failure.status, failure.body)
        }
        let finishReason = accepted.prompt.contains("[mock:filtered]") ? "CONTENT_FILTERED" : "SUCCESS"
        if accepted.json {
            sendJSONValue(context: context, status: 200, ["image": .string(MockMedia.pngBase64), "finish_reason": .string(finishReason), "seed": 1_234_567])
        } else {
            sendBytes(context: context, status: 200, headers: [("content-type", "image/png"), ("finish-reason", finishReason), ("seed", "1234567")],
                      MockStabilityUpstream.png)
        }
    }
}
