import GatewyseCore

/// Maps an upstream's non-2xx status to what the client sees and whether to try again
/// (product-spec §2.16): 429 stays 429 with `Retry-After`; 5xx and 529 become 502 and are
/// retryable; 408 becomes 504; 401/403 mean the gateway's provider key is wrong — not the
/// client's — so they become 502 and the next provider is tried; other 4xx describe the request
/// itself and are returned with their status, unretried.
public enum UpstreamFailureClassifier {
    public static func classify(providerID: String, status: Int, headers: [(String, String)], message: String?, secret: Secret?) -> UpstreamFailure {
        let detail = secret.map { $0.scrub(message ?? "") } ?? (message ?? "")
        let suffix = detail.isEmpty ? "" : ": \(detail)"
        let retryAfter = retryAfterSeconds(headers)
        switch status {
        case 429:
            var responseHeaders: [(String, String)] = []
            if let retryAfter { responseHeaders.append(("Retry-After", UpstreamNumber.retryAfterValue(retryAfter))) }
            return UpstreamFailure(
                error: GatewayError(status: 429, code: "UPSTREAM_RATE_LIMITED", type: "rate_limit_error",
                                    message: "Provider '\(providerID)' is rate limiting requests\(suffix)", headers: responseHeaders),
                retryable: true, retryAfterSeconds: retryAfter)
        case 408:
            return UpstreamFailure(error: .upstreamTimeout(providerID), retryable: true)
        case 401, 403:
            return UpstreamFailure(
                error: GatewayError(status: 502, code: "UPSTREAM_AUTH_FAILED", type: "api_error",
                                    message: "Provider '\(providerID)' rejected the gateway's credentials (HTTP \(status))\(suffix)"),
                retryable: true)
        case 400..<500:
            let type = status == 404 ? "invalid_request_error" : "invalid_request_error"
            return UpstreamFailure(
                error: GatewayError(status: status, code: "UPSTREAM_REJECTED", type: type,
                                    message: "Provider '\(providerID)' rejected the request (HTTP \(status))\(suffix)"),
                retryable: false)
        default:
            return UpstreamFailure(
                error: GatewayError(status: 502, code: "UPSTREAM_ERROR", type: "api_error",
                                    message: "Provider '\(providerID)' failed (HTTP \(status))\(suffix)"),
                retryable: true, retryAfterSeconds: retryAfter)
        }
    }

    /// `retry-after-ms` (Azure) wins over `retry-after` in seconds; malformed, negative or
    /// non-finite values are ignored and absurd ones clamped (`RetryAfterHeader`).
    public static func retryAfterSeconds(_ headers: [(String, String)]) -> Double? {
        RetryAfterHeader.seconds(in: headers)
    }

    /// The human message of an OpenAI-style error body, tolerant of the variants providers send:
    /// `{"error":{"message"}}`, `{"error":"…"}`, `{"message"}`, `{"detail"}` (FastAPI), and
    /// Mistral's 422 whose `message` is an object (`{"detail":[…]}`, providers.md §6), written
    /// out as JSON so the field it names reaches the client.
    public static func openAIStyleMessage(_ body: [UInt8]) -> String? {
        guard let json = try? JSONParser.parse(body) else {
            let text = String(decoding: body.prefix(300), as: UTF8.self).trimmingSpaces
            return text.isEmpty ? nil : text
        }
        if let message = json["error"]?["message"]?.stringValue { return message }
        if let message = json["error"]?.stringValue { return message }
        if let message = json["message"] {
            if let text = message.stringValue { return text }
            if message.objectValue != nil || message.arrayValue != nil { return JSONWriter.string(message) }
        }
        if let detail = json["detail"] {
            return detail.stringValue ?? JSONWriter.string(detail)
        }
        return nil
    }
}

extension String {
    var trimmingSpaces: String {
        var s = Substring(self)
        while let first = s.first, first.isWhitespace { s.removeFirst() }
        while let last = s.last, last.isWhitespace { s.removeLast() }
        return String(s)
    }
}
