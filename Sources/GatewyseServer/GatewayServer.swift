#if canImport(Glibc)
import Glibc
#endif
import GatewyseCore
import GatewyseEngine
import GatewysePostgres
import GatewyseSQLite
import GatewyseStorage
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import Prometheus
import ServiceLifecycle

/// Assembles and runs the gateway: store, upstream transport, runtime, HTTP application.
public enum GatewayServer {
    /// Opens (and migrates) the store named by the configuration (SQLite by default).
    public static func makeStore(_ location: DatabaseLocation, logger: Logger = Logger(label: "gatewyse.store")) async throws -> any GatewayStore {
        switch location {
        case .sqlite(let path): try SQLiteStore(path: path)
        case .memory: InMemoryStore()
        case .postgres(let url): try await PostgresStore.open(url: url, logger: logger)
        }
    }

    /// Releases what a store holds open (PostgreSQL's connection pool; SQLite and memory hold
    /// nothing that outlives the process cleanly).
    public static func closeStore(_ store: any GatewayStore) async {
        if let postgres = store as? PostgresStore { await postgres.close() }
    }

    /// Applies the pending migrations of the configured database (`gatewyse migrate`): every
    /// applied migration, and those applied by this call.
    public static func migrate(_ location: DatabaseLocation, logger: Logger = Logger(label: "gatewyse.store")) async throws
        -> (applied: [String], new: [String]) {
        switch location {
        case .sqlite(let path): return try SQLiteStore.migrate(path: path)
        case .memory: return ([], [])
        case .postgres(let url):
            let store = try await PostgresStore.open(url: url, logger: logger)
            await store.close()
            return store.migrations
        }
    }

    /// Where the binary serves the admin dashboard (for the startup banner).
    public static let dashboardPath = DashboardController.basePath

    /// The upstream client (docs/decisions/0004-nio-upstream-client.md).
    static func makeTransport(_ settings: UpstreamSettings) throws -> any ClosableTransport {
        try NIOUpstreamTransport(settings: settings)
    }

    /// `metrics`: the scrape endpoint, when it is served on the main port.
    static func makeRouter(runtime: GatewayRuntime, metrics: MetricsController? = nil) -> Router<GatewayRequestContext> {
        let router = Router(context: GatewayRequestContext.self)
        router.add(middleware: RequestIDMiddleware())
        HealthController(runtime: runtime).register(on: router)
        metrics?.register(on: router)
        OpenAIController(runtime: runtime).register(on: router)
        AnthropicMessagesController(runtime: runtime).register(on: router)
        AuthController(controlPlane: runtime.controlPlane).register(on: router)
        SSOController(sso: runtime.sso, adminURL: runtime.configuration.accounts.adminURL).register(on: router)
        AdminController(router: runtime.adminRouter, authenticator: AdminAuthenticator(store: runtime.store, tokens: runtime.controlPlane.accessTokens))
            .register(on: router)
        DashboardController().register(on: router)
        return router
    }

    /// HTTP/1.1 with the data plane's channel handler in front of Hummingbird on every
    /// connection (docs/decisions/0005-data-plane-channel-handler.md): the only path of the
    /// inference routes (decisions/0006).
    static func httpServer(runtime: GatewayRuntime, logger: Logger) -> HTTPServerBuilder {
        return .http1(configuration: .init(additionalChannelHandlers: [DataPlaneInstaller(runtime: runtime, logger: logger)]))
    }

    /// What runs beside the HTTP server: the trace exporter (when tracing is on), the usage and
    /// key-use flushers, the control-plane watcher, the budget-alert service, the sender of
    /// upstream jobs' cancel calls and, on a store
    /// replicas share, the sync of budgets and rate limits.
    /// `pollInterval`: how often the watcher compares the store's revision (the safety net
    /// beside PostgreSQL's notifications). `transport`: the upstream client the exporter posts with.
    static func backgroundServices(runtime: GatewayRuntime, transport: any UpstreamTransport, pollInterval: Duration = .seconds(1),
                                   logger: Logger) -> [any Service] {
        let usage = runtime.configuration.usage
        // First in the list, so the last to stop: it exports the spans of the drained requests.
        let exporter = TraceExporter(tracer: runtime.tracer, settings: runtime.configuration.tracing, transport: transport, logger: logger)
        return (exporter.map { [$0] } ?? []) + [UsageFlusher(usage: runtime.usage, store: runtime.store, interval: .milliseconds(Int64(usage.flushInterval * 1000)), logger: logger),
                KeyUseFlusher(runtime: runtime, logger: logger), ControlPlaneWatcher(runtime: runtime, interval: pollInterval, logger: logger),
                BudgetAlertService(monitor: runtime.budgetAlerts, interval: .milliseconds(Int64(runtime.configuration.budgetAlerts.checkInterval * 1000)),
                                   logger: logger),
                RequestFeedService(feed: runtime.requestFeed, drain: runtime.engine.drain),
                UpstreamCancellationService(cancellations: runtime.engine.upstreamCancellations, transport: transport,
                                            settings: runtime.configuration.upstream, logger: logger)]
            + (runtime.sharesCounters ? [ReplicaSyncService(runtime: runtime, logger: logger)] : [])
    }

