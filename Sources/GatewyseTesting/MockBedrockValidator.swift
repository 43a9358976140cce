import GatewyseCore
import GatewyseProviders

/// Why the mock Bedrock refuses a request: the HTTP status, the AWS error name (sent in
/// `x-amzn-ErrorType`) and the message.
struct MockBedrockRejection: Sendable {
    var status: Int
    var type: String
    var message: String
}

/// Authentication and request validation as the real Bedrock runtime does them, with its
/// messages: SigV4 or a bearer API key first, then the Converse body.
enum MockBedrockValidator {
    static let allowedTopLevel: Set<String> = ["messages", "system", "inferenceConfig", "toolConfig", "guardrailConfig", "additionalModelRequestFields",
                                               "additionalModelResponseFieldPaths", "promptVariables", "requestMetadata", "performanceConfig"]
    static let blockKinds: Set<String> = ["text", "image", "document", "video", "toolUse", "toolResult", "reasoningContent", "guardContent", "cachePoint"]
    static let imageFormats: Set<String> = ["png", "jpeg", "gif", "webp"]

    // MARK: Authentication

    static func authenticate(method: String, uri: String, headers: [String: String], body: [UInt8]) -> MockBedrockRejection? {
        guard let authorization = headers["authorization"] else {
            return MockBedrockRejection(status: 403, type: "MissingAuthenticationTokenException", message: "Missing Authentication Token")
        }
        if authorization.hasPrefix("Bearer ") {
            guard ConstantTime.equals(Array(authorization.dropFirst(7).utf8), Array(MockBedrockUpstream.apiKey.utf8)) else {
                return MockBedrockRejection(status: 403, type: "UnrecognizedClientException", message: "Invalid API Key format: Must start with pre-defined prefix")
            }
            return nil
        }
        let credentials = MockBedrockUpstream.credentials
        guard authorization.hasPrefix("AWS4-HMAC-SHA256 Credential=\(credentials.accessKeyID)/") else {
            return MockBedrockRejection(status: 403, type: "UnrecognizedClientException", message: "The security token included in the request is invalid.")
        }
        guard headers["x-amz-security-token"] == nil else {
            return MockBedrockRejection(status: 403, type: "UnrecognizedClientException", message: "The security token included in the request is invalid.")
        }
        guard let date = headers["x-amz-date"], let signedAt = parseAmzDate(date) else {
            return MockBedrockRejection(status: 403, type: "IncompleteSignatureException", message: "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.")
        }
        let now = AnthropicAdapter.systemTime()
        if abs(now - signedAt) > 300 {
            return MockBedrockRejection(status: 403, type: "InvalidSignatureException",
                                        message: "Signature expired: \(date) is now earlier than the allowed window (5 minutes).")
        }
        let signer = AWSSigV4Signer(credentials: credentials, region: MockBedrockUpstream.region, service: "bedrock")
        let others = headers.filter { $0.key != "authorization" && $0.key != "x-amz-date" && $0.key != "host" }.map { ($0.key, $0.value) }
        let expected = signer.signatureHeaders(method: method, url: "http://\(headers["host"] ?? "")\(uri)", headers: others, body: body, now: signedAt)
        guard expected.last?.1 == authorization else {
            return MockBedrockRejection(status: 403, type: "InvalidSignatureException", message:
                "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.")
        }
        return nil
    }

    /// `20261124T123600Z` → seconds since 1970.
    static func parseAmzDate(_ text: String) -> Double? {
        let digits = Array(text.utf8)
        guard digits.count == 16, digits[8] == UInt8(ascii: "T"), digits[15] == UInt8(ascii: "Z") else { return nil }
        func number(_ range: Range<Int>) -> Int? { Int(String(decoding: digits[range], as: UTF8.self)) }
        guard let year = number(0..<4), let month = number(4..<6), let day = number(6..<8),
              let hour = number(9..<11), let minute = number(11..<13), let second = number(13..<15) else { return nil }
        // Days from 1970-01-01 to the civil date (proleptic Gregorian).
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        let days = era * 146_097 + dayOfEra - 719_468
        return Double(days * 86400 + hour * 3600 + minute * 60 + second)
    }

