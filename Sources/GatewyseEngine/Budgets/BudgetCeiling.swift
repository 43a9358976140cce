import GatewyseCore
import GatewyseRouting

/// The most a request can count against a budget, reserved before the upstream call
/// (`BudgetLedger`). It must not be less than what the request will actually cost, or the
/// overshoot bound (one request's ceiling) would not hold:
/// - input tokens: the body's length in bytes — every token of a byte-level tokenizer covers at
///   least one byte of text, so the count never exceeds it (images, whose token counts depend on
///   their pixels, are the exception, priced as their URL's or data's length);
/// - output tokens: the request's `max_tokens`, else the smallest context window among the
///   candidates, else `defaultOutputTokens`;
/// - price: the dearest candidate of the route and its fallbacks, input tokens at the highest of
///   its input, cached-input and cache-write rates.
enum BudgetCeiling {
    /// When neither the request nor the catalog bounds the answer: a long chat answer. A request
    /// that produces more than this is counted at its real cost and may pass the limit by the
    /// difference.
    static let defaultOutputTokens = 4096

    static func amounts(bodyBytes: Int, maxOutputTokens: Int?, route: ResolvedRoute) -> BudgetAmounts {
        var candidates = route.candidates
        for fallback in route.fallbacks { candidates += fallback.candidates }
        let windows = candidates.compactMap(\.deployment.catalog.contextWindow)
        let output = Int64(maxOutputTokens ?? windows.min() ?? defaultOutputTokens)
        let input = Int64(bodyBytes)
        var nanos: Int64 = 0
        for candidate in candidates {
            guard let price = candidate.price else { continue }
            let inputRate = max(price.inputPerMillion, price.cachedInputPerMillion ?? .zero, price.cacheWritePerMillion ?? .zero)
            let cost = inputRate.scaled(by: Int(input), dividedBy: 1_000_000) + price.outputPerMillion.scaled(by: Int(output), dividedBy: 1_000_000)
            nanos = max(nanos, cost.nanos)
        }
        return BudgetAmounts(nanos: nanos, tokens: input + output, requests: 1)
    }
}
