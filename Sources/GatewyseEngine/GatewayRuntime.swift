import CoreMetrics
import GatewyseCore
import GatewyseStorage
import Logging
import Synchronization

/// Everything a running gateway holds: configuration, store and the inference engine (whose
/// snapshot of keys and routes is reloaded from the store here). Built once at startup; the
/// server's transports share it.
public final class GatewayRuntime: Sendable {
    public let configuration: GatewayConfiguration
    public let store: any GatewayStore
    public let engine: InferenceEngine
    public let routing: RoutingRuntime
    /// Admin sign-in, sessions, access tokens, passwords and credential encryption.
    public let controlPlane: ControlPlane
    /// Sign-in through tenants' identity providers (decisions/0022).
    public let sso: SSOService
    public let startedAt: Int64
    /// The admin API's route table and handlers; a change it commits reloads this replica's
    /// snapshot at once.
    public let adminRouter: AdminRouter
    /// Key last-use times, recorded in memory from completion events and flushed in batches
    /// by the server's key-use service.
    public let keyUses: KeyUseRecorder
    /// Usage records: journaled and queued from completion events, written in batches by the
    /// server's usage flusher (decisions/0011).
    public let usage: UsageRecorder
    /// Requests as they complete, for the dashboard's live feed (`GET /api/admin/requests/live`).
    public let requestFeed = RequestFeed()
    /// Builds and swaps the snapshot; usable before `self` exists (the admin API's reload hook).
    public let loader: SnapshotLoader
    /// Budget alerts: fires thresholds reached and delivers their webhooks, driven by the
    /// server's `BudgetAlertService` (decisions/0014).
    public let budgetAlerts: BudgetAlertMonitor
    /// The gateway's series (nil when `metrics.enabled` is off or no backend was given).
    public let metrics: GatewayMetrics?
    /// Traces (nil unless `tracing` has an endpoint); the server's `TraceExporter` drains its queue.
    public let tracer: Tracer?

    /// `stages` and `observers` extend the engine's pipeline (governance stages as they land,
    /// and tests); each applies to every inference route on every transport.
    /// `masterKey`: the loaded one (`MasterKey.load`); every derived key (access-token signing,
    /// credential encryption) comes from it, so replicas must share it.
    /// `passwordParameters`: Argon2id cost, OWASP's unless a test lowers it.
    /// `metricsFactory`: the metrics backend (the server's Prometheus registry); nil: no metrics.
    public init(configuration: GatewayConfiguration, store: any GatewayStore, transport: any UpstreamTransport, masterKey: MasterKey,
                stages: [any InferenceStage] = [], observers: [any CompletionObserver] = [],
                blockingWork: (any BlockingWorkRunner)? = nil, passwordParameters: PasswordHasher.Parameters = .owasp,
                metricsFactory: (any MetricsFactory)? = nil, clock: @escaping @Sendable () -> Int64 = UnixClock.now) {
        self.configuration = configuration
        self.store = store
        self.controlPlane = ControlPlane(masterKey: masterKey, store: store, blockingWork: blockingWork ?? DispatchWorkRunner(),
                                         settings: configuration.accounts, passwordParameters: passwordParameters)
        self.sso = SSOService(accounts: controlPlane.accounts, store: store, credentials: controlPlane.credentials, masterKey: masterKey,
                              transport: transport, settings: configuration.accounts, clock: UnixClock.milliseconds)
        self.routing = RoutingRuntime(configuration: configuration)
        let metrics = configuration.metrics.enabled ? metricsFactory.map { GatewayMetrics(factory: $0) } : nil
        self.metrics = metrics
        let executor = RouteExecutor(transport: transport, settings: configuration.upstream, routing: routing, metrics: metrics)
        let keyUses = KeyUseRecorder(clock: clock)
        self.keyUses = keyUses
        let tracer = configuration.tracing.isEnabled ? Tracer(settings: configuration.tracing) : nil
        self.tracer = tracer
        let usage = UsageRecorder(capacity: configuration.usage.queueCapacity,
                                  journalDirectory: configuration.usage.journalDirectory(for: configuration.database),
                                  flushBatch: configuration.usage.flushBatch)
        self.usage = usage
        self.engine = InferenceEngine(
            executor: executor,
            snapshot: RuntimeSnapshot(authenticator: APIKeyAuthenticator(), resolver: RouteResolver(configuration: configuration)),
            server: configuration.server, upstream: configuration.upstream, stages: [UsageBackpressure(recorder: usage)] + stages,
            observers: [keyUses, usage, requestFeed] + (metrics.map { [$0] } ?? []) + (tracer.map { [$0] } ?? []) + observers,
            blockingWork: blockingWork, tracer: tracer, clock: clock)
        // On a store replicas share (PostgreSQL), `block` budgets are drawn in leases and rate
        // limits read every replica's counts (decisions/0018); alone (SQLite, memory), this
        // process's counters are the whole truth.
        let replicaID = "rep_" + IDGenerator.hex(bytes: 8)
        if let leases = store as? any BudgetLeaseStore {
            engine.budgets.share(BudgetSharing(store: leases, replicaID: replicaID))
        }
        if let counts = store as? any RateCounterStore {
            engine.rateLimiter.share(RateLimitSharing(store: counts, replicaID: replicaID))
        }
        self.loader = SnapshotLoader(store: store, configuration: configuration, engine: engine, credentials: controlPlane.credentials,
                                     usage: usage)
        let signer = WebhookSigner(masterKey: masterKey)
        self.budgetAlerts = BudgetAlertMonitor(store: store, ledger: engine.budgets, budgets: { [engine] in engine.snapshot.budgets.alerting },
                                               transport: transport, signer: signer,
                                               allowPrivate: configuration.budgetAlerts.allowPrivateWebhooks)
        self.startedAt = clock()
        if let metrics { engine.watchSnapshots { [metrics] snapshot in metrics.routeTableChanged(to: snapshot.resolver) } }
        // Best effort: the change is committed, and a failed reload is retried by the watcher.
        let reload: @Sendable () async -> Void = { [loader] in _ = try? await loader.reload() }
        self.adminRouter = AdminRouter(api: AdminAPI(store: store, passwords: controlPlane.passwords, configuration: configuration,
                                                     credentials: controlPlane.credentials, prober: ProviderProber(executor: executor),
                                                     healthSnapshot: { [routing] in routing.health.snapshot(at: routing.clock()) },
                                                     budgets: engine.budgets, webhooks: signer, feed: requestFeed, reload: reload))
    }

