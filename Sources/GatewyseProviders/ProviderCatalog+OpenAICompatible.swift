import GatewyseCore

/// The providers that speak the OpenAI Chat Completions format, as data. Each quirk cites
/// `shared/reference/providers.md` (section numbers in the comments).
extension ProviderCatalog {
    public static let openAICompatible: [ProviderCatalogEntry] = [
        entry("openai", "OpenAI", "https://api.openai.com/v1", key: "OPENAI_API_KEY",
              [.chat, .completions, .embeddings, .images, .audio, .tts, .moderation]) {
            $0.servesImageEdits = true
        },

        // §5: 400 on logprobs / logit_bias / top_logprobs / messages[].name; n must be 1.
        // Transcription without `vtt` / `srt`.
        entry("groq", "Groq", "https://api.groq.com/openai/v1", key: "GROQ_API_KEY", [.chat, .completions, .audio, .tts]) {
            $0.droppedParameters = ["logprobs", "logit_bias", "top_logprobs"]
            $0.unsupportedTranscriptionFormats = ["vtt", "srt"]
            $0.dropsMessageName = true
            $0.maximumChoices = 1
        },

        // §8: OpenAI format at the root (`/v1` optional); `reasoning_content` on messages and deltas
        // passes through both ways; finish reason `insufficient_system_resource` kept as sent.
        entry("deepseek", "DeepSeek", "https://api.deepseek.com", key: "DEEPSEEK_API_KEY", [.chat, .completions]) {
            $0.supportsVision = false
        },

        // §9: finish reason `eos` means `stop`; `/audio/transcriptions` but no translations listed.
        entry("together", "Together AI", "https://api.together.xyz/v1", key: "TOGETHER_API_KEY",
              [.chat, .completions, .embeddings, .images, .audio, .tts, .rerank]) {
            $0.finishReasonMap = ["eos": "stop"]
            $0.servesAudioTranslations = false
        },

        // §10: no function calling; stop / logit_bias / logprobs / seed unsupported; chat at the root.
        entry("perplexity", "Perplexity", "https://api.perplexity.ai", key: "PERPLEXITY_API_KEY", [.chat]) {
            $0.supportsTools = false
            $0.droppedParameters = ["stop", "logit_bias", "logprobs", "top_logprobs", "seed"]
            $0.supportsStreamUsageOption = false
        },

        // §11: images through the FLUX workflow endpoint, transcriptions on a separate audio
        // host (both UNCONFIRMED in the reference; the host is Fireworks' documented one for
        // whisper-v3, `providers[].audio_base_url` overrides it). Capabilities by model.
        entry("fireworks", "Fireworks AI", "https://api.fireworks.ai/inference/v1", key: "FIREWORKS_API_KEY",
              [.chat, .completions, .embeddings, .images, .audio]) {
            $0.imageWire = .fireworksWorkflow
            $0.defaultAudioBaseURL = "https://audio-prod.us-virginia-1.direct.fireworks.ai/v1"
        }.serving(.fireworks),

        entry("xai", "xAI", "https://api.x.ai/v1", key: "XAI_API_KEY", [.chat, .completions, .images]),

        // §16: 400 on frequency/presence penalty, logit_bias, parallel_tool_calls, service_tier;
        // tool_choice limited to auto/none.
        entry("cerebras", "Cerebras", "https://api.cerebras.ai/v1", key: "CEREBRAS_API_KEY", [.chat, .completions]) {
            $0.droppedParameters = ["frequency_penalty", "presence_penalty", "logit_bias", "parallel_tool_calls", "service_tier"]
            $0.supportedToolChoices = ["auto", "none"]
            $0.supportsVision = false
        },

        entry("sambanova", "SambaNova", "https://api.sambanova.ai/v1", key: "SAMBANOVA_API_KEY",
              [.chat, .completions, .embeddings, .audio]),

        // §6: `random_seed` for `seed`; `tool_choice: "any"` for required; tool-call ids must be
        // [a-zA-Z0-9]{9}; finish reason `model_length` means `length`; usage arrives unasked.
        // Mistral refuses fields it does not know with 422 `extra_forbidden` (seen in public bug
        // reports for `max_completion_tokens`, `stream_options.include_usage` and
        // `messages[].name`), so those are renamed or dropped even when the client sent them.
        entry("mistral", "Mistral AI", "https://api.mistral.ai/v1", key: "MISTRAL_API_KEY",
              [.chat, .embeddings, .audio, .moderation]) {
            $0.renamedParameters = ["seed": "random_seed", "max_completion_tokens": "max_tokens"]
            $0.droppedParameters = ["stream_options"]
            $0.dropsMessageName = true
            $0.requiredToolChoiceValue = "any"
            $0.requiresNineCharacterToolCallIDs = true
            $0.finishReasonMap = ["model_length": "length"]
            $0.supportsStreamUsageOption = false
            $0.servesAudioTranslations = false  // Voxtral `/audio/transcriptions` only
        },

        // §13: OpenAI-shaped chat at /studio/v1; `documents` passes through as an extra field.
        entry("ai21", "AI21 Labs", "https://api.ai21.com/studio/v1", key: "AI21_API_KEY", [.chat]) {
            $0.supportsVision = false
            $0.supportsStreamUsageOption = false
        },

        // §14: the Inference Providers router; features depend on the backing provider.
        entry("huggingface", "Hugging Face", "https://router.huggingface.co/v1", key: "HF_TOKEN", [.chat]) {
            $0.supportsStreamUsageOption = false
        },

        // §21: optional `--api-key`; extra sampling fields (top_k, min_p, …) pass through.
        entry("vllm", "vLLM", "http://localhost:8000/v1", baseURL: "VLLM_BASE_URL",
              [.chat, .completions, .embeddings, .audio, .rerank]),

        entry("lmstudio", "LM Studio", "http://localhost:1234/v1", baseURL: "LMSTUDIO_BASE_URL", [.chat, .completions, .embeddings]),

        // §23: `/v1/audio/transcriptions` but no translations route.
        entry("localai", "LocalAI", "http://localhost:8080/v1", baseURL: "LOCALAI_BASE_URL",
              [.chat, .completions, .embeddings, .images, .audio, .tts, .rerank, .moderation]) {
            $0.servesAudioTranslations = false
        },

        // §25: a local Whisper server speaking OpenAI's audio routes (speaches, formerly
        // faster-whisper-server): transcriptions, translations and, for speaches, speech.
        // whisper.cpp's own `/inference` is another format: the native `whispercpp` entry.
        entry("whisper", "Local Whisper (OpenAI audio API)", "http://localhost:8000/v1", baseURL: "WHISPER_BASE_URL", [.audio, .tts]),

        entry("llamacpp", "llama.cpp server", "http://localhost:8080/v1", baseURL: "LLAMACPP_BASE_URL",
              [.chat, .completions, .embeddings, .rerank]),

        // §20: the `/v1` layer has no tool_choice, logit_bias, user or n.
        entry("ollama", "Ollama", "http://localhost:11434/v1", baseURL: "OLLAMA_BASE_URL", [.chat, .completions, .embeddings]) {
            $0.droppedParameters = ["tool_choice", "logit_bias", "user"]
            $0.maximumChoices = 1
        },

        // §4: api-key header; deployment URLs with api-version, or the /openai/v1 form. The base
        // URL names the resource, so the operator always gives it.
        ProviderCatalogEntry(type: "azure", displayName: "Azure OpenAI", defaultBaseURL: nil,
                             apiKeyVariable: nil, baseURLVariable: nil, auth: .header("api-key"),
                             capabilities: [.chat, .completions, .embeddings, .images, .audio, .tts],
                             quirks: { var q = OpenAICompatibleQuirks(); q.azureDeploymentURLs = true; q.servesImageEdits = true; return q }(),
                             isSelfHosted: false),

        // Any server speaking the OpenAI format; the operator gives the base URL.
        ProviderCatalogEntry(type: "openai-compatible", displayName: "OpenAI-compatible", defaultBaseURL: nil,
                             apiKeyVariable: nil, baseURLVariable: nil, auth: .bearer(optional: true),
                             capabilities: [.chat, .completions, .embeddings], quirks: OpenAICompatibleQuirks(), isSelfHosted: true),
    ]

