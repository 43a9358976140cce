/// Declared free-tier quotas for the providers with known free tiers, from
/// `shared/reference/providers.md` ("Free tier" of each provider; mostly the free-llm list
/// 2026-07-18, Cohere from docs.cohere.com/docs/rate-limits). They are the starting point the
/// tracker counts against; upstream rate-limit headers correct them at run time, and
/// configuration may replace them.
///
/// Groq, Gemini, Cerebras and Mistral count per model, so their keys are `"provider/model"`;
/// Cohere's trial key and SambaNova's credit are per credential, keyed by provider. Provider-level
/// entries for the per-model providers are what an unlisted model of theirs gets.
public enum FreeTierDefaults {
    /// Providers whose free quotas are counted per model.
    public static let perModelProviders: Set<String> = ["groq", "gemini", "cerebras", "mistral"]

    /// The tracker key for a deployment: `"providerID/model"` where the provider counts per
    /// model, else `providerID`.
    public static func key(providerID: String, model: String) -> String {
        perModelProviders.contains(providerID) ? "\(providerID)/\(model)" : providerID
    }

    /// The declared quota for a deployment: its model's entry, else its provider's, else `nil`
    /// (no free tier).
    public static func quota(providerID: String, model: String) -> FreeTierQuota? {
        models["\(providerID)/\(model)"] ?? providers[providerID]
    }

    /// Per provider (credential), or the fallback for a per-model provider's unlisted models.
    public static let providers: [String: FreeTierQuota] = [
        // §5 Groq: llama-3.3-70b-versatile's limits (1,000 RPD / 12K TPM), the stricter family
        // most routes use; 30 RPM is the typical per-minute limit (third-party figure).
        "groq": FreeTierQuota(requestsPerMinute: 30, requestsPerDay: 1_000, tokensPerMinute: 12_000),
        // §16 Cerebras: gpt-oss-120b and llama3.1-8b.
        "cerebras": FreeTierQuota(requestsPerMinute: 30, requestsPerHour: 900, requestsPerDay: 14_400,
                                  tokensPerMinute: 60_000, tokensPerHour: 1_000_000, tokensPerDay: 1_000_000),
        // §17 SambaNova: a $5 credit for 3 months; per-model RPM/RPD are not published. The
        // 20M tokens/day cap of the Developer tier bounds the free tier from above; the
        // upstream's headers supply the real figures.
        "sambanova": FreeTierQuota(tokensPerDay: 20_000_000),
        // §3 Gemini: AI Studio keys, Gemini 2.5 Flash's limits (5 RPM / 20 RPD / 250K TPM).
        "gemini": FreeTierQuota(requestsPerMinute: 5, requestsPerDay: 20, tokensPerMinute: 250_000),
        // §6 Mistral "Experiment" plan: per model 1 request/s, 500K tokens/min, 1B tokens/month.
        "mistral": FreeTierQuota(requestsPerMinute: 60, tokensPerMinute: 500_000, tokensPerMonth: 1_000_000_000),
        // §7 Cohere trial key: Chat 20 requests/min, 1,000 API calls per month per key.
        "cohere": FreeTierQuota(requestsPerMinute: 20, requestsPerMonth: 1_000),
    ]

    /// Per model where the reference gives model-specific figures.
    public static let models: [String: FreeTierQuota] = [
        // §5 Groq
        "groq/llama-3.1-8b-instant": FreeTierQuota(requestsPerMinute: 30, requestsPerDay: 14_400, tokensPerMinute: 6_000),
        "groq/llama-3.3-70b-versatile": FreeTierQuota(requestsPerMinute: 30, requestsPerDay: 1_000, tokensPerMinute: 12_000),
        "groq/openai/gpt-oss-120b": FreeTierQuota(requestsPerMinute: 30, requestsPerDay: 1_000, tokensPerMinute: 8_000),
        "groq/openai/gpt-oss-20b": FreeTierQuota(requestsPerMinute: 30, requestsPerDay: 1_000, tokensPerMinute: 8_000),
        "groq/groq/compound": FreeTierQuota(requestsPerMinute: 30, requestsPerDay: 250, tokensPerMinute: 70_000),
        // §3 Gemini
        "gemini/gemini-2.5-flash": FreeTierQuota(requestsPerMinute: 5, requestsPerDay: 20, tokensPerMinute: 250_000),
        "gemini/gemini-2.5-flash-lite": FreeTierQuota(requestsPerMinute: 10, requestsPerDay: 20),
        // §16 Cerebras
        "cerebras/gpt-oss-120b": FreeTierQuota(requestsPerMinute: 30, requestsPerHour: 900, requestsPerDay: 14_400,
                                               tokensPerMinute: 60_000, tokensPerHour: 1_000_000, tokensPerDay: 1_000_000),
        "cerebras/llama3.1-8b": FreeTierQuota(requestsPerMinute: 30, requestsPerHour: 900, requestsPerDay: 14_400,
                                              tokensPerMinute: 60_000, tokensPerHour: 1_000_000, tokensPerDay: 1_000_000),
    ]
}
