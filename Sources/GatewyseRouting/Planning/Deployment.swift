/// One place a request can be served: a configured provider and the upstream model it knows,
/// with the route's priority and weight and what the catalog says about the model.
///
/// `id` is `"providerID/model"`; health, prices and free-tier quotas are looked up by it.
public struct Deployment: Sendable, Hashable, Identifiable {
    /// `"providerID/model"`, computed once so planning does not build strings.
    public let id: String
    public let providerID: String
    public let model: String
    /// Lower is preferred (1 = first choice), as in the route configuration.
    public var priority: Int
    /// Relative share for the weighted strategy; zero or negative means "only as a last resort".
    public var weight: Double
    public var catalog: ModelCatalogInfo
    /// The free-tier counter this deployment draws on, when its owner keys it (a provider added
    /// through the admin API counts under its tenant, so two tenants' providers of one id never
    /// share a quota); nil: looked up by `id`, then by `providerID` (`FreeTierSnapshot`).
    public var freeTierKey: String?

    public init(providerID: String, model: String, priority: Int = 1, weight: Double = 1, catalog: ModelCatalogInfo = ModelCatalogInfo()) {
        self.id = "\(providerID)/\(model)"
        self.providerID = providerID
        self.model = model
        self.priority = priority
        self.weight = weight
        self.catalog = catalog
    }
}
