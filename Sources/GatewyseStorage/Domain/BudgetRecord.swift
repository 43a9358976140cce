import GatewyseCore

/// A spending limit on one unit of a tenant (admin-api.md §4 `budgets`): the tenant itself, an
/// organization, a department, a user or an API key, with any of six limits over UTC periods.
/// `block` refuses requests once a limit is reached (429 `BUDGET_EXCEEDED`); `warn` lets them
/// through with `X-Gatewyse-Budget-Warning`.
public struct BudgetRecord: DomainResource {
    public static let kind = ResourceKind.budget

    public enum Scope: String, Sendable, Codable, CaseIterable {
        case tenant
        case organization
        case department
        case user
        case apiKey

        /// Most specific first: the order budgets are checked and reported in.
        public var specificity: Int {
            switch self {
            case .apiKey: 0
            case .user: 1
            case .department: 2
            case .organization: 3
            case .tenant: 4
            }
        }
    }

    public enum Action: String, Sendable, Codable {
        case block
        case warn
    }

    /// The limits; nil is "no limit". Dollar amounts are kept as exact nano-dollars.
    public struct Limits: Sendable, Equatable, Codable {
        public var dailyUsd: Int64?
        public var weeklyUsd: Int64?
        public var monthlyUsd: Int64?
        public var dailyTokens: Int?
        public var monthlyTokens: Int?
        public var dailyRequests: Int?

        public init(dailyUsd: Money? = nil, weeklyUsd: Money? = nil, monthlyUsd: Money? = nil, dailyTokens: Int? = nil,
                    monthlyTokens: Int? = nil, dailyRequests: Int? = nil) {
            self.dailyUsd = dailyUsd?.nanos
            self.weeklyUsd = weeklyUsd?.nanos
            self.monthlyUsd = monthlyUsd?.nanos
            self.dailyTokens = dailyTokens
            self.monthlyTokens = monthlyTokens
            self.dailyRequests = dailyRequests
        }

        public var isEmpty: Bool {
            dailyUsd == nil && weeklyUsd == nil && monthlyUsd == nil && dailyTokens == nil && monthlyTokens == nil && dailyRequests == nil
        }
    }

    /// A percentage of a limit at which to alert, and where.
    public struct Alert: Sendable, Equatable, Codable {
        public var thresholdPercent: Int
        public var webhookURL: String?

        public init(thresholdPercent: Int, webhookURL: String? = nil) {
            self.thresholdPercent = thresholdPercent
            self.webhookURL = webhookURL
        }
    }

    public var id: String
    public var tenantID: String
    public var name: String
    public var scope: Scope
    /// The unit's id; for the tenant scope, the tenant's own id.
    public var scopeID: String
    public var limits: Limits
    public var action: Action
    public var alerts: [Alert]
    public var enabled: Bool
    public var createdAt: Int64
    public var updatedAt: Int64

    public init(id: String, tenantID: String, name: String, scope: Scope, scopeID: String, limits: Limits, action: Action = .block,
                alerts: [Alert] = [], enabled: Bool = true, createdAt: Int64, updatedAt: Int64) {
        self.id = id
        self.tenantID = tenantID
        self.name = name
        self.scope = scope
        self.scopeID = scopeID
        self.limits = limits
        self.action = action
        self.alerts = alerts
        self.enabled = enabled
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}
