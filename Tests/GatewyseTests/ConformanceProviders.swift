import GatewyseCore
import GatewyseProviders
import GatewyseTesting
import Testing

/// A provider under test, built from `Fixtures/<provider>/provider.json`:
///
///     {"type": "azure", "id": "azure", "base_url": "…", "api_key": "…", "upstream_model": "…",
///      "api_version"?: "…", "region"?: "…", "aws_access_key_id"?: "…", "aws_secret_access_key"?: "…",
///      "headers"?: [[name, value]], "wire_rules"?: {…}}
///
/// Native adapters get the suite's fixed clock and id source (`now`, `responseID`), since their
/// answers carry no timestamp (and Bedrock's signature depends on the time).
struct ConformanceProvider {
    static let now = 1_795_523_760.0  // 2026-11-24T12:36:00Z
    static let responseID = "chatcmpl-conformance"

    var name: String
    var configuration: ProviderConfiguration
    var upstreamModel: String
    var adapter: any ProviderAdapter
    /// Secrets that must never appear in what the client sees.
    var secrets: [String]
    var rules: ConformanceWireRules

    init(_ name: String) throws {
        let settings = try ConformanceFixtures.providerSettings(name)
        guard let type = settings["type"]?.stringValue, let entry = ProviderCatalog.entry(forType: type) else {
            throw FixtureError("\(name)/provider.json: 'type' must name a catalog entry")
        }
        guard let baseURL = settings["base_url"]?.stringValue, let model = settings["upstream_model"]?.stringValue else {
            throw FixtureError("\(name)/provider.json needs base_url and upstream_model")
        }
        let key = settings["api_key"]?.stringValue
        var configuration = ProviderConfiguration(id: settings["id"]?.stringValue ?? name, entry: entry, baseURL: baseURL,
                                                  apiKey: key.map(Secret.init), headers: try ConformanceFixtures.headers(settings["headers"]),
                                                  apiVersion: settings["api_version"]?.stringValue)
        configuration.region = settings["region"]?.stringValue
        var secrets = key.map { [$0] } ?? []
        if let accessKey = settings["aws_access_key_id"]?.stringValue, let secret = settings["aws_secret_access_key"]?.stringValue {
            configuration.awsCredentials = AWSCredentials(accessKeyID: accessKey, secretAccessKey: Secret(secret))
            secrets.append(secret)
        }
        self.name = name
        self.configuration = configuration
        self.upstreamModel = model
        self.secrets = secrets
        self.rules = ConformanceWireRules(settings["wire_rules"])
        self.adapter = Self.makeAdapter(configuration)
    }

    /// The adapter `ProviderRegistry` would build, with the fixed clock where it takes one.
    static func makeAdapter(_ configuration: ProviderConfiguration) -> any ProviderAdapter {
        let clock: @Sendable () -> Double = { now }
        switch ProviderRegistry.makeAdapter(for: configuration) {
        case is AnthropicAdapter: return AnthropicAdapter(configuration: configuration, now: clock)
        case is GeminiAdapter: return GeminiAdapter(configuration: configuration, now: clock)
        case is CohereAdapter: return CohereAdapter(configuration: configuration, now: clock)
        case is BedrockAdapter: return BedrockAdapter(configuration: configuration, now: clock, makeID: { responseID })
        case let adapter: return adapter
        }
    }

    /// The refusal the provider's validating mock would send for this upstream request, if the
    /// provider has one (OpenAI-format providers are checked by `rules` instead).
    func mockValidationError(_ request: UpstreamRequest, body: JSONValue) -> String? {
        var headers: [String: String] = [:]
        for (name, value) in request.headers { headers[name.lowercased()] = value }
        switch adapter {
        case is AnthropicAdapter: return MockAnthropicUpstream.validationError(headers: headers, body: body)
        case is GeminiAdapter:
            let query = request.url.split(separator: "?", maxSplits: 1).dropFirst().first.map(String.init) ?? ""
            return MockGeminiUpstream.validationError(headers: headers, query: query, body: body)
        case is CohereAdapter: return MockCohereUpstream.validationError(headers: headers, body: body)
        case is BedrockAdapter: return MockBedrockUpstream.validationError(body: body)
        default: return nil
        }
    }
}

/// Constraints a provider documents for OpenAI-format bodies (providers.md §5 Groq, §6 Mistral),
/// checked independently of the adapter's quirks so a wrong golden file cannot hide a field
/// the provider would refuse:
///
///     {"forbidden_fields": ["logprobs"], "forbidden_message_fields": ["name"],
///      "tool_call_id_characters": "alphanumeric", "tool_call_id_length": 9}
struct ConformanceWireRules {
    var forbiddenFields: [String] = []
    var forbiddenMessageFields: [String] = []
    var toolCallIDLength: Int?

    init(_ value: JSONValue?) {
        forbiddenFields = value?["forbidden_fields"]?.arrayValue?.compactMap(\.stringValue) ?? []
        forbiddenMessageFields = value?["forbidden_message_fields"]?.arrayValue?.compactMap(\.stringValue) ?? []
        toolCallIDLength = value?["tool_call_id_length"]?.intValue
    }

    /// Every violation in an upstream body.
    func violations(_ body: JSONValue) -> [String] {
        var out: [String] = []
        for field in forbiddenFields where body[field] != nil { out.append("'\(field)' is refused by the provider") }
        for (i, message) in (body["messages"]?.arrayValue ?? []).enumerated() {
            for field in forbiddenMessageFields where message[field] != nil { out.append("'messages[\(i)].\(field)' is refused by the provider") }
            guard let length = toolCallIDLength else { continue }
            var ids = (message["tool_calls"]?.arrayValue ?? []).compactMap { $0["id"]?.stringValue }
            if let id = message["tool_call_id"]?.stringValue { ids.append(id) }
            for id in ids where id.count != length || !id.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }) {
                out.append("tool-call id '\(id)' in messages[\(i)] is not \(length) ASCII letters or digits")
            }
        }
        return out
    }
}
