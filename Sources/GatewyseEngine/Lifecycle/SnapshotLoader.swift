import GatewyseCore
import GatewyseStorage
import Logging
import Synchronization

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
    private let gate = ReloadGate()

    init(store: any GatewayStore, configuration: GatewayConfiguration, engine: InferenceEngine, credentials: CredentialCipher) {
        self.store = store
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
            let snapshot = RuntimeSnapshot(authenticator: authenticator,
                                           resolver: try await resolver, budgets: BudgetIndex(budgets), revision: revision)
            var serving = revision
            engine.replaceSnapshot { old in
                guard old.revision <= revision else {
                    serving = old.revision
                    return old
                }
                return snapshot
            }
            return serving
        }
    }
}

extension SnapshotLoader {
    /// What each budget's current periods spent, from the usage records (which the journal's
    /// replay completed before the first reload). A request settled here between the ledger's
    /// update and this read, and flushed meanwhile, is counted twice: the error is on the safe
    /// side, and only when a budget is created or its limits change under traffic.
    func loadCounters(of budgets: [BudgetRecord]) async throws {
        for budget in budgets {
            guard let scope = UsageScope(rawValue: budget.scope.rawValue) else { continue }
            var totals: [BudgetLimit: BudgetAmounts] = [:]
            var bySince: [Int64: BudgetAmounts] = [:]
            for (limit, since) in engine.budgets.periodStarts(budget) {
                if bySince[since] == nil {
                    let stored = try await store.usageTotals(tenantID: budget.tenantID, scope: scope, scopeID: budget.scopeID, since: since)
                    bySince[since] = BudgetAmounts(nanos: stored.costNanos, tokens: stored.tokens, requests: stored.requests)
                }
                totals[limit] = bySince[since]
            }
            engine.budgets.load(budget.id, totals: totals)
        }
    }
}

extension SnapshotLoader {
    /// What the keys and tenants with a daily rate limit served today, from the usage records,
    /// for those this process has not counted yet (at start: a restart resets no day's count).
    func loadDayCounts(of keys: [APIKeyRecord], tenants: [String: TenantPolicy]) async throws {
        var subjects: [RateLimitSubject] = []
        for key in keys where key.rateLimits.requestsPerDay != nil || key.rateLimits.tokensPerDay != nil {
            subjects.append(RateLimitSubject(kind: .apiKey, tenantID: key.tenantID, id: key.id))
        }
        for tenant in tenants.values where tenant.rateLimits.requestsPerDay != nil || tenant.rateLimits.tokensPerDay != nil {
            subjects.append(RateLimitSubject(kind: .tenant, tenantID: tenant.id, id: tenant.id))
        }
        let limiter = engine.rateLimiter
        let today = BudgetPeriod.day.start(limiter.clock())
        for subject in limiter.unseen(subjects) {
            let totals = try await store.usageTotals(tenantID: subject.tenantID, scope: subject.kind == .apiKey ? .apiKey : .tenant,
                                                     scopeID: subject.id, since: today)
            limiter.load(subject, requests: totals.requests, tokens: totals.tokens)
        }
    }
}

/// Runs reloads one after another: they read the store and swap the snapshot, and two at once
/// would only do the same work twice.
final class ReloadGate: Sendable {
    private let busy = Mutex<(running: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, []))

    func run<T>(_ body: () async throws -> T) async throws -> T {
        await acquire()
        defer { release() }
        return try await body()
    }

    private func acquire() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let acquired = busy.withLock { state in
                if state.running {
                    state.waiters.append(continuation)
                    return false
                }
                state.running = true
                return true
            }
            if acquired { continuation.resume() }
        }
    }

    private func release() {
        let next = busy.withLock { state -> CheckedContinuation<Void, Never>? in
            if state.waiters.isEmpty {
                state.running = false
                return nil
            }
            return state.waiters.removeFirst()
        }
        next?.resume()
    }
}
