import GatewyseCore
import GatewyseStorage
import Logging

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
    public let startedAt: Int64
    /// The admin API's route table and handlers; a change it commits reloads this replica's
    /// snapshot at once.
    public let adminRouter: AdminRouter

    /// `stages` and `observers` extend the engine's pipeline (governance stages as they land,
    /// and tests); each applies to every inference route on every transport.
    /// `masterKey`: the loaded one (`MasterKey.load`); every derived key (access-token signing,
    /// credential encryption) comes from it, so replicas must share it.
    /// `passwordParameters`: Argon2id cost, OWASP's unless a test lowers it.
    public init(configuration: GatewayConfiguration, store: any GatewayStore, transport: any UpstreamTransport, masterKey: MasterKey,
                stages: [any InferenceStage] = [], observers: [any CompletionObserver] = [],
                blockingWork: (any BlockingWorkRunner)? = nil, passwordParameters: PasswordHasher.Parameters = .owasp,
                clock: @escaping @Sendable () -> Int64 = UnixClock.now) {
        self.configuration = configuration
        self.store = store
        self.controlPlane = ControlPlane(masterKey: masterKey, store: store, blockingWork: blockingWork ?? DispatchWorkRunner(),
                                         settings: configuration.accounts, passwordParameters: passwordParameters)
        self.routing = RoutingRuntime(configuration: configuration)
        let executor = RouteExecutor(transport: transport, settings: configuration.upstream, routing: routing)
        self.engine = InferenceEngine(
            executor: executor,
            snapshot: RuntimeSnapshot(authenticator: APIKeyAuthenticator(), resolver: RouteResolver(configuration: configuration)),
            server: configuration.server, upstream: configuration.upstream, stages: stages, observers: observers,
            blockingWork: blockingWork, clock: clock)
        self.startedAt = clock()
        let reload: @Sendable () async -> Void = { [weak engine, store, configuration, controlPlane] in
            guard let engine else { return }
            // Best effort: a failed reload is retried by the revision watch; the change is committed.
            if let keys = try? await store.allKeys() { engine.replaceSnapshot { $0.replacing(authenticator: APIKeyAuthenticator(keys: keys)) } }
            if let resolver = try? await RouteResolver.load(configuration: configuration, store: store, credentials: controlPlane.credentials) {
                engine.replaceSnapshot { $0.replacing(resolver: resolver) }
            }
        }
        self.adminRouter = AdminRouter(api: AdminAPI(store: store, passwords: controlPlane.passwords, configuration: configuration,
                                                     credentials: controlPlane.credentials, prober: ProviderProber(executor: executor),
                                                     healthSnapshot: { [routing] in routing.health.snapshot(at: routing.clock()) }, reload: reload))
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
        try await reloadKeys()
        try await reloadRoutes()
        try await controlPlane.accounts.prepare()
        logger.info("gateway ready", metadata: [
            "providers": "\(configuration.providers.map(\.id).joined(separator: ","))",
            "aliases": "\(configuration.models.count)", "tenants": "\(configuration.tenants.count)",
        ])
    }

    /// Rebuilds the route table from the configuration and the stored routes.
    public func reloadRoutes() async throws {
        let resolver = try await RouteResolver.load(configuration: configuration, store: store, credentials: controlPlane.credentials)
        engine.replaceSnapshot { $0.replacing(resolver: resolver) }
    }

    /// Refreshes the authenticator from the store (after a key is created or revoked).
    public func reloadKeys() async throws {
        let authenticator = APIKeyAuthenticator(keys: try await store.allKeys())
        engine.replaceSnapshot { $0.replacing(authenticator: authenticator) }
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
