import GatewyseCore

// MARK: - Non-2xx answers (providers.md §3 "Errors")

extension GeminiAdapter {
    /// Classifies a Google RPC error `{"error":{"code","message","status","details":[…]}}` with
    /// the shared status mapping (`UpstreamFailureClassifier`: 429 stays 429, 5xx → retryable
    /// 502, 401/403 → retryable 502 `UPSTREAM_AUTH_FAILED`, other 4xx such as 400
    /// `INVALID_ARGUMENT` → 400 `UPSTREAM_REJECTED`), plus Gemini's own retry hint: Google sends
    /// it in the body (`google.rpc.RetryInfo.retryDelay`, a protobuf Duration such as `"7s"` or
    /// `"0.5s"`), not in a header, so it becomes `retryAfterSeconds` and the client's
    /// `Retry-After`. 503 `UNAVAILABLE` (overloaded) → `UPSTREAM_OVERLOADED`. The message keeps
    /// Google's status name, with the key scrubbed (Google echoes bad keys in some messages).
    public func parseFailure(status: Int, headers: [(String, String)], body: [UInt8]) -> UpstreamFailure {
        let error = GeminiErrorBody(body: body)
        var failure = UpstreamFailureClassifier.classify(providerID: providerID, status: status, headers: headers,
                                                         message: error.summary, secret: configuration.apiKey)
        if failure.retryAfterSeconds == nil, let delay = error.retryDelay {
            failure.retryAfterSeconds = delay
            if status == 429 { failure.error.headers.append(("Retry-After", UpstreamNumber.retryAfterValue(delay))) }
        }
        if status == 503 { failure.error.code = "UPSTREAM_OVERLOADED" }
        return failure
    }
}

/// The fields of a Google RPC error body.
struct GeminiErrorBody {
    var message: String?
    var status: String?
    var retryDelay: Double?

    init(body: [UInt8]) {
        guard let json = try? JSONParser.parse(body), let error = json["error"], error.objectValue != nil else {
            message = UpstreamFailureClassifier.openAIStyleMessage(body)
            return
        }
        message = error["message"]?.stringValue
        status = error["status"]?.stringValue
        for detail in error["details"]?.arrayValue ?? [] where detail["@type"]?.stringValue?.hasSuffix("google.rpc.RetryInfo") == true {
            retryDelay = detail["retryDelay"]?.stringValue.flatMap(Self.duration)
        }
    }

    /// `"7s"`, `"0.5s"`, `"34.123456s"` → seconds; anything else (`"-1s"`, `"1e30s"`,
    /// `"infs"`) is no hint, and an absurd wait is clamped (`UpstreamNumber`).
    static func duration(_ text: String) -> Double? {
        guard text.hasSuffix("s") else { return nil }
        return UpstreamNumber.delay(decimalSeconds: text.dropLast())
    }

    /// `Resource has been exhausted (RESOURCE_EXHAUSTED)`.
    var summary: String? {
        guard let message else { return status }
        return status.map { "\(message) (\($0))" } ?? message
    }
}
