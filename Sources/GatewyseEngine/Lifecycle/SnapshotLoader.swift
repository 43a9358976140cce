import GatewyseCore
import GatewyseStorage
import Logging

/// Rebuilds the request path's snapshot from the store: keys with their policies, tenants and
/// routes, swapped in at once. The revision is read first, so a change committed while the
/// resources are read shows as a newer revision at the watcher's next check and is never
/// missed; and a snapshot built from an older revision never replaces a newer one. Reloads run
/// one at a time.
public final class SnapshotLoader: Sendable {
    let store: any GatewayStore
    let configuration: GatewayConfiguration
    let engine: InferenceEngine
    /// Decrypts the credentials of providers added through the admin API, into memory only.
    let credentials: CredentialCipher
    /// The usage records not yet stored, which counters rebuilt from the store must include.
    let usage: UsageRecorder?
    private let gate = SerialGate()

    init(store: any GatewayStore, configuration: GatewayConfiguration, engine: InferenceEngine, credentials: CredentialCipher,
         usage: UsageRecorder? = nil) {
        self.store = store
        self.usage = usage
        self.configuration = configuration
        self.engine = engine
        self.credentials = credentials
    }

    /// Returns the revision the serving snapshot has afterwards.
    @discardableResult
    public func reload() async throws -> Int64 {
        try await gate.run {
            let revision = try await store.revision()
            async let tenants = store.all(Tenant.self)
            async let keys = store.allKeys()
            async let settings = store.listAll(.settings)
            async let resolver = RouteResolver.load(configuration: configuration, store: store, credentials: credentials)
            let budgets = try await store.all(BudgetRecord.self)
            // The counters of new or changed budgets are filled from the usage records before
            // the snapshot that enforces them is swapped in.
            try await loadCounters(of: engine.budgets.update(budgets))
            let authenticator = APIKeyAuthenticator(keys: try await keys, tenants: try await tenants,
                                                    settings: try await settings.map { try TenantSettings(stored: $0) })
            try await loadDayCounts(of: try await keys, tenants: authenticator.tenants)
            let routes = try await resolver
            let snapshot = RuntimeSnapshot(authenticator: authenticator,
                                           resolver: routes, budgets: BudgetIndex(budgets), revision: revision)
            var serving = revision
            engine.replaceSnapshot { old in
                guard old.revision <= revision else {
                    serving = old.revision
                    return old
                }
                return snapshot
            }
            // The free tiers of the routes now serving; a snapshot that lost to a newer one
            // declares nothing, so the tracker never goes back to an older revision's quotas.
            if serving == revision { engine.executor.routing.declareStoredFreeTiers(routes.storedFreeTiers) }
            return serving
        }
    }
}

extension SnapshotLoader {
    /// What each budget's current periods spent, from the usage records (which the journal's
    /// replay completed before the first reload): those not yet stored, then the store's. A
    /// record flushed between the two reads, or settled into the new counters while they load,
    /// is counted twice: the error is on the safe side, and only when a budget is created or its
    /// limits change under traffic.
    func loadCounters(of budgets: [BudgetRecord]) async throws {
        for budget in budgets {
            guard let scope = UsageScope(rawValue: budget.scope.rawValue) else { continue }
            var totals: [BudgetLimit: BudgetAmounts] = [:]
            var bySince: [Int64: BudgetAmounts] = [:]
            for (limit, since) in engine.budgets.periodStarts(budget) {
                if bySince[since] == nil {
                    bySince[since] = try await self.totals(tenantID: budget.tenantID, scope: scope, scopeID: budget.scopeID, since: since)
                }
                totals[limit] = bySince[since]
            }
            engine.budgets.load(budget, totals: totals)
        }
    }
}

extension SnapshotLoader {
    /// What the keys and tenants with a daily rate limit served today, from the usage records,
    /// for those this process has not counted yet (at start: a restart resets no day's count).
    /// Shared (decisions/0018), every limited subject is registered instead, and the sync reads
    /// its counts from the store.
    func loadDayCounts(of keys: [APIKeyRecord], tenants: [String: TenantPolicy]) async throws {
        let limiter = engine.rateLimiter
        let shared = limiter.isShared
        func counted(_ limits: RateLimitSet) -> Bool {
            limits.requestsPerDay != nil || limits.tokensPerDay != nil || (shared && limits.requestsPerMinute != nil)
        }
        var subjects: [RateLimitSubject] = []
        for key in keys where counted(RateLimitSet(requestsPerMinute: key.rateLimits.requestsPerMinute, requestsPerDay: key.rateLimits.requestsPerDay,
                                                   tokensPerDay: key.rateLimits.tokensPerDay)) {
            subjects.append(RateLimitSubject(kind: .apiKey, tenantID: key.tenantID, id: key.id))
        }
        for tenant in tenants.values where counted(tenant.rateLimits) {
            subjects.append(RateLimitSubject(kind: .tenant, tenantID: tenant.id, id: tenant.id))
        }
        // Shared, the store holds every replica's day counts, this one's earlier lives
        // included: the next sync reads them for the subjects registered here.
        if limiter.isShared { return limiter.register(subjects) }
        let today = BudgetPeriod.day.start(limiter.clock())
        for subject in limiter.unseen(subjects) {
            let served = try await totals(tenantID: subject.tenantID, scope: subject.kind == .apiKey ? .apiKey : .tenant,
                                          scopeID: subject.id, since: today)
            limiter.load(subject, requests: served.requests, tokens: served.tokens)
        }
    }
}

extension SnapshotLoader {
    /// The usage of one scope since a time: the records not yet stored first, then the store's.
    func totals(tenantID: String, scope: UsageScope, scopeID: String, since: Int64) async throws -> BudgetAmounts {
        let unstored = usage?.unstoredTotals(tenantID: tenantID, scope: scope, scopeID: scopeID, since: since) ?? UsageTotals()
        let stored = try await store.usageTotals(tenantID: tenantID, scope: scope, scopeID: scopeID, since: since)
        return BudgetAmounts(nanos: stored.costNanos &+ unstored.costNanos, tokens: stored.tokens &+ unstored.tokens,
                             requests: stored.requests &+ unstored.requests)
    }
}
