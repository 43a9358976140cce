import GatewyseCore

/// A model's token prices, each in exact `Money` per 1M tokens.
///
/// Reasoning tokens have no price of their own: every provider in the reference bills them as
/// output (OpenAI's `completion_tokens` already includes `reasoning_tokens`; Gemini's thoughts
/// are "billed as output" and the adapter adds `thoughtsTokenCount` to the completion count;
/// Anthropic's `output_tokens` includes thinking), so they are priced once, inside
/// `completionTokens`.
public struct ModelPrice: Sendable, Hashable {
    public var inputPerMillion: Money
    public var outputPerMillion: Money
    /// Price of prompt tokens read from the provider's cache; `nil` charges them as ordinary
    /// input, which never under-counts.
    public var cachedInputPerMillion: Money?
    /// Price of prompt tokens written to the provider's cache (Anthropic: 1.25× input for the
    /// 5-minute cache); `nil` charges them as ordinary input.
    public var cacheWritePerMillion: Money?

    public init(input: Money, output: Money, cachedInput: Money? = nil, cacheWrite: Money? = nil) {
        self.inputPerMillion = input
        self.outputPerMillion = output
        self.cachedInputPerMillion = cachedInput
        self.cacheWritePerMillion = cacheWrite
    }

    /// What a finished request costs, exact to the nano-dollar (each of the four shares rounded
    /// half up once). `Usage` is in OpenAI semantics whatever the provider's (see `Usage`):
    /// `promptTokens` includes cache reads and cache writes, so both are carved out of the
    /// full-price share and priced at their own rates; `completionTokens` includes reasoning.
    /// An Anthropic answer of `input_tokens` 10, `cache_read_input_tokens` 100,
    /// `cache_creation_input_tokens` 20 arrives as prompt 130, cached 100, written 20: 10 are
    /// charged as input, each token once. Counts a confused upstream sends (negative, or more
    /// cached and written than the whole prompt) are clamped so no token is charged twice.
    public func cost(usage: Usage) -> Money {
        let prompt = max(usage.promptTokens, 0)
        let cached = min(max(usage.cachedPromptTokens ?? 0, 0), prompt)
        let written = min(max(usage.cacheWriteTokens ?? 0, 0), prompt - cached)
        let uncached = prompt - cached - written
        return inputPerMillion.scaled(by: uncached, dividedBy: 1_000_000)
            + (cachedInputPerMillion ?? inputPerMillion).scaled(by: cached, dividedBy: 1_000_000)
            + (cacheWritePerMillion ?? inputPerMillion).scaled(by: written, dividedBy: 1_000_000)
            + outputPerMillion.scaled(by: max(usage.completionTokens, 0), dividedBy: 1_000_000)
    }

    /// What a request is expected to cost (no cache hits assumed), used to rank deployments.
    public func estimatedCost(inputTokens: Int, outputTokens: Int) -> Money {
        inputPerMillion.scaled(by: max(inputTokens, 0), dividedBy: 1_000_000)
            + outputPerMillion.scaled(by: max(outputTokens, 0), dividedBy: 1_000_000)
    }
}
