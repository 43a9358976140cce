import GatewyseCore

// MARK: - Non-2xx answers

extension BedrockAdapter {
    /// Classifies a Bedrock error: the body is `{"message": "…"}` and the error's name is in the
    /// `x-amzn-ErrorType` header (`ThrottlingException:http://internal.amazon.com/…`). The shared
    /// status mapping (`UpstreamFailureClassifier`) applies, corrected where Bedrock's status
    /// says less than its name:
    /// - `ServiceQuotaExceededException` and `ModelNotReadyException` are capacity problems, so
    ///   they are treated as 429s (retryable, another deployment may have room);
    /// - `ModelErrorException` (424: the model itself failed) is a retryable 502;
    /// - 403 `AccessDeniedException`, `UnrecognizedClientException`, signature and token errors
    ///   are the gateway's credentials, not the client's: 502 and the next provider (decision 0002).
    /// The message is prefixed with the error name; the secret and the session token never appear.
    public func parseFailure(status: Int, headers: [(String, String)], body: [UInt8]) -> UpstreamFailure {
        let errorType = Self.errorType(headers: headers, body: body)
        var message = (try? JSONParser.parse(body)).flatMap { $0["message"]?.stringValue ?? $0["Message"]?.stringValue }
            ?? UpstreamFailureClassifier.openAIStyleMessage(body)
        if let errorType { message = message.map { "\(errorType): \($0)" } ?? errorType }
        if let token = configuration.awsCredentials?.sessionToken { message = message.map(token.scrub) }
        let secret = configuration.awsCredentials?.secretAccessKey ?? configuration.apiKey
        var effectiveStatus = status
        switch errorType {
        case "ThrottlingException"?, "ServiceQuotaExceededException"?, "ModelNotReadyException"?: effectiveStatus = 429
        case "ModelErrorException"?: effectiveStatus = 502
        default: break
        }
        return UpstreamFailureClassifier.classify(providerID: providerID, status: effectiveStatus, headers: headers, message: message, secret: secret)
    }

    /// The error's short name, from `x-amzn-ErrorType` (everything before `:`) or the body's
    /// `__type` (`com.amazon.coral.service#…`).
    static func errorType(headers: [(String, String)], body: [UInt8]) -> String? {
        if let header = headers.first(where: { $0.0.lowercased() == "x-amzn-errortype" })?.1 {
            return String(header.split(separator: ":", maxSplits: 1).first ?? Substring(header))
        }
        if let type = (try? JSONParser.parse(body))?["__type"]?.stringValue {
            return String(type.split(separator: "#").last ?? Substring(type))
        }
        return nil
    }
}
