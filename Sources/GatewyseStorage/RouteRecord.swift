import GatewyseCore

/// A route as stored for the admin API: an alias (per tenant, or global when `tenantID` is nil)
/// for one capability, its strategy, its deployments, and the aliases to fall back to.
public struct RouteRecord: Sendable, Equatable {
    public var tenantID: String?
    public var capability: Capability
    public var alias: String
    /// A `RoutingStrategyKind` raw value (`least-latency`), validated by the engine on load.
    public var strategy: String
    public var targets: [Target]
    /// Aliases tried, in order, when every target of this one failed.
    public var fallbacks: [String]
    public var enabled: Bool
    public var updatedAt: Int64

    public struct Target: Sendable, Equatable {
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

    public init(tenantID: String?, capability: Capability = .chat, alias: String, strategy: String, targets: [Target],
                fallbacks: [String] = [], enabled: Bool = true, updatedAt: Int64) {
        self.tenantID = tenantID
        self.capability = capability
        self.alias = alias
        self.strategy = strategy
        self.targets = targets
        self.fallbacks = fallbacks
        self.enabled = enabled
        self.updatedAt = updatedAt
    }
}

/// Stored routes. Every read and write names its tenant (nil: the deployment-wide routes), so
/// one tenant's admin can never see or change another's.
public protocol RouteStore: Sendable {
    /// Creates the route, or replaces the one with the same tenant, capability and alias.
    func upsertRoute(_ route: RouteRecord) async throws
    func routes(tenantID: String?) async throws -> [RouteRecord]
    func allRoutes() async throws -> [RouteRecord]
    func deleteRoute(tenantID: String?, capability: Capability, alias: String) async throws -> Bool
}

extension RouteRecord {
    /// The targets as JSON, the form the SQL backends store them in.
    public var targetsJSON: String {
        JSONWriter.string(.array(targets.map { target in
            ["provider": .string(target.provider), "model": .string(target.model),
             "priority": .int(target.priority), "weight": .double(target.weight)]
        }))
    }

    public static func targets(fromJSON text: String) -> [Target] {
        guard let items = (try? JSONParser.parse(text))?.arrayValue else { return [] }
        return items.compactMap { item in
            guard let provider = item["provider"]?.stringValue, let model = item["model"]?.stringValue else { return nil }
            return Target(provider: provider, model: model, priority: item["priority"]?.intValue ?? 1, weight: item["weight"]?.doubleValue ?? 1)
        }
    }
}
