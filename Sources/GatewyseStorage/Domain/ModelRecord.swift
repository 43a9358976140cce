import GatewyseCore

/// A model entry of the admin API's `models` resource (admin-api.md §4): a model a provider
/// serves, its capabilities, context window, status and token prices. A tenant's entries price
/// its own requests; entries of the system scope price every tenant's (`ModelPricing`).
///
/// One entry per provider and model in a tenant: the stored id is `<provider>/<model>`, which
/// the store keeps unique per tenant. Prices are stored as the decimal text of exact `Money`,
/// never as floating point.
public struct ModelRecord: DomainResource {
    public static let kind = ResourceKind.model
    /// `<provider>/<model>` (see `address(provider:model:)`).
    public var id: String
    public var tenantID: String
    /// The model's name as the provider knows it (the API's `id`).
    public var model: String
    /// The provider id that serves it.
    public var provider: String
    public var capabilities: [String]
    public var contextWindow: Int?
    /// `active`, `inactive` or `deprecated`.
    public var status: String
    public var pricing: Pricing?
    public var createdAt: Int64
    public var updatedAt: Int64

    /// USD per 1M tokens, as decimal text (`Money.description`).
    public struct Pricing: Sendable, Equatable, Codable {
        public var input: String
        public var output: String
        public var cachedInput: String?
        public var cacheWrite: String?

        public init(input: Money, output: Money, cachedInput: Money? = nil, cacheWrite: Money? = nil) {
            self.input = input.description
            self.output = output.description
            self.cachedInput = cachedInput?.description
            self.cacheWrite = cacheWrite?.description
        }

        /// The amounts; nil when stored text does not parse (a hand-edited row).
        public var amounts: (input: Money, output: Money, cachedInput: Money?, cacheWrite: Money?)? {
            guard let input = Money(usd: input), let output = Money(usd: output) else { return nil }
            var cached: Money?, write: Money?
            if let cachedInput { guard let parsed = Money(usd: cachedInput) else { return nil }; cached = parsed }
            if let cacheWrite { guard let parsed = Money(usd: cacheWrite) else { return nil }; write = parsed }
            return (input, output, cached, write)
        }
    }

    public static let statuses = ["active", "inactive", "deprecated"]

    public static func address(provider: String, model: String) -> String { provider + "/" + model }

    public init(tenantID: String, model: String, provider: String, capabilities: [String] = ["chat"], contextWindow: Int? = nil,
                status: String = "active", pricing: Pricing? = nil, createdAt: Int64, updatedAt: Int64) {
        self.id = Self.address(provider: provider, model: model)
        self.tenantID = tenantID
        self.model = model
        self.provider = provider
        self.capabilities = capabilities
        self.contextWindow = contextWindow
        self.status = status
        self.pricing = pricing
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}
