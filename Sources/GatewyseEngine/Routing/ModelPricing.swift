import GatewyseCore
import GatewyseProviders
import GatewyseRouting
import GatewyseStorage

/// The token prices the request path charges, built with every snapshot: a tenant's own
/// `models` entries, over the deployment-wide prices (the configuration's `prices:` and the
/// `models` entries a super-admin made in the system scope), over the built-in price book by the
/// provider's **type** and model (`PriceBook.defaultPrice(type:model:)`), so a provider added
/// through the admin API under any id is priced like any other of its type.
///
/// `RouteResolver` resolves this once per deployment into each route candidate
/// (`Deployment.catalog.price`) when the snapshot is built: pricing a finished request reads
/// that field (no lookup, no string built), and the least-cost strategies read the same field,
/// so the price a route is ranked by is the price it is charged at.
public struct ModelPricing: Sendable {
    /// Deployment-wide prices by deployment id (`provider/model`).
    public let shared: [String: ModelPrice]
    /// Tenants' own prices by tenant id, then deployment id.
    public let tenants: [String: [String: ModelPrice]]

    public init(shared: [String: ModelPrice] = [:], tenants: [String: [String: ModelPrice]] = [:]) {
        self.shared = shared
        self.tenants = tenants
    }

    /// From the configuration and the stored `models` entries. The configuration's prices win
    /// over a system-scope entry of the same deployment (the admin API refuses to create one:
    /// the file is their source of truth); entries without prices, or whose stored amounts do
    /// not parse, price nothing.
    public init(configuration: GatewayConfiguration, models: [ModelRecord]) {
        var shared: [String: ModelPrice] = [:]
        var tenants: [String: [String: ModelPrice]] = [:]
        for record in models {
            guard let price = record.price else { continue }
            if record.tenantID == SystemScope.tenantID { shared[record.id] = price } else { tenants[record.tenantID, default: [:]][record.id] = price }
        }
        self.init(shared: shared.merging(configuration.prices) { _, configured in configured }, tenants: tenants)
    }

    /// The price of a deployment for a tenant (nil: the deployment-wide one), at a provider of
    /// `providerType`; nil when nothing prices it.
    public func price(for deployment: Deployment, providerType: String, tenantID: String?) -> ModelPrice? {
        if let tenantID, let own = tenants[tenantID]?[deployment.id] { return own }
        return shared[deployment.id] ?? PriceBook.defaultPrice(type: providerType, model: deployment.model)
    }
}

extension ModelRecord {
    /// The entry's token prices, or nil when it has none (or they do not parse).
    var price: ModelPrice? {
        guard let amounts = pricing?.amounts else { return nil }
        return ModelPrice(input: amounts.input, output: amounts.output, cachedInput: amounts.cachedInput, cacheWrite: amounts.cacheWrite)
    }
}
