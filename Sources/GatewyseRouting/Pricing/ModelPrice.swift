import GatewyseCore

/// A model's token prices in USD per 1M tokens.
public struct ModelPrice: Sendable, Hashable {
    public var inputPerMillion: Double
    public var outputPerMillion: Double
    /// Price of prompt tokens served from the provider's cache; `nil` charges them as ordinary
    /// input, which never under-counts.
    public var cachedInputPerMillion: Double?

    public init(input: Double, output: Double, cachedInput: Double? = nil) {
        self.inputPerMillion = input
        self.outputPerMillion = output
        self.cachedInputPerMillion = cachedInput
    }

    /// USD for a finished request. `promptTokens` includes cached tokens (OpenAI semantics, as
    /// `Usage` documents), so the cached ones are taken out of the full-price share;
    /// `completionTokens` already includes reasoning tokens.
    public func cost(usage: Usage) -> Double {
        let cached = min(max(usage.cachedPromptTokens ?? 0, 0), usage.promptTokens)
        let uncached = usage.promptTokens - cached
        let cachedRate = cachedInputPerMillion ?? inputPerMillion
        return (Double(uncached) * inputPerMillion + Double(cached) * cachedRate
                + Double(usage.completionTokens) * outputPerMillion) / 1_000_000
    }

    /// USD for an estimate (no cache hits assumed), used to rank deployments.
    public func estimatedCost(inputTokens: Int, outputTokens: Int) -> Double {
        (Double(inputTokens) * inputPerMillion + Double(outputTokens) * outputPerMillion) / 1_000_000
    }
}
