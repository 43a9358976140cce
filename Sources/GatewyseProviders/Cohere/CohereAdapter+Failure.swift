import GatewyseCore

// MARK: - Non-2xx answers (providers.md §7 "Errors")

extension CohereAdapter {
    /// Classifies a Cohere error `{"id": "…", "message": "…"}` with the shared status mapping
    /// (`UpstreamFailureClassifier`: 429 stays 429 and is retried, honouring a `Retry-After` if
    /// one comes — Cohere documents no rate-limit headers; 5xx → retryable 502; 401/403 →
    /// retryable 502 `UPSTREAM_AUTH_FAILED`; other 4xx, 499 "request cancelled" included, are
    /// returned as they are), plus one case of its own: 402 is the gateway's Cohere account
    /// out of credit, not the client's request, so it is a retryable 502 (as for Anthropic).
    /// The message keeps Cohere's words and request id, with the key scrubbed.
    public func parseFailure(status: Int, headers: [(String, String)], body: [UInt8]) -> UpstreamFailure {
        let summary = Self.errorSummary(body)
        if status == 402 {
            let detail = configuration.apiKey.map { $0.scrub(summary ?? "") } ?? (summary ?? "")
            return UpstreamFailure(
                error: GatewayError(status: 502, code: "UPSTREAM_BILLING_FAILED", type: "api_error",
                                    message: "Provider '\(providerID)' refused the gateway's account (HTTP 402): \(detail)"),
                retryable: true)
        }
        return UpstreamFailureClassifier.classify(providerID: providerID, status: status, headers: headers,
                                                  message: summary, secret: configuration.apiKey)
    }

    /// `invalid request: … (request 5d1c…)`; a body that is not Cohere's shape (a proxy's page)
    /// is read the tolerant OpenAI-style way.
    static func errorSummary(_ body: [UInt8]) -> String? {
        guard let json = try? JSONParser.parse(body), let message = json["message"]?.stringValue else {
            return UpstreamFailureClassifier.openAIStyleMessage(body)
        }
        guard let id = json["id"]?.stringValue, !id.isEmpty else { return message }
        return "\(message) (request \(id))"
    }
}
