/// Usage records (ARCHITECTURE rule 7: one protocol per domain). Written in batches by the usage
/// flusher, never per request; read by the admin API, `/v1/usage`, and the budgets at start and
/// reload. Every read names its tenant — or, for a super-admin, all of them explicitly — so a
/// query cannot cross tenants by forgetting a filter.
public protocol UsageStore: Sendable {
    /// Writes the records in one transaction. Idempotent by `UsageRecord.id`: a record already
    /// stored is skipped, so replaying a journal segment can never count twice.
    func appendUsage(_ records: [UsageRecord]) async throws

    /// `appendUsage(records)`, given the records' journal lines too (`UsageJournalLine`, in the
    /// same order, one per record) when the caller has them: a store that keeps records as those
    /// lines stores them without encoding them again. Stores that do not just append.
    func appendUsage(_ records: [UsageRecord], journalLines: [UInt8]?) async throws

    /// The admin usage report (admin-api.md §5): totals per UTC period and group, ordered by
    /// period then group.
    func usageReport(_ query: UsageReportQuery) async throws -> [UsageReportRow]

    /// Records newest first (time, then id, descending), those strictly before `query.before`,
    /// at most `query.limit`.
    func recentRequests(_ query: RecentRequestsQuery) async throws -> [UsageRecord]

    /// What one budget scope spent since `since` (Unix ms, inclusive): the served requests
    /// (`UsageRecord.isServed`), their input + output tokens and their cost. For the budgets,
    /// which rebuild their in-memory counters from it at start and at reload.
    func usageTotals(tenantID: String, scope: UsageScope, scopeID: String, since: Int64) async throws -> UsageTotals
}

extension UsageStore {
    public func appendUsage(_ records: [UsageRecord], journalLines: [UInt8]?) async throws {
        try await appendUsage(records)
    }
}

/// Which tenants a usage query reads.
public enum UsageTenants: Sendable, Equatable {
    case one(String)
    /// Every tenant: the super-admin's system-wide view, chosen explicitly.
    case all
}

/// A budget's scope, and the column that carries its id in a usage record.
public enum UsageScope: String, Sendable, CaseIterable {
    case tenant, organization, department, user, apiKey
}

/// Report periods, UTC: hours, days, ISO weeks (from Monday 00:00).
public enum UsageInterval: String, Sendable, CaseIterable {
    case hour, day, week

    /// The start of the period that holds `time` (Unix ms). The SQL backends compute the same
    /// expression (`bucketSQL`), so every backend cuts periods identically.
    public func periodStart(_ time: Int64) -> Int64 {
        switch self {
        case .hour: return Self.floor(time, 3_600_000)
        case .day: return Self.floor(time, 86_400_000)
        // 1970-01-01 was a Thursday: Mondays are 4 days after every 7-day boundary.
        case .week: return Self.floor(time - Self.mondayOffset, 604_800_000) + Self.mondayOffset
        }
    }

    static let mondayOffset: Int64 = 4 * 86_400_000

    private static func floor(_ value: Int64, _ step: Int64) -> Int64 {
        let quotient = value / step
        return (value % step < 0 ? quotient - 1 : quotient) * step
    }

    /// `periodStart` as SQL over the `time` column (times before 1970 do not occur).
    public var bucketSQL: String {
        switch self {
        case .hour: "(time / 3600000) * 3600000"
        case .day: "(time / 86400000) * 86400000"
        case .week: "((time - 345600000) / 604800000) * 604800000 + 345600000"
        }
    }
}

/// What the usage report groups by (admin-api.md §5 `groupBy`).
public enum UsageGrouping: String, Sendable, CaseIterable {
    case tenant, organization, department, user, apiKey, provider, model

    /// The record column; `model` is the model the client named (an alias or `provider/model`).
    public var column: String {
        switch self {
        case .tenant: "tenant_id"
        case .organization: "organization_id"
        case .department: "department_id"
        case .user: "user_id"
        case .apiKey: "key_id"
        case .provider: "provider_id"
        case .model: "requested_model"
        }
    }

    public func value(of record: UsageRecord) -> String? {
        switch self {
        case .tenant: record.tenantID
        case .organization: record.organizationID
        case .department: record.departmentID
        case .user: record.userID
        case .apiKey: record.keyID
        case .provider: record.providerID
        case .model: record.requestedModel
        }
    }
}

public struct UsageReportQuery: Sendable, Equatable {
    public var tenants: UsageTenants
    /// Unix ms, inclusive.
    public var from: Int64
    /// Unix ms, exclusive.
    public var to: Int64
    public var interval: UsageInterval
    /// nil: one row per period.
    public var groupBy: UsageGrouping?
    /// Only this key's records (`/v1/usage`, `?apiKeyId=`).
    public var keyID: String?
    /// Only records attributed to this user (`usage:read:own`).
    public var userID: String?

    public init(tenants: UsageTenants, from: Int64, to: Int64, interval: UsageInterval, groupBy: UsageGrouping? = nil,
                keyID: String? = nil, userID: String? = nil) {
        self.tenants = tenants
        self.from = from
        self.to = to
        self.interval = interval
        self.groupBy = groupBy
        self.keyID = keyID
        self.userID = userID
    }
}

public struct UsageReportRow: Sendable, Equatable {
    /// The period's start, Unix ms.
    public var period: Int64
    /// The group's value; nil for records without one (a key bound to no user) or no grouping.
    public var group: String?
    public var requests: Int64
    public var errors: Int64
    public var inputTokens: Int64
    public var outputTokens: Int64
    public var cachedTokens: Int64
    public var reasoningTokens: Int64
    /// The sum of the priced records' costs.
    public var costNanos: Int64
    public var cacheHits: Int64

