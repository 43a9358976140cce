import GatewyseCore

/// Built-in prices (USD per 1M tokens) for the models named in the provider reference
/// (`shared/reference/providers.md`, "Prices" of each provider: LiteLLM price map synced
/// 2026-07-24, DeepSeek's own pricing page archived 2026-04-26). The reference warns that prices
/// move: these are fixtures and a starting point, which configuration overrides.
///
/// Cached-input prices are given only where the reference states them (Anthropic cache reads at
/// 0.1× input; DeepSeek cache hits); elsewhere cached tokens are charged as input. Cache-write
/// prices likewise: Anthropic's 5-minute cache writes at 1.25× input (its 1-hour writes, at 2×,
/// are not told apart in the unified usage and are charged as 5-minute ones). Reasoning tokens
/// are output at every provider listed (see `ModelPrice`).
///
/// Keys are `"<provider type>/<model>"`: a configured or API-added provider of that type gets
/// these prices by its type, whatever its id (`ModelPricing`).
extension PriceBook {
    /// The date of the price source most entries come from (LiteLLM's price map).
    public static let defaultsDate = "2026-07-24"
    public static let defaults = PriceBook(defaultPrices)

    /// `defaults` by provider type, then model: the request path looks a price up without
    /// building a `"type/model"` string.
    public static let defaultsByType: [String: [String: ModelPrice]] = {
        var byType: [String: [String: ModelPrice]] = [:]
        for (key, price) in defaultPrices {
            guard let slash = key.firstIndex(of: "/") else { continue }
            byType[String(key[..<slash]), default: [:]][String(key[key.index(after: slash)...])] = price
        }
        return byType
    }()

    /// The built-in price of `model` at a provider of `type`.
    public static func defaultPrice(type: String, model: String) -> ModelPrice? {
        defaultsByType[type]?[model]
    }

    private static func p(_ input: Money, _ output: Money, cached: Money? = nil, cacheWrite: Money? = nil) -> ModelPrice {
        ModelPrice(input: input, output: output, cachedInput: cached, cacheWrite: cacheWrite)
    }

    static let defaultPrices: [String: ModelPrice] = [
        // §1 OpenAI
        "openai/gpt-5": p(1.25, 10),
        "openai/gpt-5-mini": p(0.25, 2),
        "openai/gpt-4.1": p(2, 8),
        "openai/gpt-4o-mini": p(0.15, 0.60),
        "openai/text-embedding-3-small": p(0.02, 0),
        // §2 Anthropic: cache read ≈ 0.1× input, 5-minute cache write 1.25× input
        "anthropic/claude-haiku-4-5": p(1, 5, cached: 0.10, cacheWrite: 1.25),
        "anthropic/claude-sonnet-4-5": p(3, 15, cached: 0.30, cacheWrite: 3.75),
        "anthropic/claude-sonnet-4-6": p(3, 15, cached: 0.30, cacheWrite: 3.75),
        "anthropic/claude-opus-4-5": p(5, 25, cached: 0.50, cacheWrite: 6.25),
        "anthropic/claude-opus-4-6": p(5, 25, cached: 0.50, cacheWrite: 6.25),
        "anthropic/claude-opus-4-7": p(5, 25, cached: 0.50, cacheWrite: 6.25),
        // §3 Gemini (2.5 Pro: the ≤200K-context price)
        "gemini/gemini-2.5-pro": p(1.25, 10),
        "gemini/gemini-2.5-flash": p(0.30, 2.50),
        "gemini/gemini-2.5-flash-lite": p(0.10, 0.40),
        "gemini/gemini-3-pro-preview": p(2, 12),
        "gemini/gemini-embedding-001": p(0.15, 0),
        // §4 Azure OpenAI (global deployments; the deployment name is the model here)
        "azure/gpt-4.1": p(2, 8),
        "azure/gpt-4o-mini": p(0.165, 0.66),
        "azure/gpt-5": p(1.25, 10),
        // §5 Groq
        "groq/llama-3.1-8b-instant": p(0.05, 0.08),
        "groq/llama-3.3-70b-versatile": p(0.59, 0.79),
        "groq/openai/gpt-oss-120b": p(0.15, 0.60),
        // §6 Mistral
        "mistral/mistral-large-latest": p(0.50, 1.50),
        "mistral/mistral-medium-latest": p(1.50, 7.50),
        "mistral/mistral-small-latest": p(0.06, 0.18),
        "mistral/mistral-embed": p(0.10, 0),
        // §7 Cohere
        "cohere/command-a-03-2025": p(2.50, 10),
        "cohere/command-r": p(0.15, 0.60),
        "cohere/command-r7b-12-2024": p(0.0375, 0.15),
        "cohere/embed-v4.0": p(0.12, 0),
        // §8 DeepSeek: cache-hit input price as the cached price
        "deepseek/deepseek-v4-flash": p(0.14, 0.28, cached: 0.028),
        "deepseek/deepseek-v4-pro": p(0.435, 0.87, cached: 0.03625),
        // §9 Together
        "together/meta-llama/Llama-3.3-70B-Instruct-Turbo": p(0.88, 0.88),
        "together/openai/gpt-oss-120b": p(0.15, 0.60),
        "together/deepseek-ai/DeepSeek-V3.1": p(0.60, 1.70),
        // §10 Perplexity (token prices only; the per-request search fee is not a token price)
        "perplexity/sonar": p(1, 1),
        "perplexity/sonar-pro": p(3, 15),
        "perplexity/sonar-reasoning-pro": p(2, 8),
        // §11 Fireworks
        "fireworks/accounts/fireworks/models/gpt-oss-120b": p(0.15, 0.60),
        "fireworks/accounts/fireworks/models/llama-v3p3-70b-instruct": p(0.90, 0.90),
        "fireworks/accounts/fireworks/models/deepseek-v3p2": p(0.56, 1.68),
        // §13 AI21
        "ai21/jamba-large-1.7": p(2, 8),
        "ai21/jamba-mini-1.7": p(0.20, 0.40),
        // §15 xAI
        "xai/grok-4.3": p(1.25, 2.50),
        "xai/grok-4.20": p(2, 6),
        "xai/grok-4-1-fast": p(0.20, 0.50),
        // §16 Cerebras
        "cerebras/llama3.1-8b": p(0.10, 0.10),
        "cerebras/gpt-oss-120b": p(0.35, 0.75),
        "cerebras/qwen-3-32b": p(0.40, 0.80),
        // §17 SambaNova
        "sambanova/Meta-Llama-3.3-70B-Instruct": p(0.60, 1.20),
        "sambanova/gpt-oss-120b": p(0.22, 0.59),
        "sambanova/DeepSeek-V3.1": p(3, 4.50),
    ]
}
