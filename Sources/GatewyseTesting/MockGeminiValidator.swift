import GatewyseCore

/// Checks a `generateContent` request the way the real API does (providers.md §3), with its
/// messages: Google's `Invalid JSON payload received. Unknown name "…": Cannot find field.` for
/// unknown fields, `* GenerateContentRequest.<path>: <reason>` for semantic problems, and
/// `Please use a valid role: user, model.` for roles. A missing key is 403 PERMISSION_DENIED
/// ("unregistered callers"), as the API answers without `x-goog-api-key` or `?key=`.
enum MockGeminiValidator {
    struct Rejection: Error {
        var status = 400
        var rpcStatus = "INVALID_ARGUMENT"
        var message: String
    }

    /// Both spellings are accepted by the API (proto JSON mapping).
    static let topLevelFields: Set<String> = [
        "contents", "systemInstruction", "system_instruction", "tools", "toolConfig", "tool_config", "safetySettings",
        "safety_settings", "generationConfig", "generation_config", "cachedContent", "cached_content", "labels", "model",
    ]
    static let generationFields: Set<String> = [
        "temperature", "topP", "topK", "candidateCount", "maxOutputTokens", "stopSequences", "presencePenalty", "frequencyPenalty",
        "seed", "responseMimeType", "responseSchema", "responseJsonSchema", "responseModalities", "speechConfig", "thinkingConfig",
        "responseLogprobs", "logprobs", "mediaResolution", "imageConfig",
    ]

    static func validate(headers: [String: String], query: String, body: JSONValue?) -> Rejection? {
        if let rejection = keyRejection(headers: headers, query: query) { return rejection }
        guard let body = body?.objectValue else { return Rejection(message: "Invalid JSON payload received. Expected an object.") }
        do throws(Rejection) {
            for key in body.keys where !topLevelFields.contains(key) {
                throw Rejection(message: "Invalid JSON payload received. Unknown name \"\(key)\": Cannot find field.")
            }
            if let config = body["generationConfig"]?.objectValue {
                for key in config.keys where !generationFields.contains(key) {
                    throw Rejection(message: "Invalid JSON payload received. Unknown name \"\(key)\" at 'generation_config': Cannot find field.")
                }
            }
            guard let contents = body["contents"]?.arrayValue, !contents.isEmpty else {
                throw Rejection(message: "* GenerateContentRequest.contents: contents is not specified\n")
            }
            for (i, content) in contents.enumerated() { try validateContent(content, path: "contents[\(i)]", roleRequired: true) }
            if let system = body["systemInstruction"] { try validateContent(system, path: "system_instruction", roleRequired: false) }
            try validateTools(body["tools"])
        } catch {
            return error
        }
        return nil
    }

    /// Every method refuses a call without a key, before looking at the body.
    static func keyRejection(headers: [String: String], query: String) -> Rejection? {
        let hasKey = !(headers["x-goog-api-key"] ?? "").isEmpty || query.split(separator: "&").contains { $0.hasPrefix("key=") && $0.count > 4 }
        guard hasKey else {
            return Rejection(status: 403, rpcStatus: "PERMISSION_DENIED",
                             message: "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API.")
        }
        return nil
    }

    static func validateContent(_ content: JSONValue, path: String, roleRequired: Bool) throws(Rejection) {
        if roleRequired || content["role"] != nil {
            let role = content["role"]?.stringValue ?? ""
            guard role == "user" || role == "model" || (!roleRequired && role.isEmpty) else {
                throw Rejection(message: "Please use a valid role: user, model.")
            }
        }
        guard let parts = content["parts"]?.arrayValue, !parts.isEmpty else {
            throw Rejection(message: "* GenerateContentRequest.\(path).parts: contents.parts must not be empty.\n")
        }
        for (j, part) in parts.enumerated() {
            let partPath = "GenerateContentRequest.\(path).parts[\(j)]"
            let data = ["text", "inlineData", "fileData", "functionCall", "functionResponse", "executableCode", "codeExecutionResult"]
                .filter { part[$0] != nil }
            guard data.count == 1 else {
                throw Rejection(message: "* \(partPath).data: required oneof field 'data' must have one initialized field\n")
            }
            if let call = part["functionCall"], (call["name"]?.stringValue ?? "").isEmpty {
                throw Rejection(message: "* \(partPath).function_call.name: Name cannot be empty.\n")
            }
            if let response = part["functionResponse"] {
                if (response["name"]?.stringValue ?? "").isEmpty {
                    throw Rejection(message: "* \(partPath).function_response.name: Name cannot be empty.\n")
                }
                guard response["response"]?.objectValue != nil else {
                    throw Rejection(message: "Invalid JSON payload received. Unknown name \"response\" at '\(path).parts[\(j)].function_response': Proto field is not repeating, cannot start list.")
                }
            }
            if let inline = part["inlineData"], inline["mimeType"]?.stringValue == nil || inline["data"]?.stringValue == nil {
                throw Rejection(message: "* \(partPath).inline_data: mime_type and data are required\n")
            }
        }
    }

    static func validateTools(_ tools: JSONValue?) throws(Rejection) {
        guard let tools else { return }
        for (i, tool) in (tools.arrayValue ?? []).enumerated() {
            for (j, declaration) in (tool["functionDeclarations"]?.arrayValue ?? []).enumerated() {
                let path = "GenerateContentRequest.tools[\(i)].function_declarations[\(j)]"
                if (declaration["name"]?.stringValue ?? "").isEmpty { throw Rejection(message: "* \(path).name: Name cannot be empty.\n") }
                if let parameters = declaration["parameters"] { try validateSchema(parameters, path: "\(path).parameters") }
            }
        }
    }

    /// Gemini's `Schema` is an OpenAPI subset: JSON-Schema-only keywords are unknown fields.
    static func validateSchema(_ schema: JSONValue, path: String) throws(Rejection) {
        guard let object = schema.objectValue else { return }
        for key in ["additionalProperties", "$schema", "strict", "$ref", "$defs", "const", "oneOf"] where object[key] != nil {
            throw Rejection(message: "Invalid JSON payload received. Unknown name \"\(key)\" at '\(path)': Cannot find field.")
        }
        if object["type"]?.arrayValue != nil {
            throw Rejection(message: "Invalid JSON payload received. Proto field is not repeating, cannot start list at '\(path).type'.")
        }
        if object["type"] == "object", let properties = object["properties"]?.objectValue, properties.isEmpty {
            throw Rejection(message: "* \(path).properties: should be non-empty for OBJECT type\n")
        }
        for (name, property) in object["properties"]?.objectValue ?? JSONObject() { try validateSchema(property, path: "\(path).properties[\(name)]") }
        if let items = object["items"] { try validateSchema(items, path: "\(path).items") }
    }
}