    public init(period: Int64, group: String?, requests: Int64 = 0, errors: Int64 = 0, inputTokens: Int64 = 0, outputTokens: Int64 = 0,
                cachedTokens: Int64 = 0, reasoningTokens: Int64 = 0, costNanos: Int64 = 0, cacheHits: Int64 = 0) {
        self.period = period
        self.group = group
        self.requests = requests
        self.errors = errors
        self.inputTokens = inputTokens
        self.outputTokens = outputTokens
        self.cachedTokens = cachedTokens
        self.reasoningTokens = reasoningTokens
        self.costNanos = costNanos
        self.cacheHits = cacheHits
    }

}

/// The sums a report row and a rollup row keep alike, and how one record adds to them.
public protocol UsageSums {
    var requests: Int64 { get set }
    var errors: Int64 { get set }
    var inputTokens: Int64 { get set }
    var outputTokens: Int64 { get set }
    var cachedTokens: Int64 { get set }
    var reasoningTokens: Int64 { get set }
    var costNanos: Int64 { get set }
    var cacheHits: Int64 { get set }
}

extension UsageSums {
    /// Adds one record (the in-memory store's report, the rollup's rows; the SQL backends'
    /// reports sum in SQL). The cost saturates rather than trap.
    public mutating func add(_ record: borrowing UsageRecord) {
        requests += 1
        if record.isError { errors += 1 }
        inputTokens += Int64(record.inputTokens)
        outputTokens += Int64(record.outputTokens)
        cachedTokens += Int64(record.cachedTokens)
        reasoningTokens += Int64(record.reasoningTokens)
        let (cost, overflow) = costNanos.addingReportingOverflow(record.costNanos ?? 0)
        costNanos = overflow ? .max : cost
        if record.cacheHit { cacheHits += 1 }
    }
}

extension UsageReportRow: UsageSums {}

public struct RecentRequestsQuery: Sendable, Equatable {
    /// A page boundary: the last record of the previous page.
    public struct Position: Sendable, Equatable {
        public var time: Int64
        public var id: String
        public init(time: Int64, id: String) {
            self.time = time
            self.id = id
        }
    }

    public var tenants: UsageTenants
    public var from: Int64?
    public var to: Int64?
    public var keyID: String?
    public var userID: String?
    /// The model the client named.
    public var model: String?
    public var providerID: String?
    public var status: Int?
    public var before: Position?
    public var limit: Int

    public init(tenants: UsageTenants, from: Int64? = nil, to: Int64? = nil, keyID: String? = nil, userID: String? = nil, model: String? = nil,
                providerID: String? = nil, status: Int? = nil, before: Position? = nil, limit: Int = 50) {
        self.tenants = tenants
        self.from = from
        self.to = to
        self.keyID = keyID
        self.userID = userID
        self.model = model
        self.providerID = providerID
        self.status = status
        self.before = before
        self.limit = limit
    }

    /// A column condition of the request list, which each SQL backend writes in its own
    /// placeholder style and binds in its own types: `column op value`.
    public struct Condition: Sendable, Equatable {
        public enum Value: Sendable, Equatable {
            case text(String)
            case integer(Int64)
            /// A 32-bit column (`status`): PostgreSQL binds it as such.
            case integer32(Int32)
        }
        public let column: String
        public let comparison: String
        public let value: Value
    }

    /// The filters of the list but the tenant and the page boundary (each backend scopes the
    /// tenant and compares positions its own way), in one order for every backend.
    public var conditions: [Condition] {
        var conditions: [Condition] = []
        func add(_ column: String, _ comparison: String, _ value: Condition.Value?) {
            if let value { conditions.append(Condition(column: column, comparison: comparison, value: value)) }
        }
        add("time", ">=", from.map { .integer($0) })
        add("time", "<", to.map { .integer($0) })
        add("key_id", "=", keyID.map { .text($0) })
        add("user_id", "=", userID.map { .text($0) })
        add("requested_model", "=", model.map { .text($0) })
        add("provider_id", "=", providerID.map { .text($0) })
        add("status", "=", status.map { .integer32(Int32(clamping: $0)) })
        return conditions
    }

    public func matches(_ record: UsageRecord) -> Bool {
        if case .one(let tenant) = tenants, record.tenantID != tenant { return false }
        if let from, record.time < from { return false }
        if let to, record.time >= to { return false }
        if let keyID, record.keyID != keyID { return false }
        if let userID, record.userID != userID { return false }
        if let model, record.requestedModel != model { return false }
        if let providerID, record.providerID != providerID { return false }
        if let status, record.status != status { return false }
        if let before, !(record.time < before.time || (record.time == before.time && record.id < before.id)) { return false }
        return true
    }
}

public struct UsageTotals: Sendable, Equatable {
    public var requests: Int64
    /// Input + output tokens.
    public var tokens: Int64
    public var costNanos: Int64

    public init(requests: Int64 = 0, tokens: Int64 = 0, costNanos: Int64 = 0) {
        self.requests = requests
        self.tokens = tokens
        self.costNanos = costNanos
    }
}

extension UsageScope {
    /// The record column holding this scope's id.
    public var column: String {
        switch self {
        case .tenant: "tenant_id"
        case .organization: "organization_id"
        case .department: "department_id"
        case .user: "user_id"
        case .apiKey: "key_id"
        }
    }

    public func value(of record: UsageRecord) -> String? {
        switch self {
        case .tenant: record.tenantID
        case .organization: record.organizationID
        case .department: record.departmentID
        case .user: record.userID
        case .apiKey: record.keyID
        }
    }
}