    static func percentDecode(_ text: String) -> String {
        var out: [UInt8] = []
        var bytes = Array(text.utf8)[...]
        while let byte = bytes.popFirst() {
            if byte == UInt8(ascii: "%"), bytes.count >= 2, let value = UInt8(String(decoding: bytes.prefix(2), as: UTF8.self), radix: 16) {
                out.append(value)
                bytes = bytes.dropFirst(2)
            } else {
                out.append(byte)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    // MARK: The Converse body

    static func validate(body: JSONValue?) -> MockBedrockRejection? {
        func invalid(_ message: String) -> MockBedrockRejection { MockBedrockRejection(status: 400, type: "ValidationException", message: message) }
        guard let object = body?.objectValue else { return invalid("Malformed input request, please reformat your input and try again.") }
        for key in object.keys where !allowedTopLevel.contains(key) {
            return invalid("Malformed input request: extraneous key [\(key)] is not permitted, please reformat your input and try again.")
        }
        guard let messages = object["messages"]?.arrayValue else { return invalid("Malformed input request: required key [messages] not found, please reformat your input and try again.") }
        guard !messages.isEmpty else { return invalid("The messages field is empty. Add at least one message and try again.") }
        var usesTools = false
        var previousToolUseIDs: Set<String> = []
        for (i, message) in messages.enumerated() {
            guard let role = message["role"]?.stringValue, role == "user" || role == "assistant" else {
                return invalid("messages.\(i).role: must be one of [user, assistant].")
            }
            if i == 0, role != "user" { return invalid("A conversation must start with a user message. Try again with a conversation that starts with a user message.") }
            if i > 0, messages[i - 1]["role"]?.stringValue == role {
                return invalid("A conversation must alternate between user and assistant roles. Make sure the conversation alternates between user and assistant roles and try again.")
            }
            guard let content = message["content"]?.arrayValue, !content.isEmpty else { return invalid("messages.\(i).content: must contain at least one content block.") }
            var toolUseIDs: Set<String> = []
            for (j, block) in content.enumerated() {
                let path = "messages.\(i).content.\(j)"
                guard let blockObject = block.objectValue, blockObject.count == 1, let kind = blockObject.keys.first, blockKinds.contains(kind) else {
                    return invalid("\(path): a content block must have exactly one of \(blockKinds.sorted().joined(separator: ", ")).")
                }
                if let problem = validateBlock(kind, blockObject[kind] ?? .null, path: path, role: role, answering: previousToolUseIDs) { return invalid(problem) }
                if kind == "toolUse" || kind == "toolResult" { usesTools = true }
                if kind == "toolUse", let id = block["toolUse"]?["toolUseId"]?.stringValue { toolUseIDs.insert(id) }
            }
            previousToolUseIDs = toolUseIDs
        }
        for (i, block) in (object["system"]?.arrayValue ?? []).enumerated() where (block["text"]?.stringValue ?? "").isEmpty && block["cachePoint"] == nil {
            return invalid("system.\(i): the text field is blank.")
        }
        if let problem = validateInference(object["inferenceConfig"]) { return invalid(problem) }
        if let toolConfig = object["toolConfig"] {
            if let problem = validateToolConfig(toolConfig) { return invalid(problem) }
        } else if usesTools {
            return invalid("The toolConfig field must be defined when using toolUse and toolResult content blocks.")
        }
        return nil
    }

    static func validateBlock(_ kind: String, _ value: JSONValue, path: String, role: String, answering toolUseIDs: Set<String>) -> String? {
        switch kind {
        case "text":
            guard let text = value.stringValue, !text.allSatisfy(\.isWhitespace) else {
                return "The text field in the ContentBlock object at \(path) is blank. Add text to the text field, and try again."
            }
        case "image":
            guard let format = value["format"]?.stringValue, imageFormats.contains(format) else { return "\(path).image.format: must be one of png, jpeg, gif, webp." }
            guard value["source"]?["bytes"]?.stringValue != nil || value["source"]?["s3Location"] != nil else { return "\(path).image.source: bytes or s3Location required." }
        case "document":
            guard value["format"]?.stringValue != nil, value["name"]?.stringValue != nil, value["source"] != nil else { return "\(path).document: format, name and source are required." }
        case "toolUse":
            guard role == "assistant" else { return "\(path): toolUse blocks are only allowed in assistant messages." }
            guard value["toolUseId"]?.stringValue != nil, value["name"]?.stringValue != nil, value["input"]?.objectValue != nil else {
                return "\(path).toolUse: toolUseId, name and an input object are required."
            }
        case "toolResult":
            guard role == "user" else { return "\(path): toolResult blocks are only allowed in user messages." }
            guard let id = value["toolUseId"]?.stringValue, toolUseIDs.contains(id) else {
                return "The toolUseId \(value["toolUseId"]?.stringValue ?? "") at \(path) does not match a toolUse block in the previous assistant message."
            }
            guard let content = value["content"]?.arrayValue, content.allSatisfy({ $0["text"]?.stringValue != nil || $0["json"] != nil || $0["image"] != nil || $0["document"] != nil }) else {
                return "\(path).toolResult.content: a list of text, json, image or document blocks is required."
            }
        default:
            break
        }
        return nil
    }

    static func validateInference(_ value: JSONValue?) -> String? {
        guard let value else { return nil }
        guard let config = value.objectValue else { return "inferenceConfig: must be an object." }
        for key in config.keys where !["maxTokens", "temperature", "topP", "stopSequences"].contains(key) {
            return "Malformed input request: extraneous key [\(key)] is not permitted, please reformat your input and try again."
        }
        if let maxTokens = config["maxTokens"], (maxTokens.intValue ?? 0) < 1 { return "inferenceConfig.maxTokens: must be an integer of at least 1." }
        if let temperature = config["temperature"], !(0...1).contains(temperature.doubleValue ?? -1) { return "inferenceConfig.temperature: must be between 0 and 1." }
        if let topP = config["topP"], !(0...1).contains(topP.doubleValue ?? -1) { return "inferenceConfig.topP: must be between 0 and 1." }
        if let stop = config["stopSequences"], !(stop.arrayValue?.allSatisfy { $0.stringValue != nil } ?? false) { return "inferenceConfig.stopSequences: must be a list of strings." }
        return nil
    }

    static func validateToolConfig(_ value: JSONValue) -> String? {
        guard let tools = value["tools"]?.arrayValue, !tools.isEmpty else { return "toolConfig.tools: at least one tool is required." }
        var names: Set<String> = []
        for (i, tool) in tools.enumerated() {
            guard let spec = tool["toolSpec"], let name = spec["name"]?.stringValue, !name.isEmpty else { return "toolConfig.tools.\(i).toolSpec.name: required." }
            guard spec["inputSchema"]?["json"]?.objectValue != nil else { return "toolConfig.tools.\(i).toolSpec.inputSchema.json: a JSON schema object is required." }
            names.insert(name)
        }
        if let choice = value["toolChoice"] {
            guard let object = choice.objectValue, object.count == 1, let kind = object.keys.first, ["auto", "any", "tool"].contains(kind) else {
                return "toolConfig.toolChoice: must have exactly one of auto, any, tool."
            }
            if kind == "tool", !names.contains(choice["tool"]?["name"]?.stringValue ?? "") { return "toolConfig.toolChoice.tool.name: must name one of the tools." }
        }
        return nil
    }
}
