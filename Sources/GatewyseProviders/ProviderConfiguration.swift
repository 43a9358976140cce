import GatewyseCore

/// A validated, configured provider instance (one `providers[]` entry).
public struct ProviderConfiguration: Sendable {
    /// Operator-chosen id, used in `provider/model` addressing and `X-Provider`.
    public var id: String
    public var entry: ProviderCatalogEntry
    /// Base URL without a trailing slash.
    public var baseURL: String
    public var apiKey: Secret?
    /// Private and loopback upstream addresses are allowed (`allow_private_network`, self-hosted
    /// types by default); link-local and metadata addresses never are.
    public var allowPrivateNetwork = false
    /// Upstream models the operator declares (listed by `GET /v1/models`).
    public var models: [String]
    /// Extra headers sent with every request (`OpenAI-Organization`, `X-HF-Bill-To`, …).
    public var headers: [(String, String)]
    /// Azure OpenAI's `api-version` for deployment URLs (`providers[].api_version`).
    public var apiVersion: String?
    /// The AWS region (Bedrock): in the default base URL and the SigV4 scope.
    public var region: String?
    /// AWS access keys for SigV4 signing (Bedrock); without them a Bedrock `apiKey` is sent as
    /// a bearer token.
    public var awsCredentials: AWSCredentials?
    /// OpenAI voice names mapped to the provider's own voice ids (`providers[].voices`), for
    /// speech providers without OpenAI's names (ElevenLabs: providers.md §19).
    public var voices: [String: String] = [:]
    /// Workflow templates by upstream model name (`providers[].workflows`, ComfyUI: decision
    /// 0024): a ComfyUI "model" is the workflow it runs.
    public var workflows: [String: ComfyUIWorkflow] = [:]
    /// Where audio transcriptions go when the provider serves them from another host than its
    /// base URL (`providers[].audio_base_url`; Fireworks: providers.md §11), without a trailing
    /// slash; nil: the catalog's `defaultAudioBaseURL`, else the base URL.
    public var audioBaseURL: String?

    public init(id: String, entry: ProviderCatalogEntry, baseURL: String, apiKey: Secret?, models: [String] = [], headers: [(String, String)] = [],
                apiVersion: String? = nil) {
        self.apiVersion = apiVersion
        self.id = id
        self.entry = entry
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.apiKey = apiKey
        self.models = models
        self.headers = headers
    }
}

/// The one place that switches on provider identity (ARCHITECTURE rule 3).
public enum ProviderRegistry {
    public static func makeAdapter(for configuration: ProviderConfiguration) -> any ProviderAdapter {
        switch configuration.entry.type {
        case "anthropic": AnthropicAdapter(configuration: configuration)
        case "gemini": GeminiAdapter(configuration: configuration)
        case "bedrock": BedrockAdapter(configuration: configuration)
        case "cohere": CohereAdapter(configuration: configuration)
        case "elevenlabs": ElevenLabsAdapter(configuration: configuration)
        case "stability": StabilityAdapter(configuration: configuration)
        case "assemblyai": AssemblyAIAdapter(configuration: configuration)
        case "replicate": ReplicateAdapter(configuration: configuration)
        case "comfyui": ComfyUIAdapter(configuration: configuration)
        case "whispercpp": WhisperCppAdapter(configuration: configuration)
        default: OpenAICompatibleAdapter(configuration: configuration)
        }
    }
}
