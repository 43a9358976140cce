import GatewyseCore

/// What the mock does, chosen by the upstream `model` name.
enum MockScenario {
    /// "You said: <last user text>" (or "I see N image(s)").
    case echo
    /// The echo from a reasoning model with a warm prompt cache: usage with
    /// `completion_tokens_details.reasoning_tokens` (inside `completion_tokens`) and
    /// `prompt_tokens_details.cached_tokens` (inside `prompt_tokens`), as providers.md §1 gives it.
    case reasoning
    /// One tool call to the request's first tool (or `get_weather`).
    case toolCall
    /// Content `{"answer": 42}`.
    case json
    /// An HTTP error with an OpenAI error body.
    case error(status: Int, headers: [(String, String)], type: String, code: String, message: String)
    /// Waits before answering, to trip the gateway's first-byte timeout.
    case slow(milliseconds: Int)
    /// Closes the connection without answering.
    case reset
    /// A long stream: 50 pieces, one every 100 ms, to observe cancellation.
    case slowStream
    /// A stream whose head comes at once and whose first piece a second later (a slow first token).
    case slowFirstToken
    /// The benchmark's paced stream: 20 words and a finish, one frame every 5 ms (a model
    /// generating ~200 tokens a second), so a proxy's added pauses can be told from the upstream's.
    case pacedStream
    /// A stream that stops after two pieces, without finish or `[DONE]`.
    case truncatedStream
    /// A 200 stream of text that ends with OpenAI's in-band `{"error": …}` frame and no `[DONE]`,
    /// all in one write, so the text and the error reach the gateway in the same read.
    case failingStream

    static func forModel(_ model: String) -> MockScenario {
        switch model {
        case "mock-tool": .toolCall
        case "mock-json": .json
        case "mock-reasoning": .reasoning
        case "error-429": .error(status: 429, headers: [("Retry-After", "7"), ("x-ratelimit-remaining-requests", "0")],
                                 type: "requests", code: "rate_limit_exceeded", message: "Rate limit reached for requests")
        // Azure OpenAI's throttling answer: the hint in milliseconds (`retry-after-ms`) as well
        // as seconds, and Azure's message.
        case "azure-error-429": .error(status: 429, headers: [("retry-after-ms", "5000"), ("retry-after", "5"), ("x-ms-region", "East US")],
                                       type: "requests", code: "429",
                                       message: "Requests to the ChatCompletions_Create Operation under Azure OpenAI API version 2024-10-21 have exceeded token rate limit of your current OpenAI S0 pricing tier. Please retry after 5 seconds.")
        // Rate-limit hints no real provider sends, which a proxy or a broken upstream may:
        // numbers past any `Int`, to prove the gateway reads them without trapping.
        case "error-429-absurd": .error(status: 429, headers: [("Retry-After", "1e30"), ("retry-after-ms", "-1"),
                                                               ("x-ratelimit-remaining-requests", "0"), ("x-ratelimit-reset-requests", "9999999999h")],
                                        type: "requests", code: "rate_limit_exceeded", message: "Rate limit reached for requests")
        case "error-429-huge": .error(status: 429, headers: [("Retry-After", "99999999999999999999"), ("x-ratelimit-limit-requests", "99999999999999999999")],
                                      type: "requests", code: "rate_limit_exceeded", message: "Rate limit reached for requests")
        case "error-500": .error(status: 500, headers: [], type: "server_error", code: "internal_error", message: "The server had an error while processing your request.")
        case "error-503": .error(status: 503, headers: [], type: "server_error", code: "overloaded", message: "The engine is currently overloaded.")
        case "error-400": .error(status: 400, headers: [], type: "invalid_request_error", code: "invalid_value", message: "mock rejected the request")
        case "error-401": .error(status: 401, headers: [], type: "invalid_request_error", code: "invalid_api_key",
                                 message: "Incorrect API key provided: sk-mock-secret-123456. You can find your API key at https://platform.openai.com/account/api-keys.")
        case "slow": .slow(milliseconds: 3000)
        case "slow-short": .slow(milliseconds: 500)
        case "reset": .reset
        case "slow-stream": .slowStream
        case "slow-first-token": .slowFirstToken
        case "paced-stream": .pacedStream
        case "truncated-stream": .truncatedStream
        case "error-stream": .failingStream
        default: .echo
        }
    }
}

/// Builds the mock's JSON answers from a request body.
enum MockResponses {
    static let usage: JSONValue = ["prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15]

    /// `MockScenario.reasoning`'s usage: 2,000 prompt tokens of which 1,500 cached; 1,200
    /// completion tokens of which 1,000 reasoning.
    static let reasoningUsage: JSONValue = [
        "prompt_tokens": 2_000, "completion_tokens": 1_200, "total_tokens": 3_200,
        "prompt_tokens_details": ["cached_tokens": 1_500, "audio_tokens": 0],
        "completion_tokens_details": ["reasoning_tokens": 1_000, "audio_tokens": 0, "accepted_prediction_tokens": 0,
                                      "rejected_prediction_tokens": 0],
    ]

    static func echoText(_ body: JSONObject) -> String {
        guard let messages = body["messages"]?.arrayValue,
              let last = messages.last(where: { $0["role"]?.stringValue == "user" }) else { return "You said: " }
        if let text = last["content"]?.stringValue { return "You said: \(text)" }
        let parts = last["content"]?.arrayValue ?? []
        let images = parts.filter { $0["type"]?.stringValue == "image_url" }.count
        if images > 0 { return "I see \(images) image(s)" }
        return "You said: " + parts.compactMap { $0["text"]?.stringValue }.joined()
    }

    static func toolName(_ body: JSONObject) -> String {
        body["tools"]?.arrayValue?.first?["function"]?["name"]?.stringValue ?? "get_weather"
    }

    static let toolArguments = "{\"city\": \"Paris\"}"

    static func completion(model: String, message: JSONValue, finishReason: String, usage: JSONValue = usage) -> JSONValue {
        ["id": "chatcmpl-mock123", "object": "chat.completion", "created": 1_700_000_000, "model": .string(model),
         "system_fingerprint": "fp_mock",
         "choices": [["index": 0, "message": message, "logprobs": nil, "finish_reason": .string(finishReason)]],
         "usage": usage]
    }

    static func chunk(model: String, delta: JSONValue, finishReason: String? = nil) -> JSONValue {
        ["id": "chatcmpl-mock123", "object": "chat.completion.chunk", "created": 1_700_000_000, "model": .string(model),
         "system_fingerprint": "fp_mock",
         "choices": [["index": 0, "delta": delta, "logprobs": nil, "finish_reason": finishReason.map(JSONValue.string) ?? .null]]]
    }

    static func usageChunk(model: String, usage: JSONValue = usage) -> JSONValue {
        ["id": "chatcmpl-mock123", "object": "chat.completion.chunk", "created": 1_700_000_000, "model": .string(model),
         "choices": [], "usage": usage]
    }

    /// Splits text into word pieces that keep their spaces, as models stream them.
    static func pieces(_ text: String) -> [String] {
        var out: [String] = []
        var current = ""
        for character in text {
            current.append(character)
            if character == " " { out.append(current); current = "" }
        }
        if !current.isEmpty { out.append(current) }
        return out
    }
}
