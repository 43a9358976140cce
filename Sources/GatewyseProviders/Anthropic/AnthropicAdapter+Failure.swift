import GatewyseCore

// MARK: - Non-2xx answers (providers.md §2 "Errors", "Rate-limit headers"; §4.1 "Errors")

extension AnthropicAdapter {
    /// Classifies an Anthropic error with the shared status mapping (`UpstreamFailureClassifier`:
    /// 429 stays 429 with `Retry-After`, 5xx → retryable 502, 401/403 → retryable 502
    /// `UPSTREAM_AUTH_FAILED`, other 4xx returned as they are), plus Anthropic's own cases:
    /// - 529 `overloaded_error` → retryable 502 `UPSTREAM_OVERLOADED`;
    /// - 402 `billing_error` is the gateway's account, not the client's request → retryable 502;
    /// - a 429 without `retry-after` takes its hint from the exhausted counters'
    ///   `anthropic-ratelimit-*-reset` times (RFC 3339);
    /// - a 429 for the monthly spend cap (`error.details.error_code ==
    ///   "enforced_spend_limit_reached"`, UNCONFIRMED wording in providers.md §2) is not retried.
    /// The message keeps Anthropic's error type and request id, with the key scrubbed.
    public func parseFailure(status: Int, headers: [(String, String)], body: [UInt8]) -> UpstreamFailure {
        let error = AnthropicErrorBody(body: body, headers: headers)
        var failure = UpstreamFailureClassifier.classify(providerID: providerID, status: status, headers: headers,
                                                         message: error.summary, secret: configuration.apiKey)
        switch status {
        case 529:
            failure.error.code = "UPSTREAM_OVERLOADED"
            failure.retryable = true
        case 402:
            let detail = configuration.apiKey.map { $0.scrub(error.summary ?? "") } ?? (error.summary ?? "")
            failure = UpstreamFailure(
                error: GatewayError(status: 502, code: "UPSTREAM_BILLING_FAILED", type: "api_error",
                                    message: "Provider '\(providerID)' refused the gateway's account (HTTP 402): \(detail)"),
                retryable: true)
        case 429:
            if error.errorCode == "enforced_spend_limit_reached" { failure.retryable = false }
            if failure.retryAfterSeconds == nil, let wait = Self.rateLimitResetDelay(headers, now: now()) {
                failure.retryAfterSeconds = wait
                failure.error.headers.append(("Retry-After", UpstreamNumber.retryAfterValue(wait)))
            }
        default:
            break
        }
        return failure
    }

    /// Seconds until every exhausted counter (`anthropic-ratelimit-<counter>-remaining: 0`) has
    /// reset, from the matching `-reset` timestamps; nil when none is exhausted.
    static func rateLimitResetDelay(_ headers: [(String, String)], now: Double) -> Double? {
        var remaining: [String: String] = [:]
        var resets: [String: String] = [:]
        let prefix = "anthropic-ratelimit-"
        for (rawName, value) in headers {
            let name = rawName.lowercased()
            guard name.hasPrefix(prefix) else { continue }
            let rest = name.dropFirst(prefix.count)
            if rest.hasSuffix("-remaining") { remaining[String(rest.dropLast("-remaining".count))] = value.trimmingSpaces }
            if rest.hasSuffix("-reset") { resets[String(rest.dropLast("-reset".count))] = value.trimmingSpaces }
        }
        var wait: Double?
        for (counter, left) in remaining where left == "0" {
            guard let reset = resets[counter].flatMap(RFC3339Timestamp.secondsSince1970) else { continue }
            wait = max(wait ?? 0, max(0, reset - now))
        }
        // A reset years away (or a clock far behind) is still at most a day's wait.
        return UpstreamNumber.delay(wait)
    }
}

/// The fields of `{"type":"error","error":{"type","message","details"?},"request_id"}`.
struct AnthropicErrorBody {
    var type: String?
    var message: String?
    var errorCode: String?
    var requestID: String?

    init(body: [UInt8], headers: [(String, String)]) {
        requestID = headers.first { $0.0.lowercased() == "request-id" }?.1
        guard let json = try? JSONParser.parse(body) else {
            // A proxy's HTML page or plain text: keep a short excerpt.
            message = UpstreamFailureClassifier.openAIStyleMessage(body)
            return
        }
        type = json["error"]?["type"]?.stringValue
        message = json["error"]?["message"]?.stringValue ?? UpstreamFailureClassifier.openAIStyleMessage(body)
        errorCode = json["error"]?["details"]?["error_code"]?.stringValue
        requestID = json["request_id"]?.stringValue ?? requestID
    }

    /// `Overloaded (overloaded_error, request req_…)`.
    var summary: String? {
        guard let message else { return type }
        let notes = [type, requestID.map { "request \($0)" }].compactMap { $0 }
        return notes.isEmpty ? message : "\(message) (\(notes.joined(separator: ", ")))"
    }
}
