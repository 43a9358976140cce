import GatewyseCore
import GatewyseEngine
import GatewyseProviders
import GatewyseServer
import GatewyseStorage
import Logging

/// A real gateway on an ephemeral loopback port, wired to a `MockOpenAIUpstream`, with one
/// tenant and key. Providers: `mock` (the mock), `down` (a port nobody listens on); aliases:
/// `fast-chat` (down → mock failover) and `mock-chat` (mock only).
public final class TestGateway: Sendable {
    public let gateway: RunningGateway
    public let mock: MockOpenAIUpstream
    public let apiKey: String
    public static let providerKey = "sk-mock-secret-123456"

    public static func start(maxBodyBytes: Int = 10 * 1024 * 1024, firstByteTimeout: Double = 1.5, breakerFailures: Int = 10_000,
                             extraProviders: [ProviderConfiguration] = [], extraModels: [ModelAlias] = [],
                             stages: [any InferenceStage] = [], observers: [any CompletionObserver] = [],
                             store: (any GatewayStore)? = nil, controlPlanePollInterval: Duration = .seconds(1), configure: (inout GatewayConfiguration) -> Void = { _ in }) async throws -> TestGateway {
        let mock = try await MockOpenAIUpstream.start()
        let apiKey = APIKeyMaterial.generate()
        var configuration = GatewayConfiguration()
        configuration.database = .memory
        configuration.server.maxBodyBytes = maxBodyBytes
        configuration.upstream.firstByteTimeout = firstByteTimeout
        configuration.upstream.connectTimeout = 1
        // Tests that show failover must see it every time: the breaker has its own tests.
        configuration.routing.health.breaker.failureThreshold = breakerFailures
        configuration.routing.retry.baseDelay = 0.01
        configuration.routing.retry.maxDelay = 0.05
        let openAI = ProviderCatalog.entry(forType: "openai")!
        let generic = ProviderCatalog.entry(forType: "openai-compatible")!
        configuration.providers = [
            ProviderConfiguration(id: "mock", entry: openAI, baseURL: mock.baseURL, apiKey: Secret(providerKey), models: ["mock-chat", "mock-tool"]),
            // Port 9 (discard) on loopback: nothing listens there in the test environment.
            ProviderConfiguration(id: "down", entry: generic, baseURL: "http://127.0.0.1:9/v1", apiKey: nil),
        ]
        configuration.models = [
            ModelAlias(name: "fast-chat", strategy: .failover, targets: [ModelTarget(provider: "down", model: "whatever", priority: 1),
                                                                         ModelTarget(provider: "mock", model: "mock-chat", priority: 2)]),
            ModelAlias(name: "mock-chat", strategy: .failover, targets: [ModelTarget(provider: "mock", model: "mock-chat")]),
        ]
        configuration.providers += extraProviders
        configuration.models += extraModels
        configuration.tenants = [TenantSeed(id: "acme", name: "Acme", apiKeys: [("ci", Secret(apiKey))])]
        configure(&configuration)
        var logger = Logger(label: "gatewyse-test")
        logger.logLevel = .critical
        let gateway = try await RunningGateway.start(configuration: configuration, store: store, stages: stages, observers: observers,
                                                       controlPlanePollInterval: controlPlanePollInterval, logger: logger)
        return TestGateway(gateway: gateway, mock: mock, apiKey: apiKey)
    }

    init(gateway: RunningGateway, mock: MockOpenAIUpstream, apiKey: String) {
        self.gateway = gateway
        self.mock = mock
        self.apiKey = apiKey
    }

    public var baseURL: String { gateway.baseURL }

    public func stop() async {
        await gateway.stop()
        await mock.stop()
    }
}
