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
        let input = Int64(bodyBytes)
        var window: Int?
        if maxOutputTokens == nil {
            smallestWindow(route.candidates, into: &window)
            for index in route.fallbacks.indices { smallestWindow(route.fallbacks[index].candidates, into: &window) }
        }
        let output = Int64(maxOutputTokens ?? window ?? defaultOutputTokens)
        var nanos: Int64 = 0
        dearest(route.candidates, input: input, output: output, into: &nanos)
        for index in route.fallbacks.indices { dearest(route.fallbacks[index].candidates, input: input, output: output, into: &nanos) }
        return BudgetAmounts(nanos: nanos, tokens: input + output, requests: 1)
    }

    // The candidates are read in place, by index: a `for … in` over them, a key path or a
    // combined list copied each candidate (a retain and a release per field), per governed request.

    private static func smallestWindow(_ candidates: [RouteCandidate], into window: inout Int?) {
        for index in candidates.indices {
            if let candidate = candidates[index].deployment.catalog.contextWindow { window = min(window ?? candidate, candidate) }
        }
    }

    private static func dearest(_ candidates: [RouteCandidate], input: Int64, output: Int64, into nanos: inout Int64) {
        for index in candidates.indices {
            guard let price = candidates[index].price else { continue }
            let inputRate = max(price.inputPerMillion, price.cachedInputPerMillion ?? .zero, price.cacheWritePerMillion ?? .zero)
            let cost = inputRate.scaled(by: Int(input), dividedBy: 1_000_000) + price.outputPerMillion.scaled(by: Int(output), dividedBy: 1_000_000)
            nanos = max(nanos, cost.nanos)
        }
    }
}
