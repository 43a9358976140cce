import GatewyseCore

/// A tenant's settings (admin-api.md §4, one document per tenant, id `settings`). Rate limits
/// and caching are stored here for the stages that enforce them (budgets and cache issues); the
/// default routing strategy and the allowed providers already shape the routes the admin API
/// accepts.
public struct TenantSettings: DomainResource {
    public static let kind = ResourceKind.settings
    public static let documentID = "settings"
    public var id: String { Self.documentID }
    public var tenantID: String
    public var rateLimits: RateLimits
    public var caching: Caching
    public var defaultRoutingStrategy: String?
    /// Provider ids the tenant's routes may target; empty means every provider it can reach.
    public var allowedProviders: [String]
    public var customLabels: [String: String]
    /// Sign-in through the tenant's identity provider; nil: password sign-in only.
    public var sso: TenantSSO?
    public var updatedAt: Int64

    /// 0 = unlimited, as admin-api.md gives it.
    public struct RateLimits: Sendable, Equatable, Codable {
        public var maxRequestsPerMinute: Int
        public var maxRequestsPerDay: Int
        public var maxTokensPerDay: Int

        public init(maxRequestsPerMinute: Int = 0, maxRequestsPerDay: Int = 0, maxTokensPerDay: Int = 0) {
            self.maxRequestsPerMinute = maxRequestsPerMinute
            self.maxRequestsPerDay = maxRequestsPerDay
            self.maxTokensPerDay = maxTokensPerDay
        }
    }

    public struct Caching: Sendable, Equatable, Codable {
        public var enabled: Bool
        public var ttlSeconds: Int

        public init(enabled: Bool = false, ttlSeconds: Int = 3600) {
            self.enabled = enabled
            self.ttlSeconds = ttlSeconds
        }
    }

    public init(tenantID: String, rateLimits: RateLimits = RateLimits(), caching: Caching = Caching(), defaultRoutingStrategy: String? = nil,
                allowedProviders: [String] = [], customLabels: [String: String] = [:], sso: TenantSSO? = nil, updatedAt: Int64 = 0) {
        self.tenantID = tenantID
        self.rateLimits = rateLimits
        self.caching = caching
        self.defaultRoutingStrategy = defaultRoutingStrategy
        self.allowedProviders = allowedProviders
        self.customLabels = customLabels
        self.sso = sso
        self.updatedAt = updatedAt
    }

    private enum CodingKeys: String, CodingKey {
        case tenantID, rateLimits, caching, defaultRoutingStrategy, allowedProviders, customLabels, sso, updatedAt
    }
}
