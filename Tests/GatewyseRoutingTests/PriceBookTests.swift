import GatewyseCore
import Testing
@testable import GatewyseRouting

@Suite struct PriceBookTests {
    @Test func cachedPromptTokensAreCarvedOutOfThePrompt() {
        // claude-sonnet-4-6: 3 / 15, cache read 0.30. 1,000 prompt tokens of which 800 cached.
        var usage = Usage(promptTokens: 1_000, completionTokens: 500)
        usage.cachedPromptTokens = 800
        let cost = PriceBook.defaults.cost(usage: usage, providerID: "anthropic", model: "claude-sonnet-4-6")
        // 200 × 3 + 800 × 0.30 + 500 × 15 = 600 + 240 + 7,500 = 8,340 per 1M.
        #expect(cost == Money(usd: "0.00834"))
    }

    @Test func withoutACachedPriceCachedTokensPayFullInput() {
        var usage = Usage(promptTokens: 1_000_000, completionTokens: 1_000_000)
        usage.cachedPromptTokens = 400_000
        // gpt-4o-mini: 0.15 / 0.60, no cached price in the reference.
        #expect(PriceBook.defaults.cost(usage: usage, providerID: "openai", model: "gpt-4o-mini") == Money(usd: "0.75"))
    }

    @Test func deepSeekCacheHitsAreCheap() {
        var usage = Usage(promptTokens: 2_000_000, completionTokens: 0)
        usage.cachedPromptTokens = 1_000_000
        // v4-flash: 0.14 miss, 0.028 hit.
        #expect(PriceBook.defaults.cost(usage: usage, providerID: "deepseek", model: "deepseek-v4-flash") == Money(usd: "0.168"))
    }

    @Test func cachedCountsAreClampedToThePrompt() {
        var usage = Usage(promptTokens: 100, completionTokens: 0)
        usage.cachedPromptTokens = 500 // a confused upstream
        let price = ModelPrice(input: 10, output: 10, cachedInput: 1)
        #expect(price.cost(usage: usage) == Money(usd: "0.0001"))
    }

    @Test func theSameModelCostsWhatEachProviderCharges() {
        let book = PriceBook.defaults
        #expect(book.price(providerID: "groq", model: "openai/gpt-oss-120b") == ModelPrice(input: 0.15, output: 0.60))
        #expect(book.price(providerID: "cerebras", model: "gpt-oss-120b") == ModelPrice(input: 0.35, output: 0.75))
        #expect(book.price(providerID: "unknown", model: "gpt-oss-120b") == nil)
    }

    @Test func overridesWinAndBareModelNamesApplyEverywhere() {
        var book = PriceBook.defaults.merging(["openai/gpt-5": ModelPrice(input: 1, output: 2)])
        #expect(book.price(providerID: "openai", model: "gpt-5") == ModelPrice(input: 1, output: 2))
        book.setPrice(ModelPrice(input: 0.5, output: 0.5), for: "my-finetune")
        #expect(book.price(providerID: "vllm", model: "my-finetune") == ModelPrice(input: 0.5, output: 0.5))
        #expect(book.price(for: Deployment(providerID: "ollama", model: "my-finetune")) == ModelPrice(input: 0.5, output: 0.5))
    }

    @Test func theCatalogPriceIsTheLastFallback() {
        let priced = Deployment(providerID: "local", model: "llama", catalog: ModelCatalogInfo(price: ModelPrice(input: 0, output: 0)))
        #expect(PriceBook().price(for: priced) == ModelPrice(input: 0, output: 0))
        #expect(PriceBook().price(for: Deployment(providerID: "local", model: "llama")) == nil)
    }

    @Test func estimatesIgnoreCaching() {
        #expect(ModelPrice(input: 2, output: 8).estimatedCost(inputTokens: 1_000, outputTokens: 500) == Money(usd: "0.006"))
    }

    @Test("one token at $0.15 per million is 150 nano-dollars; a million requests of it sum to exactly $0.15")
    func exactSums() {
        let price = ModelPrice(input: Money(usd: "0.15")!, output: 0)
        let one = price.cost(usage: Usage(promptTokens: 1, completionTokens: 0))
        #expect(one == Money(nanos: 150))
        var total = Money.zero
        for _ in 0..<1_000_000 { total += one }
        #expect(total == Money(usd: "0.15") && total.description == "0.15")
    }

    @Test("huge token counts and prices saturate instead of trapping")
    func saturation() {
        let price = ModelPrice(input: Money(usd: "9000000000")!, output: Money(usd: "9000000000")!)
        let usage = Usage(promptTokens: Int.max, completionTokens: Int.max, totalTokens: 0)
        #expect(price.cost(usage: usage) == .max)
        #expect(Money.max + Money(nanos: 1) == .max)
    }

