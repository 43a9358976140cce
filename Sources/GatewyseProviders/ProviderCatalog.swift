import GatewyseCore

/// How a provider expects its key.
public enum AuthScheme: Sendable, Equatable {
    /// `Authorization: Bearer <key>`; `optional` when a local server may run without a key.
    case bearer(optional: Bool)
    /// A named header carrying the bare key (`api-key`, `x-api-key`).
    case header(String)
    /// AWS Signature Version 4 with access keys, or a service API key as a bearer token
    /// (Bedrock API keys); the signing happens in the adapter.
    case awsSigV4
}

/// Declarative differences of an OpenAI-compatible provider from OpenAI itself, read in one place
/// (`OpenAICompatibleAdapter`), so a new provider is data, not code (ARCHITECTURE rule 2).
public struct OpenAICompatibleQuirks: Sendable, Equatable {
    /// Top-level request fields the provider rejects; removed before sending.
    public var droppedParameters: Set<String> = []
    /// Top-level request fields the provider spells differently (`seed` → `random_seed`).
    public var renamedParameters: [String: String] = [:]
    /// The provider rejects `messages[].name`.
    public var dropsMessageName = false
    public var supportsTools = true
    public var supportsVision = true
    /// Largest `n` accepted; nil when the provider follows OpenAI.
    public var maximumChoices: Int?
    /// `tool_choice` values the provider accepts; nil means all of OpenAI's.
    public var supportedToolChoices: Set<String>?
    /// The provider's spelling of `tool_choice: "required"` (Mistral: `"any"`).
    public var requiredToolChoiceValue = "required"
    /// Tool-call ids must be exactly 9 ASCII letters or digits (Mistral).
    public var requiresNineCharacterToolCallIDs = false
    /// The provider honours `stream_options.include_usage`, so the gateway can always ask for the
    /// final usage chunk (and hide it from clients that did not).
    public var supportsStreamUsageOption = true
    /// Provider finish reasons mapped to OpenAI's (`eos` → `stop`).
    public var finishReasonMap: [String: String] = [:]
    /// Azure OpenAI's deployment URLs (providers.md §4): with a base ending in `/openai`, the
    /// model names a deployment — `/deployments/{model}/chat/completions?api-version=…`; a base
    /// ending in `/openai/v1` takes the plain OpenAI path.
    public var azureDeploymentURLs = false
    /// The provider has `/audio/transcriptions` but no `/audio/translations` (LocalAI, Together,
    /// Mistral list only the first: providers.md §23, §9, §6).
    public var servesAudioTranslations = true
    /// The provider has `/images/edits` (OpenAI and Azure: providers.md §1, §4; the others
    /// that make images document no edit route in OpenAI's form).
    public var servesImageEdits = false
    /// Transcription `response_format`s the provider refuses (Groq: `vtt`, `srt`; providers.md §5).
    public var unsupportedTranscriptionFormats: Set<String> = []
    /// How the provider makes images: OpenAI's `/images/generations`, or Fireworks' FLUX
    /// workflow endpoint (providers.md §11, `FireworksImagesWire`).
    public var imageWire: ImageWire = .openAI
    /// Where `/audio/transcriptions` and `/audio/translations` live when not under the base URL
    /// (Fireworks' separate audio host, providers.md §11); `providers[].audio_base_url` overrides it.
    public var defaultAudioBaseURL: String?

    public enum ImageWire: Sendable, Equatable {
        case openAI
        case fireworksWorkflow
    }

    public init() {}
}

/// One provider type in the catalog: everything the gateway needs to talk to it.
public struct ProviderCatalogEntry: Sendable {
    /// Config type id (`groq`).
    public var type: String
    public var displayName: String
    /// Documented base URL, version segment included where the docs write one; nil when the
    /// operator must give one (`openai-compatible`).
    public var defaultBaseURL: String?
    /// Environment variable holding the key, for auto-registration without a config file.
    public var apiKeyVariable: String?
    /// Environment variable holding the base URL of a self-hosted server, for auto-registration.
    public var baseURLVariable: String?
    public var auth: AuthScheme
    public var capabilities: Set<Capability>
    public var quirks: OpenAICompatibleQuirks
    /// Runs on the operator's own machine or network; such URLs may point at private addresses.
    public var isSelfHosted: Bool
    /// What each model serves when that differs by model (`ProviderCatalog+ModelCapabilities.swift`);
    /// nil: every model has the type's `capabilities`.
    public var modelCapabilities: ModelCapabilityRules? = nil

    /// Whether `api_key` is mandatory. Keyless self-hosted servers do without; AWS providers may
    /// use access keys instead (checked by the configuration validator).
    public var requiresAPIKey: Bool {
        switch auth {
        case .bearer(optional: true), .awsSigV4: false
        case .bearer, .header: true
        }
    }
}

/// The catalog: the provider types this build knows, by type id.
public enum ProviderCatalog {
    /// Type aliases accepted in configuration.
    public static let aliases: [String: String] = ["azure-openai": "azure", "google": "gemini", "llama.cpp": "llamacpp", "llama-cpp": "llamacpp", "lm-studio": "lmstudio", "hf": "huggingface", "together-ai": "together", "grok": "xai", "speaches": "whisper", "whisper-local": "whisper", "eleven-labs": "elevenlabs", "stability-ai": "stability", "stabilityai": "stability", "assembly-ai": "assemblyai", "comfy": "comfyui", "comfy-ui": "comfyui", "whisper.cpp": "whispercpp", "whisper-cpp": "whispercpp"]

    public static func entry(forType type: String) -> ProviderCatalogEntry? {
        let canonical = aliases[type] ?? type
        return openAICompatible.first { $0.type == canonical } ?? native.first { $0.type == canonical }
    }

    public static var knownTypes: [String] { openAICompatible.map(\.type) + native.map(\.type) }
}