    /// Runs until SIGINT/SIGTERM, then drains in-flight requests and shuts the client down.
    /// `onRunning` receives the bound port (useful with port 0).
    /// `store`: the one the caller already opened (an in-memory store exists once per process,
    /// so the bootstrap key `serve` mints must be made in the store that serves); nil opens the
    /// configured one.
    /// `masterKey`: from `MasterKey.load` (every replica must run on the same one).
    /// `observers`: completion observers of the process (the request log).
    /// `beforeExit`: run before a second signal ends the process at once.
    public static func run(configuration: GatewayConfiguration, store: (any GatewayStore)? = nil, masterKey: MasterKey, logger: Logger,
                           observers: [any CompletionObserver] = [], beforeExit: @escaping @Sendable () -> Void = {},
                           onRunning: @escaping @Sendable (Int) async -> Void = { _ in }) async throws {
        let store = if let store { store } else { try await makeStore(configuration.database, logger: logger) }
        let transport = try makeTransport(configuration.upstream)
        let blockingWork = ThreadPoolWorkRunner()
        let backend = MetricsBackend.make()
        let runtime = GatewayRuntime(configuration: configuration, store: store, transport: transport, masterKey: masterKey,
                                     observers: observers, blockingWork: blockingWork, metricsFactory: backend.factory)
        do {
            try await runtime.bootstrap(logger: logger)
            let metrics = configuration.metrics.enabled ? MetricsController(runtime: runtime, registry: backend.registry) : nil
            let app = Application(
                router: makeRouter(runtime: runtime, metrics: configuration.metrics.port == nil ? metrics : nil),
                server: httpServer(runtime: runtime, logger: logger),
                configuration: .init(address: .hostname(configuration.server.host, port: configuration.server.port), serverName: "gatewyse"),
                onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? configuration.server.port) },
                logger: logger)
            // Shut down in reverse order: the app drains its requests first (then the metrics
            // listener, if any), then the watcher stops, then the flushers write what
            // those requests recorded. The coordinator, first, turns signals into that shutdown.
            let server = configuration.server
            let coordinator = ShutdownCoordinator(drain: runtime.engine.drain, shutdownDelay: .milliseconds(Int64(server.shutdownDelay * 1000)),
                                                  drainTimeout: .milliseconds(Int64(server.drainTimeout * 1000)), logger: logger,
                                                  beforeExit: beforeExit)
            var services: [ServiceGroupConfiguration.ServiceConfiguration] = [.init(service: coordinator, successTerminationBehavior: .gracefullyShutdownGroup)]
            services += backgroundServices(runtime: runtime, transport: transport, logger: logger).map { ServiceGroupConfiguration.ServiceConfiguration(service: $0) }
            // A separate metrics listener stops after the main one has drained, so the drain
            // itself can be watched (open streams, draining).
            if let metrics, let port = configuration.metrics.port {
                let router = Router(context: GatewayRequestContext.self)
                metrics.register(on: router)
                services.append(.init(service: Application(router: router, configuration: .init(address: .hostname(server.host, port: port), serverName: "gatewyse"),
                                                           logger: logger)))
            }
            services.append(.init(service: app))
            var groupConfiguration = ServiceGroupConfiguration(services: services, logger: logger)
            // Past the drain's deadline plus time for the flushers, the group is cancelled.
            groupConfiguration.maximumGracefulShutdownDuration = .milliseconds(Int64((server.shutdownDelay + server.drainTimeout) * 1000)) + .seconds(30)
            let group = ServiceGroup(configuration: groupConfiguration)
            try await group.run()
        } catch {
            await transport.close()
            await blockingWork.shutdown()
            throw error
        }
        await transport.close()
        await blockingWork.shutdown()
    }
}

