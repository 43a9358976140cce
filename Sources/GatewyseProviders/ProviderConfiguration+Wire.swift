import GatewyseCore

/// Pieces every adapter needs from its configuration, written once.
extension ProviderConfiguration {
    /// The credential header the catalog entry prescribes (`Authorization: Bearer`, `x-api-key`,
    /// `api-key`, `x-goog-api-key`), or nothing for a keyless self-hosted server.
    public var credentialHeaders: [(String, String)] {
        guard let key = apiKey, !key.isEmpty else { return [] }
        switch entry.auth {
        case .bearer, .awsSigV4: return [("Authorization", "Bearer \(key.revealed)")]
        case .header(let name): return [(name, key.revealed)]
        }
    }
}

/// OpenAI tool-call arguments are a JSON string; native formats (Anthropic `input`, Gemini
/// `args`) want an object.
enum ToolArguments {
    /// The arguments as a JSON object: empty means `{}`; anything that does not parse to an
    /// object is the client's error, named by `path`.
    static func object(_ arguments: String, path: String, provider: String) throws(GatewayError) -> JSONValue {
        if arguments.allSatisfy(\.isWhitespace) { return .object(JSONObject()) }
        let value: JSONValue
        do { value = try JSONParser.parse(arguments) } catch {
            throw .invalidRequest("Field '\(path)' is not valid JSON (\(error.description)); \(provider) needs tool-call arguments as a JSON object.",
                                  param: path, code: "INVALID_FIELD")
        }
        guard case .object = value else {
            throw .invalidRequest("Field '\(path)' must encode a JSON object, got \(value.typeName); \(provider) needs tool-call arguments as a JSON object.",
                                  param: path, code: "INVALID_FIELD")
        }
        return value
    }
}