    @Test("Anthropic's documented usage (input excludes cache reads and writes) is priced once per token")
    func anthropicCacheReadsAndWrites() {
        // providers.md §2: total input = input_tokens + cache_creation_input_tokens +
        // cache_read_input_tokens. The adapter's Usage: prompt 1,000 + 200 + 5,000 = 6,200.
        var usage = Usage(promptTokens: 6_200, completionTokens: 300)
        usage.cacheWriteTokens = 200
        usage.cachedPromptTokens = 5_000
        // claude-sonnet-4-6: 3 input, 0.30 read, 3.75 write (1.25×), 15 output, per 1M:
        // 1,000 × 3 + 5,000 × 0.30 + 200 × 3.75 + 300 × 15 = 3,000 + 1,500 + 750 + 4,500 = 9,750.
        #expect(PriceBook.defaults.cost(usage: usage, providerID: "anthropic", model: "claude-sonnet-4-6") == Money(usd: "0.00975"))
    }

    @Test("without a cache-write price, writes pay the input price")
    func cacheWritesDefaultToInput() {
        var usage = Usage(promptTokens: 1_000_000, completionTokens: 0)
        usage.cacheWriteTokens = 250_000
        #expect(ModelPrice(input: 2, output: 8).cost(usage: usage) == Money(usd: "2"))
        #expect(ModelPrice(input: 2, output: 8, cacheWrite: 2.5).cost(usage: usage) == Money(usd: "2.125"))
    }

    @Test("OpenAI's documented usage: cached inside prompt, reasoning inside completion, reasoning priced as output")
    func openAIReasoning() {
        // prompt_tokens 2,000 with prompt_tokens_details.cached_tokens 1,500; completion_tokens
        // 1,200 with completion_tokens_details.reasoning_tokens 1,000 (already inside the 1,200).
        var usage = Usage(promptTokens: 2_000, completionTokens: 1_200)
        usage.cachedPromptTokens = 1_500
        usage.reasoningTokens = 1_000
        let price = ModelPrice(input: 1.25, output: 10, cachedInput: 0.125)
        // 500 × 1.25 + 1,500 × 0.125 + 1,200 × 10 = 625 + 187.5 + 12,000 = 12,812.5 per 1M.
        #expect(price.cost(usage: usage) == Money(usd: "0.0128125"))
        // gpt-5 in the built-in book has no cached price: 2,000 × 1.25 + 1,200 × 10 = 14,500.
        #expect(PriceBook.defaults.cost(usage: usage, providerID: "openai", model: "gpt-5") == Money(usd: "0.0145"))
    }

    @Test("Gemini's thoughts are output: the adapter adds them to completion, the price charges them once")
    func geminiThoughts() {
        // usageMetadata promptTokenCount 100, candidatesTokenCount 50, thoughtsTokenCount 400
        // (not inside candidates) → completion 450.
        var usage = Usage(promptTokens: 100, completionTokens: 450)
        usage.reasoningTokens = 400
        // gemini-2.5-flash 0.30 / 2.50: 100 × 0.30 + 450 × 2.50 = 30 + 1,125 = 1,155 per 1M.
        #expect(PriceBook.defaults.cost(usage: usage, providerID: "gemini", model: "gemini-2.5-flash") == Money(usd: "0.001155"))
    }

    @Test("cache reads and writes together never exceed the prompt")
    func cacheCountsClampedTogether() {
        var usage = Usage(promptTokens: 100, completionTokens: 0)
        usage.cachedPromptTokens = 80
        usage.cacheWriteTokens = 80 // a confused upstream: only 20 are left to be writes
        let price = ModelPrice(input: 10, output: 0, cachedInput: 1, cacheWrite: 100)
        // 80 × 1 + 20 × 100 = 2,080 per 1M.
        #expect(price.cost(usage: usage) == Money(usd: "0.00208"))
    }

    @Test func builtInPricesAreFoundByProviderType() {
        #expect(PriceBook.defaultPrice(type: "anthropic", model: "claude-haiku-4-5") == ModelPrice(input: 1, output: 5, cachedInput: 0.10, cacheWrite: 1.25))
        #expect(PriceBook.defaultPrice(type: "together", model: "meta-llama/Llama-3.3-70B-Instruct-Turbo") == ModelPrice(input: 0.88, output: 0.88))
        #expect(PriceBook.defaultPrice(type: "azure", model: "gpt-4o-mini") == ModelPrice(input: 0.165, output: 0.66))
        #expect(PriceBook.defaultPrice(type: "openai", model: "no-such-model") == nil)
    }
}