/// A gateway started in-process on an ephemeral port, for tests and the benchmark.
public final class RunningGateway: Sendable {
    public let port: Int
    public let runtime: GatewayRuntime
    private let task: Task<Void, any Error>
    private let transport: any ClosableTransport
    private let services: ServiceGroup

    /// `masterKey`: nil makes a random one (this process only); `passwordParameters`: tests
    /// lower the Argon2id cost; `controlPlanePollInterval`: tests lengthen it to show that
    /// PostgreSQL's notifications alone deliver a change.
    public static func start(configuration: GatewayConfiguration, store: (any GatewayStore)? = nil,
                             stages: [any InferenceStage] = [], observers: [any CompletionObserver] = [],
                             masterKey: MasterKey? = nil, passwordParameters: PasswordHasher.Parameters = .owasp,
                             controlPlanePollInterval: Duration = .seconds(1),
                             logger: Logger = Logger(label: "gatewyse-test")) async throws -> RunningGateway {
        var configuration = configuration
        configuration.server.port = 0
        let store = if let store { store } else { try await GatewayServer.makeStore(configuration.database, logger: logger) }
        let transport = try GatewayServer.makeTransport(configuration.upstream)
        let blockingWork = ThreadPoolWorkRunner()
        let backend = MetricsBackend.make()
        let runtime = GatewayRuntime(configuration: configuration, store: store, transport: transport, masterKey: masterKey ?? .random(),
                                     stages: stages, observers: observers, blockingWork: blockingWork, passwordParameters: passwordParameters,
                                     metricsFactory: backend.factory)
        try await runtime.bootstrap(logger: logger)
        let (portStream, portContinuation) = AsyncStream<Int>.makeStream()
        let metrics = configuration.metrics.enabled ? MetricsController(runtime: runtime, registry: backend.registry) : nil
        let app = Application(
            router: GatewayServer.makeRouter(runtime: runtime, metrics: metrics),
            server: GatewayServer.httpServer(runtime: runtime, logger: logger),
            configuration: .init(address: .hostname(configuration.server.host, port: 0), serverName: "gatewyse"),
            onServerRunning: { channel in portContinuation.yield(channel.localAddress?.port ?? 0) },
            logger: logger)
        // A service group without signal handling, so tests can ask for the graceful shutdown
        // SIGTERM starts in `gatewyse serve`.
        let services = ServiceGroup(configuration: .init(
            services: GatewayServer.backgroundServices(runtime: runtime, transport: transport, pollInterval: controlPlanePollInterval, logger: logger) + [app],
            logger: logger))
        let task = Task { try await services.run() }
        var iterator = portStream.makeAsyncIterator()
        guard let port = await iterator.next() else { throw GatewayError.internalError("server did not start") }
        return RunningGateway(port: port, runtime: runtime, task: task, transport: transport, services: services, blockingWork: blockingWork)
    }

    private let blockingWork: ThreadPoolWorkRunner

    private init(port: Int, runtime: GatewayRuntime, task: Task<Void, any Error>, transport: any ClosableTransport, services: ServiceGroup,
                 blockingWork: ThreadPoolWorkRunner) {
        self.blockingWork = blockingWork
        self.port = port
        self.runtime = runtime
        self.task = task
        self.transport = transport
        self.services = services
    }

    /// What SIGTERM does to `gatewyse serve`: stop accepting, let requests in flight finish,
    /// then close.
    public func shutdownGracefully() async {
        runtime.engine.drain.begin(timeout: .seconds(Int64(runtime.configuration.server.drainTimeout)))
        await services.triggerGracefulShutdown()
        _ = try? await task.value
    }

    public var baseURL: String { "http://127.0.0.1:\(port)" }

    public func stop() async {
        task.cancel()
        _ = try? await task.value
        await transport.close()
        await blockingWork.shutdown()
    }
}

/// A transport the server owns and closes on shutdown.
protocol ClosableTransport: UpstreamTransport {
    func close() async
}

extension NIOUpstreamTransport: ClosableTransport {
    func close() async { await shutdown() }
}
