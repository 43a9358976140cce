import GatewyseCore
@testable import GatewyseProviders
import GatewyseTesting
import Testing

/// One media conformance case: a catalog provider type, a media capability it offers and a
/// model that serves it (`MediaConformanceTests` runs the checks).
struct MediaCase: Sendable, CustomTestStringConvertible {
    var provider: String
    var capability: Capability
    var model: String
    var testDescription: String { "\(provider) \(capability.rawValue) \(model)" }
}

/// The case table and how each provider is configured for it. Every (provider type, media
/// capability) the catalog declares must have a row, and for types whose capabilities depend
/// on the model, every model rule that grants a media capability must have one
/// (`MediaConformanceCoverageTests`).
enum MediaConformance {
    static let key = "conformance-key-3f9a"
    static let mediaCapabilities: [Capability] = [.images, .audio, .tts, .videoGeneration]

    static let cases: [MediaCase] = [
        MediaCase(provider: "openai", capability: .images, model: "gpt-image-1"),
        MediaCase(provider: "openai", capability: .audio, model: "whisper-1"),
        MediaCase(provider: "openai", capability: .tts, model: "gpt-4o-mini-tts"),
        MediaCase(provider: "azure", capability: .images, model: "dalle-deployment"),
        MediaCase(provider: "azure", capability: .audio, model: "whisper-deployment"),
        MediaCase(provider: "azure", capability: .tts, model: "tts-deployment"),
        MediaCase(provider: "groq", capability: .audio, model: "whisper-large-v3-turbo"),
        MediaCase(provider: "groq", capability: .tts, model: "playai-tts"),
        MediaCase(provider: "together", capability: .images, model: "black-forest-labs/FLUX.1-schnell"),
        MediaCase(provider: "together", capability: .audio, model: "openai/whisper-large-v3"),
        MediaCase(provider: "together", capability: .tts, model: "cartesia/sonic-2"),
        MediaCase(provider: "fireworks", capability: .images, model: "accounts/fireworks/models/flux-1-schnell-fp8"),
        MediaCase(provider: "fireworks", capability: .audio, model: "whisper-v3"),
        MediaCase(provider: "xai", capability: .images, model: "grok-2-image"),
        MediaCase(provider: "sambanova", capability: .audio, model: "Whisper-Large-v3"),
        MediaCase(provider: "mistral", capability: .audio, model: "voxtral-mini-latest"),
        MediaCase(provider: "vllm", capability: .audio, model: "openai/whisper-large-v3"),
        MediaCase(provider: "localai", capability: .images, model: "stablediffusion"),
        MediaCase(provider: "localai", capability: .audio, model: "whisper-1"),
        MediaCase(provider: "localai", capability: .tts, model: "tts-1"),
        MediaCase(provider: "whisper", capability: .audio, model: "Systran/faster-whisper-small"),
        MediaCase(provider: "whisper", capability: .tts, model: "speaches-ai/Kokoro-82M-v1.0-ONNX"),
        MediaCase(provider: "gemini", capability: .images, model: "imagen-4.0-generate-001"),
        MediaCase(provider: "gemini", capability: .images, model: "gemini-2.5-flash-image"),
        MediaCase(provider: "gemini", capability: .tts, model: "gemini-2.5-flash-preview-tts"),
        MediaCase(provider: "elevenlabs", capability: .tts, model: "eleven_multilingual_v2"),
        // A speech model of another name (ElevenLabs' rule `otherwise`). Every speech model
        // ElevenLabs lists today is `eleven_*`, so a name the validating mock knows stands in.
        MediaCase(provider: "elevenlabs", capability: .tts, model: "mock-slow"),
        MediaCase(provider: "elevenlabs", capability: .audio, model: "scribe_v1"),
        MediaCase(provider: "whispercpp", capability: .audio, model: "whisper-1"),
        MediaCase(provider: "stability", capability: .images, model: "sd3.5-large"),
        MediaCase(provider: "assemblyai", capability: .audio, model: "universal-2"),
        MediaCase(provider: "replicate", capability: .images, model: "black-forest-labs/flux-schnell"),
        MediaCase(provider: "replicate", capability: .videoGeneration, model: "minimax/hailuo-02"),
        MediaCase(provider: "replicate", capability: .tts, model: "minimax/speech-02-turbo"),
        MediaCase(provider: "replicate", capability: .tts, model: "jaaari/kokoro-82m"),
        MediaCase(provider: "replicate", capability: .audio, model: "openai/whisper"),
        MediaCase(provider: "comfyui", capability: .images, model: "sdxl"),
    ]

