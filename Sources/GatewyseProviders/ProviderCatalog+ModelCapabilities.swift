import GatewyseCore

/// What each model of a provider type can serve, when that differs by model: Gemini's Imagen
/// models only make images and its `*-tts` models only speak (providers.md §3); Fireworks' FLUX
/// models only make images and its Whisper models only transcribe (§11); Replicate's speech and
/// Whisper models only speak or transcribe (§12). Data, read once per
/// route candidate (`RouteCandidate.modelCapabilities`) and by `GET /v1/models`: a request sent
/// to a model without its capability is skipped with that reason, and a route with nothing left
/// is a 400 naming the capability.
public struct ModelCapabilityRules: Sendable {
    /// How a rule recognizes a model name.
    public enum Match: Sendable {
        case prefix(String)
        case contains(String)
    }

    /// The first rule that matches a model gives its capabilities.
    public var rules: [(match: Match, capabilities: Set<Capability>)]
    /// The capabilities of a model no rule matches.
    public var otherwise: Set<Capability>

    public init(_ rules: [(match: Match, capabilities: Set<Capability>)], otherwise: Set<Capability>) {
        self.rules = rules
        self.otherwise = otherwise
    }

    public func capabilities(forModel model: String) -> Set<Capability> {
        for rule in rules {
            switch rule.match {
            case .prefix(let text) where model.hasPrefix(text): return rule.capabilities
            case .contains(let text) where model.contains(text): return rule.capabilities
            default: continue
            }
        }
        return otherwise
    }
}

extension ProviderCatalogEntry {
    /// What `model` can serve: its rule's capabilities within the type's, or the type's own
    /// when the type has no rules.
    public func capabilities(forModel model: String) -> Set<Capability> {
        guard let modelCapabilities else { return capabilities }
        return modelCapabilities.capabilities(forModel: model).intersection(capabilities)
    }

    /// This entry with per-model capabilities.
    func serving(_ rules: ModelCapabilityRules) -> ProviderCatalogEntry {
        var entry = self
        entry.modelCapabilities = rules
        return entry
    }
}

extension ModelCapabilityRules {
    /// Gemini (providers.md §3): `imagen-*` make images through `:predict`; `*-tts` models
    /// speak; `gemini-*-image*` ("Nano Banana") chat and make images through generateContent;
    /// `*embedding*` models embed; every other model chats (and keeps embeddings, as the type
    /// always listed, so an operator's own embedding model names still route).
    public static let gemini = ModelCapabilityRules([
        (.prefix("imagen-"), [.images]),
        (.contains("-tts"), [.tts]),
        (.contains("-image"), [.chat, .images]),
        (.contains("embedding"), [.embeddings]),
    ], otherwise: [.chat, .embeddings])

    /// Fireworks (providers.md §11): FLUX models make images (the workflow endpoint), Whisper
    /// models transcribe (the audio host); the rest chat, complete and embed. Model ids may be
    /// short (`flux-1-schnell-fp8`) or full (`accounts/fireworks/models/…`): both contain the name.
    public static let fireworks = ModelCapabilityRules([
        (.contains("flux"), [.images]),
        (.contains("whisper"), [.audio]),
    ], otherwise: [.chat, .completions, .embeddings])

    /// ElevenLabs (providers.md §19): Scribe models (`scribe_v1`, `scribe_v2`) transcribe,
    /// `eleven_*` models speak. A model of another name speaks: every speech-to-text model
    /// ElevenLabs has is a Scribe, while its speech models have had other names, so a new or
    /// older voice model still routes and a transcription is never sent to one.
    public static let elevenLabs = ModelCapabilityRules([
        (.prefix("scribe"), [.audio]),
        (.prefix("eleven_"), [.tts]),
    ], otherwise: [.tts])

    /// Replicate (providers.md §12, decisions/0028): the text-to-speech models whose inputs the
    /// gateway knows (`ReplicateWire.speechModel`) speak, Whisper models transcribe, and every
    /// other model makes images or video (as before audio was served). A deployment's name says
    /// nothing about what it runs, so one named like a speech model is still refused by the
    /// adapter, which knows no deployment's inputs.
    public static let replicate = ModelCapabilityRules([
        (.prefix("minimax/speech-"), [.tts]),
        (.prefix("jaaari/kokoro-"), [.tts]),
        (.contains("whisper"), [.audio]),
    ], otherwise: [.images, .videoGeneration])
}
