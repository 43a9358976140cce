import GatewyseCore

/// What `MockGeminiUpstream` does, chosen by the model in the URL (`/v1beta/models/<model>:…`).
/// `error-429` RESOURCE_EXHAUSTED with `RetryInfo` 7 s, `error-500` INTERNAL, `error-503`
/// UNAVAILABLE, `error-400` INVALID_ARGUMENT; `gemini-tool` calls the request's first function
/// with `{"city":"Paris"}`, `gemini-parallel-tools` calls the first two; `gemini-thinking` adds a
/// thought part and signs its function call; `gemini-blocked` blocks the prompt (SAFETY);
/// anything else echoes.
enum MockGeminiScenario {
    case error(status: Int, rpcStatus: String, message: String, details: [JSONValue])
    /// A list of candidate parts and a finish reason; `nil` parts = blocked prompt.
    case reply(parts: [JSONValue]?, finishReason: String, thoughts: Int)

    static func forRequest(model: String, body: JSONObject) -> MockGeminiScenario {
        if let failure = failure(model: model) { return failure }
        return reply(model: model, body: body)
    }

    /// The error models, shared by every method (generateContent, embedContent…).
    /// A model named `<anything>-error-500` plays `error-500` too, so a media model (an
    /// `imagen-…` or `…-tts` name, which routing requires for those capabilities) can fail.
    static func failure(model: String) -> MockGeminiScenario? {
        let errors = ["error-429", "error-500", "error-503", "error-400"]
        switch errors.first(where: { model.hasSuffix("-" + $0) }) ?? model {
        case "error-429":
            return .error(status: 429, rpcStatus: "RESOURCE_EXHAUSTED",
                          message: "You exceeded your current quota, please check your plan and billing details.",
                          details: [["@type": "type.googleapis.com/google.rpc.QuotaFailure",
                                     "violations": [["quotaMetric": "generativelanguage.googleapis.com/generate_content_free_tier_requests",
                                                     "quotaId": "GenerateRequestsPerMinutePerProjectPerModel-FreeTier"]]],
                                    ["@type": "type.googleapis.com/google.rpc.Help", "links": [["description": "Learn more about Gemini API quotas",
                                                                                                 "url": "https://ai.google.dev/gemini-api/docs/rate-limits"]]],
                                    ["@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "7s"]])
        case "error-500": return .error(status: 500, rpcStatus: "INTERNAL", message: "An internal error has occurred.", details: [])
        case "error-503": return .error(status: 503, rpcStatus: "UNAVAILABLE", message: "The model is overloaded. Please try again later.", details: [])
        case "error-400": return .error(status: 400, rpcStatus: "INVALID_ARGUMENT", message: "mock rejected the request", details: [])
        default: return nil
        }
    }

    static func reply(model: String, body: JSONObject) -> MockGeminiScenario {
        if model == "gemini-blocked" { return .reply(parts: nil, finishReason: "", thoughts: 0) }
        let functions = (body["tools"]?.arrayValue ?? []).flatMap { $0["functionDeclarations"]?.arrayValue ?? [] }
            .compactMap { $0["name"]?.stringValue }
        let thinking = model == "gemini-thinking"
        let mode = body["toolConfig"]?["functionCallingConfig"]?["mode"]?.stringValue
        if model == "gemini-tool" || model == "gemini-parallel-tools" || (mode == "ANY" && !functions.isEmpty) {
            let allowed = body["toolConfig"]?["functionCallingConfig"]?["allowedFunctionNames"]?.arrayValue?.first?.stringValue
            let first = allowed ?? functions.first ?? "get_weather"
            var parts: [JSONValue] = [["functionCall": ["name": .string(first), "args": ["city": "Paris"]]]]
            if model == "gemini-parallel-tools" {
                let second = functions.count > 1 ? functions[1] : first
                parts.append(["functionCall": ["name": .string(second), "args": ["city": "London"]]])
            }
            return .reply(parts: parts, finishReason: "STOP", thoughts: 0)
        }
        var parts: [JSONValue] = [["text": .string(echoText(body))]]
        if thinking {
            parts.insert(["text": "The user greets me; answer briefly.", "thought": true], at: 0)
            if !functions.isEmpty {
                parts = [["functionCall": ["name": .string(functions[0]), "args": ["city": "Paris"]], "thoughtSignature": "c2lnX21vY2tfZ2VtaW5p"]]
            }
        }
        return .reply(parts: parts, finishReason: "STOP", thoughts: thinking ? 7 : 0)
    }

    /// "You said: <last user text>", "I see N image(s)", or "The tool said: <result>".
    static func echoText(_ body: JSONObject) -> String {
        guard let last = body["contents"]?.arrayValue?.last(where: { $0["role"] == "user" }) else { return "You said: " }
        let parts = last["parts"]?.arrayValue ?? []
        let media = parts.filter { $0["inlineData"] != nil || $0["fileData"] != nil }.count
        if media > 0 { return "I see \(media) image(s)" }
        let text = parts.compactMap { $0["text"]?.stringValue }.joined()
        if text.isEmpty, let response = parts.last(where: { $0["functionResponse"] != nil })?["functionResponse"]?["response"] {
            return "The tool said: " + (response["result"]?.stringValue ?? JSONWriter.string(response))
        }
        return "You said: \(text)"
    }
}

/// The mock's answers in Gemini's shapes (providers.md §3 "Response", "Streaming").
enum MockGeminiResponses {
    static let responseID = "mock-gemini-response-1"

    static func usage(thoughts: Int, blocked: Bool = false) -> JSONValue {
        if blocked { return ["promptTokenCount": 10, "totalTokenCount": 10] }
        var usage = JSONObject([("promptTokenCount", 10), ("candidatesTokenCount", 5), ("totalTokenCount", .int(15 + thoughts))])
        if thoughts > 0 { usage["thoughtsTokenCount"] = .int(thoughts) }
        return .object(usage)
    }

    static func response(parts: [JSONValue]?, finishReason: String, thoughts: Int, model: String) -> JSONValue {
        guard let parts else {
            return ["promptFeedback": ["blockReason": "SAFETY", "safetyRatings": [["category": "HARM_CATEGORY_DANGEROUS_CONTENT", "probability": "HIGH"]]],
                    "usageMetadata": usage(thoughts: 0, blocked: true), "modelVersion": .string(model), "responseId": .string(responseID)]
        }
        return ["candidates": [["content": ["role": "model", "parts": .array(parts)], "finishReason": .string(finishReason), "index": 0]],
                "usageMetadata": usage(thoughts: thoughts), "modelVersion": .string(model), "responseId": .string(responseID)]
    }

    /// Stream frames: text split in word pieces (one frame each), function calls whole in one
    /// frame, the last frame with `finishReason` and `usageMetadata`.
    static func streamFrames(parts: [JSONValue]?, finishReason: String, thoughts: Int, model: String) -> [JSONValue] {
        guard let parts else { return [response(parts: nil, finishReason: "", thoughts: 0, model: model)] }
        var pieces: [JSONValue] = []
        for part in parts {
            if let text = part["text"]?.stringValue, part["thought"] == nil {
                pieces += MockResponses.pieces(text).map { ["text": .string($0)] }
            } else {
                pieces.append(part)
            }
        }
        if pieces.isEmpty { pieces = [["text": ""]] }
        return pieces.enumerated().map { i, part in
            var candidate = JSONObject([("content", ["role": "model", "parts": [part]]), ("index", 0)])
            var frame = JSONObject()
            let last = i == pieces.count - 1
            if last { candidate["finishReason"] = .string(finishReason) }
            frame["candidates"] = [.object(candidate)]
            if last { frame["usageMetadata"] = usage(thoughts: thoughts) }
            frame["modelVersion"] = .string(model)
            frame["responseId"] = .string(responseID)
            return .object(frame)
        }
    }
}
