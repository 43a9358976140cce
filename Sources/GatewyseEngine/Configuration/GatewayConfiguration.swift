import GatewyseCore
import GatewyseStorage
import GatewyseProviders
import GatewyseRouting

/// The validated configuration the gateway runs on (ARCHITECTURE rule 9, phase two). Built by
/// `ConfigurationValidator` from a file, or by `EnvironmentConfiguration` when there is none.
public struct GatewayConfiguration: Sendable {
    public var server = ServerSettings()
    public var database = DatabaseLocation.sqlite(path: "./data/gatewyse.sqlite")
    public var upstream = UpstreamSettings()
    public var routing = RoutingSettings()
    public var providers: [ProviderConfiguration] = []
    public var models: [ModelAlias] = []
    public var tenants: [TenantSeed] = []
    /// Price overrides (`prices:`), keyed `provider-id/model`, over the built-in price book.
    public var prices: [String: ModelPrice] = [:]
    /// Per provider id: a declared free-tier quota replacing the catalog default, or nil to turn
    /// free-tier tracking off for that provider (`providers[].free_tier`).
    public var freeTierOverrides: [String: FreeTierQuota?] = [:]
    /// Admin sign-in: token lifetimes and lockout (`auth:`).
    public var accounts = AccountSettings()
    /// The usage journal, queue and flushes (`usage:`).
    public var usage = UsageSettings()
    /// Budget alerts: the check interval and whether webhooks may reach private addresses (`budget_alerts:`).
    public var budgetAlerts = BudgetAlertSettings()
    /// The Prometheus endpoint (`metrics:`).
    public var metrics = MetricsSettings()
    /// Log level and format, and the per-request line (`logging:`).
    public var logging = LoggingSettings()
    /// OpenTelemetry traces exported over OTLP/HTTP (`tracing:` and `OTEL_*`).
    public var tracing = TracingSettings()

    public init() {}
}

public struct ServerSettings: Sendable, Equatable {
    public var host = "127.0.0.1"
    public var port = 8080
    /// Largest request body accepted, in bytes (default 10 MB).
    public var maxBodyBytes = 10 * 1024 * 1024
    /// Largest audio upload (`/v1/audio/transcriptions`, `/translations`), in bytes: product-spec
    /// §2.3 gives audio its own limit, 10 MB by default (`server.max_audio_body_bytes`).
    public var maxAudioBodyBytes = 10 * 1024 * 1024
    /// Inference requests in flight at once; past it, 503 `OVERLOADED` with `Retry-After`.
    public var maxInFlight = 4096
    /// A request's head must arrive within this many seconds of its first byte (slowloris).
    public var headerTimeout: Double = 10
    /// A request's whole body must arrive within this many seconds of its head (408, then close).
    public var bodyTimeout: Double = 30
    /// A keep-alive connection with no request in progress is closed after this many seconds.
    public var idleTimeout: Double = 60
    /// After SIGTERM: seconds `/readyz` answers 503 while the listener still accepts, so that a
    /// load balancer stops sending before connections are refused (`server.shutdown_delay_ms`).
    public var shutdownDelay: Double = 0
    /// After that: seconds in-flight requests and streams get to finish; a stream still open
    /// then ends with an in-band `SHUTTING_DOWN` error (`server.drain_timeout_ms`).
    public var drainTimeout: Double = 30

    public init() {}
}

public enum DatabaseLocation: Sendable, Equatable, CustomStringConvertible {
    case sqlite(path: String)
    case memory
    /// A PostgreSQL URL (`postgres://user:pass@host:port/db`, `postgresql://…`, `?host=/socket/dir`),
    /// kept as written; `description` hides its password.
    case postgres(url: String)

    /// Parses `sqlite:PATH`, `sqlite://PATH`, `sqlite::memory:`, `memory:`, `postgres://…` or `postgresql://…`.
    public static func parse(_ url: String) -> DatabaseLocation? {
        if url == "memory:" || url == "sqlite::memory:" { return .memory }
        if url.hasPrefix("postgres://") || url.hasPrefix("postgresql://") {
            return PostgresURL.parse(url) == nil ? nil : .postgres(url: url)
        }
        for scheme in ["sqlite://", "sqlite:"] where url.hasPrefix(scheme) {
            let path = String(url.dropFirst(scheme.count))
            return path.isEmpty ? nil : .sqlite(path: path)
        }
        return nil
    }

    public var description: String {
        switch self {
        case .sqlite(let path): "sqlite:\(path)"
        case .memory: "memory:"
        case .postgres(let url): PostgresURL.redacted(url)
        }
    }
}

/// Timeouts for upstream calls, in seconds.
public struct UpstreamSettings: Sendable, Equatable {
    /// Establishing the TCP (and TLS) connection.
    public var connectTimeout: Double = 10
    /// From sending the request to the first response byte, and between bytes of a stream.
    public var firstByteTimeout: Double = 120
    /// The whole exchange, body included.
    public var totalTimeout: Double = 600
    /// Pooled connections kept per upstream host.
    public var connectionsPerHost = 256
    /// Connections open at once to one upstream origin; past it requests wait for one to close
    /// (at most the connect timeout).
    public var maxConnectionsPerHost = 1024

    public init() {}
}

/// How requests are planned and retried across deployments (`routing:` in the file).
public struct RoutingSettings: Sendable, Equatable {
    /// Strategy for aliases that name none.
    public var defaultStrategy: RoutingStrategyKind = .failover
    public var retry = RetryPolicy()
    public var health = HealthConfiguration()
    /// Whether the declared free-tier quotas of providers that have one are tracked.
    public var trackFreeTiers = true

    public init() {}
}

/// A client-facing model name routed to one or more provider deployments.
public struct ModelAlias: Sendable, Equatable {
    public var name: String
    public var strategy: RoutingStrategyKind
    public var targets: [ModelTarget]
    /// Aliases tried, in order, after every target of this one failed.
    public var fallbacks: [String] = []

    public init(name: String, strategy: RoutingStrategyKind, targets: [ModelTarget], fallbacks: [String] = []) {
        self.fallbacks = fallbacks
        self.name = name
        self.strategy = strategy
        self.targets = targets
    }
}

/// A provider deployment: which configured provider, and the model name it knows.
public struct ModelTarget: Sendable, Equatable {
    public var provider: String
    public var model: String
    /// Lower is preferred; defaults to the position in the list.
    public var priority: Int
    /// Share for the weighted strategy.
    public var weight: Double

    public init(provider: String, model: String, priority: Int = 1, weight: Double = 1) {
        self.provider = provider
        self.model = model
        self.priority = priority
        self.weight = weight
    }
}

/// A tenant declared in the config, with keys imported at startup.
public struct TenantSeed: Sendable {
    public var id: String
    public var name: String
    public var apiKeys: [(name: String, key: Secret)]
    /// The tenant's own aliases; one with a global alias's name replaces it for this tenant.
    public var models: [ModelAlias]

    public init(id: String, name: String, apiKeys: [(name: String, key: Secret)], models: [ModelAlias] = []) {
        self.id = id
        self.name = name
        self.apiKeys = apiKeys
        self.models = models
    }
}

/// Every problem found in a configuration, each with its path; reported together at startup.
public struct ConfigurationError: Error, CustomStringConvertible, Equatable {
    public var problems: [String]

    public init(problems: [String]) {
        self.problems = problems
    }

    public var description: String {
        "invalid configuration (\(problems.count) problem\(problems.count == 1 ? "" : "s")):\n" + problems.map { "  - \($0)" }.joined(separator: "\n")
    }
}
