import GatewyseCore

/// Token prices by model, looked up as `"providerID/model"` first (the same open model costs
/// different amounts at Groq and Cerebras), then as the bare model name (an override for every
/// provider), then the deployment's catalog price. `defaults` comes from the reference;
/// configuration overrides on top with `setting(_:for:)` or `merging(_:)`.
public struct PriceBook: Sendable {
    public private(set) var prices: [String: ModelPrice]

    public init(_ prices: [String: ModelPrice] = [:]) {
        self.prices = prices
    }

    public func price(providerID: String, model: String) -> ModelPrice? {
        prices["\(providerID)/\(model)"] ?? prices[model]
    }

    /// The planner's lookup: uses the deployment's precomputed id, so no string is built.
    public func price(for deployment: Deployment) -> ModelPrice? {
        prices[deployment.id] ?? prices[deployment.model] ?? deployment.catalog.price
    }

    /// USD for a finished request, or `nil` when the model has no price.
    public func cost(usage: Usage, providerID: String, model: String) -> Money? {
        price(providerID: providerID, model: model)?.cost(usage: usage)
    }

    /// Sets a price under `key` (`"providerID/model"` or a bare model name).
    public mutating func setPrice(_ price: ModelPrice, for key: String) {
        prices[key] = price
    }

    /// This book with `overrides` replacing entries of the same key.
    public func merging(_ overrides: [String: ModelPrice]) -> PriceBook {
        PriceBook(prices.merging(overrides) { _, new in new })
    }
}
