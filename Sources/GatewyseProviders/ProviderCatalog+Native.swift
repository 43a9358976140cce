import GatewyseCore

/// Providers with their own wire format, as data. Each has an adapter folder (`Anthropic/`, …)
/// and is chosen by `ProviderRegistry.makeAdapter`; their `quirks` are unused (they apply to
/// OpenAI-compatible providers only).
extension ProviderCatalog {
    /// The native-format provider types, looked up after the OpenAI-compatible ones.
    public static let native: [ProviderCatalogEntry] = [
        // providers.md §2: base without a version segment (the adapter appends `/v1/messages`);
        // the key goes in `x-api-key`; chat only (no embeddings, images or audio).
        ProviderCatalogEntry(type: "anthropic", displayName: "Anthropic", defaultBaseURL: "https://api.anthropic.com",
                             apiKeyVariable: "ANTHROPIC_API_KEY", baseURLVariable: nil, auth: .header("x-api-key"),
                             capabilities: [.chat], quirks: OpenAICompatibleQuirks(), isSelfHosted: false),
        // providers.md §3: the documented base includes `/v1beta`; the key goes in `x-goog-api-key`.
        // Chat and embeddings; images (Imagen, gemini-*-image) and speech (`*-tts`) by model.
        ProviderCatalogEntry(type: "gemini", displayName: "Google Gemini", defaultBaseURL: "https://generativelanguage.googleapis.com/v1beta",
                             apiKeyVariable: "GEMINI_API_KEY", baseURLVariable: nil, auth: .header("x-goog-api-key"),
                             capabilities: [.chat, .embeddings, .images, .tts], quirks: OpenAICompatibleQuirks(), isSelfHosted: false)
            .serving(.gemini),
        // Amazon Bedrock's Converse API: the base is per region (`region` fills `{region}`);
        // requests are signed with SigV4 (`aws_access_key_id` / `aws_secret_access_key`), or
        // carry a Bedrock API key (`api_key`, `AWS_BEARER_TOKEN_BEDROCK`) as a bearer token.
        ProviderCatalogEntry(type: "bedrock", displayName: "Amazon Bedrock", defaultBaseURL: "https://bedrock-runtime.{region}.amazonaws.com",
                             apiKeyVariable: "AWS_BEARER_TOKEN_BEDROCK", baseURLVariable: nil, auth: .awsSigV4,
                             capabilities: [.chat], quirks: OpenAICompatibleQuirks(), isSelfHosted: false),
        // providers.md §7: base without a version segment (the adapter appends `/v2/chat`); the
        // key is a Bearer token. Chat (`/v2/chat`), embeddings (`/v2/embed`), rerank (`/v2/rerank`).
        ProviderCatalogEntry(type: "cohere", displayName: "Cohere", defaultBaseURL: "https://api.cohere.com",
                             apiKeyVariable: "COHERE_API_KEY", baseURLVariable: nil, auth: .bearer(optional: false),
                             capabilities: [.chat, .embeddings, .rerank], quirks: OpenAICompatibleQuirks(), isSelfHosted: false),
        // providers.md §19: base without a version segment (the adapter appends
        // `/v1/text-to-speech/{voice_id}/stream`, `/v1/speech-to-text`); the key goes in
        // `xi-api-key`. Speech (OpenAI voice names mapped to voice ids by `providers[].voices`)
        // and transcriptions, by model: `eleven_*` speak, `scribe*` transcribe.
        ProviderCatalogEntry(type: "elevenlabs", displayName: "ElevenLabs", defaultBaseURL: "https://api.elevenlabs.io",
                             apiKeyVariable: "ELEVENLABS_API_KEY", baseURLVariable: nil, auth: .header("xi-api-key"),
                             capabilities: [.tts, .audio], quirks: OpenAICompatibleQuirks(), isSelfHosted: false)
            .serving(.elevenLabs),
        // providers.md §27: base without a version segment (the adapter appends
        // `/v2beta/stable-image/generate/{ultra|core|sd3}`); the key is a Bearer token. Images.
        ProviderCatalogEntry(type: "stability", displayName: "Stability AI", defaultBaseURL: "https://api.stability.ai",
                             apiKeyVariable: "STABILITY_API_KEY", baseURLVariable: nil, auth: .bearer(optional: false),
                             capabilities: [.images], quirks: OpenAICompatibleQuirks(), isSelfHosted: false),
        // providers.md §18: base without a version segment (the adapter appends `/v2/upload`,
        // `/v2/transcript`); the key goes bare in `Authorization`. Transcriptions, as a job.
        ProviderCatalogEntry(type: "assemblyai", displayName: "AssemblyAI", defaultBaseURL: "https://api.assemblyai.com",
                             apiKeyVariable: "ASSEMBLYAI_API_KEY", baseURLVariable: nil, auth: .header("Authorization"),
                             capabilities: [.audio], quirks: OpenAICompatibleQuirks(), isSelfHosted: false),
        // providers.md §12: base without a version segment (the adapter appends
        // `/v1/models/{owner}/{name}/predictions`, `/v1/predictions/{id}`); the key is a Bearer
        // token (`r8_…`). Images, video, speech and transcriptions, as predictions followed to
        // their end; which of them a model serves is by its name (`ModelCapabilityRules.replicate`).
        ProviderCatalogEntry(type: "replicate", displayName: "Replicate", defaultBaseURL: "https://api.replicate.com",
                             apiKeyVariable: "REPLICATE_API_TOKEN", baseURLVariable: nil, auth: .bearer(optional: false),
                             capabilities: [.images, .videoGeneration, .tts, .audio], quirks: OpenAICompatibleQuirks(),
                             isSelfHosted: false).serving(.replicate),
        // providers.md §26: a server of the operator's own, by default on loopback; no key (one
        // set is sent as a Bearer token, for ComfyUI behind a proxy). Images, by the workflow
        // templates of `providers[].workflows` (decision 0024) — which only a configuration file
        // or the admin API can give, so no environment variable registers it.
        // providers.md §25: whisper.cpp's `whisper-server`, by default on loopback port 8080,
        // one model loaded at start (the request's model is not sent); `POST /inference`
        // multipart. No key (one set is sent as a Bearer token, for a server behind a proxy).
        // Transcriptions only (decisions/0027).
        ProviderCatalogEntry(type: "whispercpp", displayName: "whisper.cpp server", defaultBaseURL: "http://127.0.0.1:8080",
                             apiKeyVariable: nil, baseURLVariable: "WHISPERCPP_BASE_URL", auth: .bearer(optional: true),
                             capabilities: [.audio], quirks: OpenAICompatibleQuirks(), isSelfHosted: true),
        ProviderCatalogEntry(type: "comfyui", displayName: "ComfyUI", defaultBaseURL: "http://127.0.0.1:8188",
                             apiKeyVariable: nil, baseURLVariable: nil, auth: .bearer(optional: true),
                             capabilities: [.images], quirks: OpenAICompatibleQuirks(), isSelfHosted: true),
    ]
}
