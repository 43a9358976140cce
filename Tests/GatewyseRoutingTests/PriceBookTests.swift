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
}