    /// Imports the tenants and keys declared in the configuration, then loads every key into
    /// the authenticator.
    public func bootstrap(logger: Logger) async throws {
        let now = UnixClock.now()
        for seed in configuration.tenants {
            try await store.upsertTenant(Tenant(id: seed.id, name: seed.name, source: .config, createdAt: now))
            for (name, key) in seed.apiKeys {
                try await store.upsertConfigKey(APIKeyRecord(
                    id: "key_" + IDGenerator.hex(bytes: 12), tenantID: seed.id, name: name,
                    prefix: APIKeyMaterial.displayPrefix(key.revealed), digest: APIKeyMaterial.digest(key.revealed),
                    createdAt: now, source: .config))
            }
        }
        // Before the first snapshot: what a killed process journaled reaches the store first, so
        // that the budgets' and rate limits' counters rebuilt from the usage records include it.
        try await usage.start(replayingInto: store, logger: logger)
        try await reloadControlPlane()
        // Shared: the other replicas' counts are read before the first request is served.
        if sharesCounters { try await syncReplicaCounters() }
        try await controlPlane.accounts.prepare()
        logger.info("gateway ready", metadata: [
            "providers": "\(configuration.providers.map(\.id).joined(separator: ","))",
            "aliases": "\(configuration.models.count)", "tenants": "\(configuration.tenants.count)",
        ])
    }

    /// Rebuilds the whole snapshot — keys with their policies, tenants, routes — from the store
    /// and swaps it in at once (`SnapshotLoader.reload`). Returns the revision now serving.
    @discardableResult
    public func reloadControlPlane() async throws -> Int64 {
        try await loader.reload()
    }

    /// Whether budgets and rate limits are shared with other replicas through the store.
    public var sharesCounters: Bool { engine.budgets.isShared || engine.rateLimiter.isShared }

    /// Reports this replica's budget spending and rate-limit counts to the shared store and
    /// reads the others' back (`ReplicaSyncService`, every 100 ms); `final` gives every budget
    /// lease back (shutdown).
    public func syncReplicaCounters(final: Bool = false) async throws {
        async let budgets: Void = engine.budgets.sync(final: final)
        async let rates: Void = engine.rateLimiter.sync()
        _ = try await (budgets, rates)
    }

    /// The store revision the serving snapshot was built from.
    public var loadedRevision: Int64 { engine.snapshot.revision }

    /// Reloads when the store's revision moved past the snapshot's (the watcher's check;
    /// revisions only grow). Returns whether it reloaded.
    @discardableResult
    public func reloadIfChanged(revision: Int64? = nil) async throws -> Bool {
        let latest = if let revision { revision } else { try await store.revision() }
        guard latest > loadedRevision else { return false }
        try await reloadControlPlane()
        return true
    }

    /// Rebuilds the route table (with the rest of the snapshot: one swap, one revision).
    public func reloadRoutes() async throws {
        try await reloadControlPlane()
    }

    /// Refreshes keys and tenants (with the rest of the snapshot) after a key is created or revoked.
    public func reloadKeys() async throws {
        try await reloadControlPlane()
    }

    /// Creates a key for a tenant (creating the tenant if needed) and returns it in clear, once.
    public static func createKey(store: any GatewayStore, tenantID: String, name: String) async throws -> (record: APIKeyRecord, key: String) {
        guard Identifier.isValid(tenantID) else { throw ConfigurationError(problems: ["tenant: \"\(tenantID)\" is not a valid tenant id"]) }
        let now = UnixClock.now()
        if try await store.tenant(id: tenantID) == nil {
            try await store.upsertTenant(Tenant(id: tenantID, name: tenantID, createdAt: now))
        }
        let key = APIKeyMaterial.generate()
        let record = APIKeyRecord(id: "key_" + IDGenerator.hex(bytes: 12), tenantID: tenantID, name: name,
                                  prefix: APIKeyMaterial.displayPrefix(key), digest: APIKeyMaterial.digest(key),
                                  createdAt: now, source: .created)
        try await store.insertKey(record)
        return (record, key)
    }
}