    /// A hosted provider: key required.
    private static func entry(_ type: String, _ name: String, _ baseURL: String, key: String, _ capabilities: Set<Capability>,
                              _ configure: (inout OpenAICompatibleQuirks) -> Void = { _ in }) -> ProviderCatalogEntry {
        var quirks = OpenAICompatibleQuirks()
        configure(&quirks)
        return ProviderCatalogEntry(type: type, displayName: name, defaultBaseURL: baseURL, apiKeyVariable: key, baseURLVariable: nil,
                                    auth: .bearer(optional: false), capabilities: capabilities, quirks: quirks, isSelfHosted: false)
    }

    /// A self-hosted server: key optional, registered from the environment by its base URL.
    private static func entry(_ type: String, _ name: String, _ baseURL: String, baseURL variable: String, _ capabilities: Set<Capability>,
                              _ configure: (inout OpenAICompatibleQuirks) -> Void = { _ in }) -> ProviderCatalogEntry {
        var quirks = OpenAICompatibleQuirks()
        configure(&quirks)
        return ProviderCatalogEntry(type: type, displayName: name, defaultBaseURL: baseURL, apiKeyVariable: nil, baseURLVariable: variable,
                                    auth: .bearer(optional: true), capabilities: capabilities, quirks: quirks, isSelfHosted: true)
    }
}
