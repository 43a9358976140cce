import GatewyseCore

/// A model's token prices, each in exact `Money` per 1M tokens.
public struct ModelPrice: Sendable, Hashable {
    public var inputPerMillion: Money
    public var outputPerMillion: Money
    /// Price of prompt tokens served from the provider's cache; `nil` charges them as ordinary
    /// input, which never under-counts.
    public var cachedInputPerMillion: Money?

    public init(input: Money, output: Money, cachedInput: Money? = nil) {
        self.inputPerMillion = input
        self.outputPerMillion = output
        self.cachedInputPerMillion = cachedInput
    }

    /// What a finished request costs, exact to the nano-dollar (each component rounded half up
    /// once). `promptTokens` includes cached tokens (OpenAI semantics, as `Usage` documents), so
    /// the cached ones are taken out of the full-price share; `completionTokens` already includes
    /// reasoning tokens. Negative counts from a confused upstream count as zero.
    public func cost(usage: Usage) -> Money {
        let prompt = max(usage.promptTokens, 0)
        let cached = min(max(usage.cachedPromptTokens ?? 0, 0), prompt)
        let uncached = prompt - cached
        return inputPerMillion.scaled(by: uncached, dividedBy: 1_000_000)
            + (cachedInputPerMillion ?? inputPerMillion).scaled(by: cached, dividedBy: 1_000_000)
            + outputPerMillion.scaled(by: max(usage.completionTokens, 0), dividedBy: 1_000_000)
    }

    /// What a request is expected to cost (no cache hits assumed), used to rank deployments.
    public func estimatedCost(inputTokens: Int, outputTokens: Int) -> Money {
        inputPerMillion.scaled(by: max(inputTokens, 0), dividedBy: 1_000_000)
            + outputPerMillion.scaled(by: max(outputTokens, 0), dividedBy: 1_000_000)
    }
}
