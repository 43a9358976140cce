import GatewyseCore

/// A route as stored for the admin API: an alias (per tenant, or global when `tenantID` is nil)
/// for one capability, its strategy, its deployments, and the aliases to fall back to.
public struct RouteRecord: DomainResource {
    public static let kind = ResourceKind.route
    public var id: String
    /// The owning tenant; nil for the deployment-wide routes the operator shares.
    public var tenant: String?
    public var capability: Capability
    public var alias: String
    /// A `RoutingStrategyKind` raw value (`least-latency`), validated by the engine on load.
    public var strategy: String
    public var targets: [Target]
    /// Aliases tried, in order, when every target of this one failed.
    public var fallbacks: [String]
    public var enabled: Bool
    public var updatedAt: Int64

    public struct Target: Sendable, Equatable, Codable {
        public var provider: String
        public var model: String
        public var priority: Int
        public var weight: Double

        public init(provider: String, model: String, priority: Int = 1, weight: Double = 1) {
            self.provider = provider
            self.model = model
            self.priority = priority
            self.weight = weight
        }
    }

    public var tenantID: String { tenant ?? SystemScope.tenantID }
    /// One alias per capability per tenant.
    public var uniqueKey: String? { Self.uniqueKey(tenantID: tenant, capability: capability, alias: alias) }

    public static func uniqueKey(tenantID: String?, capability: Capability, alias: String) -> String {
        (tenantID ?? SystemScope.tenantID) + "|" + capability.rawValue + "|" + alias
    }

    public init(id: String? = nil, tenantID: String?, capability: Capability = .chat, alias: String, strategy: String, targets: [Target],
                fallbacks: [String] = [], enabled: Bool = true, updatedAt: Int64) {
        self.id = id ?? "rt_" + capability.rawValue + "_" + alias
        self.tenant = tenantID
        self.capability = capability
        self.alias = alias
        self.strategy = strategy
        self.targets = targets
        self.fallbacks = fallbacks
        self.enabled = enabled
        self.updatedAt = updatedAt
    }
}
