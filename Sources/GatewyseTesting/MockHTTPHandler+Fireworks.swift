import GatewyseCore
import NIOCore
import NIOHTTP1

// MARK: - Fireworks' FLUX workflow endpoint (providers.md §11; Fireworks API reference)

extension MockHTTPHandler {
    /// `POST …/workflows/accounts/{account}/models/{model}/text_to_image`.
    static func isFireworksWorkflow(_ path: String) -> Bool {
        path.contains("/workflows/accounts/") && path.hasSuffix("/text_to_image")
    }

    /// The fields the endpoint documents; anything else is refused, as a strict schema would
    /// (Fireworks' behaviour for unknown fields is not documented: the mock errs on strict, so
    /// the gateway is shown to send only these).
    static let fireworksImageFields: Set<String> = ["prompt", "aspect_ratio", "guidance_scale", "num_inference_steps", "seed"]
    static let fireworksAspectRatios: Set<String> = ["1:1", "21:9", "16:9", "3:2", "5:4", "4:5", "2:3", "9:16", "9:21", "4:3", "3:4"]

    /// A bearer key is required (401 otherwise); the body must be a JSON object with a `prompt`
    /// (400); `aspect_ratio` one of the documented values. `Accept: application/json` answers
    /// `{id, base64, finishReason, seed}`; `image/png` or `image/jpeg` the bytes with
    /// `Finish-Reason` and `Seed` headers. A prompt containing "unsafe" is `CONTENT_FILTERED`.
    /// The model `flux-error-500` (and the other `flux-<scenario>` names) plays the chat
    /// route's scenario of that name.
    func fireworksImage(context: ChannelHandlerContext, path: String, headers: [String: String], body: JSONValue?) {
        if let rejection = Self.fireworksImageRejection(headers: headers, body: body) {
            return sendError(context: context, status: rejection.status, type: "invalid_request_error", code: nil, message: rejection.message,
                             param: rejection.param)
        }
        let prompt = body?["prompt"]?.stringValue ?? ""
        let object = body?.objectValue ?? JSONObject()
        let accept = headers["accept"] ?? "image/jpeg"
        let filtered = prompt.contains("unsafe")
        let seed = object["seed"]?.intValue ?? 1234
        let answer: @Sendable (ChannelHandlerContext) -> Void = { context in
            let finish = filtered ? "CONTENT_FILTERED" : "SUCCESS"
            if accept == "application/json" {
                self.sendJSON(context: context, status: .ok, ["id": "flux-mock-1", "base64": .string(MockMedia.pngBase64), "finishReason": .string(finish),
                                                              "seed": .int(seed)])
            } else {
                let bytes = Base64.decode(MockMedia.pngBase64) ?? []
                let headers = HTTPHeaders([("Content-Type", accept), ("Content-Length", String(bytes.count)), ("Finish-Reason", finish), ("Seed", String(seed))])
                context.write(self.wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .ok, headers: headers))), promise: nil)
                context.write(self.wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: bytes)))), promise: nil)
                context.writeAndFlush(self.wrapOutboundOut(.end(nil)), promise: nil)
            }
        }
        let model = path.split(separator: "/").dropLast().last.map(String.init) ?? ""
        let scenario = MockScenario.forModel(model.hasPrefix("flux-") ? String(model.dropFirst("flux-".count)) : model)
        if playFailure(scenario, context: context, answer: answer) { return }
        answer(context)
    }

    /// Why the endpoint refuses a call, or nil: no bearer key (401), a body that is not an
    /// object, an unknown field, no `prompt`, an undocumented `aspect_ratio` (400), an `Accept`
    /// it has no answer in (406).
    static func fireworksImageRejection(headers: [String: String], body: JSONValue?) -> (status: Int, message: String, param: String?)? {
        guard let authorization = headers["authorization"], authorization.hasPrefix("Bearer "), authorization.count > 7 else {
            return (401, "Unauthorized", nil)
        }
        guard let object = body?.objectValue else { return (400, "Request body must be a JSON object.", nil) }
        for key in object.keys where !fireworksImageFields.contains(key) { return (400, "Extra inputs are not permitted: '\(key)'", key) }
        guard let prompt = object["prompt"]?.stringValue, !prompt.isEmpty else { return (400, "Field required: 'prompt'", "prompt") }
        if let ratio = object["aspect_ratio"], !fireworksAspectRatios.contains(ratio.stringValue ?? "") {
            return (400, "Input should be one of the supported aspect ratios: 'aspect_ratio'", "aspect_ratio")
        }
        let accept = headers["accept"] ?? "image/jpeg"
        guard ["application/json", "image/png", "image/jpeg"].contains(accept) else { return (406, "Unsupported Accept '\(accept)'.", nil) }
        return nil
    }
}

extension MockOpenAIUpstream {
    /// The message the Fireworks workflow endpoint of the mock would refuse this call with
    /// (header names lower-cased), or nil when it is valid.
    public static func fireworksImageValidationError(headers: [String: String], body: JSONValue?) -> String? {
        MockHTTPHandler.fireworksImageRejection(headers: headers, body: body)?.message
    }
}