    static var catalog: [ProviderCatalogEntry] { ProviderCatalog.openAICompatible + ProviderCatalog.native }

    /// The provider as an operator would configure it: the catalog's documented base URL (an
    /// Azure resource for Azure, which has none), the key, and what the type needs besides —
    /// Azure's `api-version`, ElevenLabs' voice for `alloy`, ComfyUI's `sdxl` workflow, and for
    /// a MiniMax speech model on Replicate a MiniMax voice for `alloy` (Kokoro has its own
    /// `af_alloy`, which a configured mapping would replace).
    static func configuration(_ provider: String, model: String? = nil) throws -> ProviderConfiguration {
        let entry = try #require(ProviderCatalog.entry(forType: provider), "\(provider) is no catalog type")
        var configuration = ProviderConfiguration(id: provider, entry: entry, baseURL: entry.defaultBaseURL ?? "https://conformance.openai.azure.com/openai",
                                                  apiKey: Secret(key))
        switch provider {
        case "azure": configuration.apiVersion = "2024-10-21"
        case "elevenlabs": configuration.voices = ["alloy": "21m00Tcm4TlvDq8ikWAM"]
        case "comfyui": configuration.workflows = ["sdxl": try ComfyUIWorkflow.parse(MockComfyUIUpstream.workflowTemplate).get()]
        case "replicate" where model?.hasPrefix("minimax/speech-") == true: configuration.voices = ["alloy": "Wise_Woman"]
        default: break
        }
        return configuration
    }

    static func adapter(_ provider: String, model: String? = nil) throws -> any ProviderAdapter {
        ProviderRegistry.makeAdapter(for: try configuration(provider, model: model))
    }

    /// Whether `model` falls under rule `index` of `rules` (the first rule it matches), or under
    /// `otherwise` when `index` is nil.
    static func model(_ model: String, fallsUnder index: Int?, of rules: ModelCapabilityRules) -> Bool {
        let first = rules.rules.firstIndex { rule in
            switch rule.match {
            case .prefix(let text): model.hasPrefix(text)
            case .contains(let text): model.contains(text)
            }
        }
        return first == index
    }
}

/// The guard: a provider cannot offer a media capability without a conformance case for it.
@Suite("Conformance: every media capability in the catalog has a case")
struct MediaConformanceCoverageTests {
    @Test func everyMediaCapabilityHasACase() {
        for entry in MediaConformance.catalog {
            for capability in MediaConformance.mediaCapabilities where entry.capabilities.contains(capability) {
                let cases = MediaConformance.cases.filter { $0.provider == entry.type && $0.capability == capability }
                if cases.isEmpty { Issue.record("(\(entry.type), \(capability.rawValue)) has no media conformance case") }
            }
        }
    }

    /// Where capabilities differ by model (Gemini's Imagen and `*-tts`, Fireworks' FLUX and
    /// Whisper), each rule that grants a media capability needs a case whose model that rule decides.
    @Test func everyModelRuleThatGrantsMediaHasACase() {
        for entry in MediaConformance.catalog {
            guard let rules = entry.modelCapabilities else { continue }
            let decided: [(Int?, Set<Capability>, String)] = rules.rules.enumerated().map { ($0.offset, $0.element.capabilities, "\($0.element.match)") }
                + [(nil, rules.otherwise, "otherwise")]
            for (index, granted, name) in decided {
                for capability in MediaConformance.mediaCapabilities where granted.contains(capability) && entry.capabilities.contains(capability) {
                    let covered = MediaConformance.cases.contains {
                        $0.provider == entry.type && $0.capability == capability && MediaConformance.model($0.model, fallsUnder: index, of: rules)
                    }
                    if !covered { Issue.record("(\(entry.type), \(capability.rawValue)) has no case for models of rule \(name)") }
                }
            }
        }
    }

    @Test func everyCaseNamesACatalogCapabilityOnce() {
        var seen: Set<String> = []
        for item in MediaConformance.cases {
            guard let entry = ProviderCatalog.entry(forType: item.provider), entry.type == item.provider else {
                Issue.record("\(item.provider) is no canonical catalog type")
                continue
            }
            #expect(MediaConformance.mediaCapabilities.contains(item.capability), "\(item.testDescription) is no media capability")
            #expect(entry.capabilities(forModel: item.model).contains(item.capability), "\(item.testDescription): the catalog says the model does not serve it")
            #expect(seen.insert(item.testDescription).inserted, "\(item.testDescription) is listed twice")
        }
    }
}
