import Foundation
import GatewyseCore
import GatewyseEngine
import GatewyseProviders
import GatewyseRouting
import GatewyseStorage
import Testing

@Suite("Configuration")
struct ConfigurationTests {
    static let documented = """
        server:
          host: 127.0.0.1
          port: 8080
        database: sqlite:./data/gatewyse.sqlite
        providers:
          - id: openai
            type: openai
            api_key: ${OPENAI_API_KEY}
          - id: groq
            type: groq
            api_key: ${GROQ_API_KEY}
          - id: local
            type: vllm
            base_url: http://127.0.0.1:8000/v1
        models:
          - name: fast-chat
            strategy: failover
            targets:
              - provider: groq
                model: llama-3.1-8b-instant
              - provider: openai
                model: gpt-4o-mini
        tenants:
          - id: acme
            api_keys:
              - name: ci
                key: ${ACME_GATEWAY_KEY}
        """

    static let environment = ["OPENAI_API_KEY": "sk-o", "GROQ_API_KEY": "gsk-g",
                              "ACME_GATEWAY_KEY": "aigw_sk_0123456789abcdef0123456789abcdef0123456789abcdef"]

    @Test("the documented file loads exactly as written")
    func documentedFile() throws {
        let configuration = try ConfigurationValidator.load(yaml: Self.documented, environment: Self.environment)
        #expect(configuration.server.port == 8080)
        #expect(configuration.database == .sqlite(path: "./data/gatewyse.sqlite"))
        #expect(configuration.providers.map(\.id) == ["openai", "groq", "local"])
        #expect(configuration.providers[0].apiKey?.revealed == "sk-o")
        #expect(configuration.providers[2].baseURL == "http://127.0.0.1:8000/v1")
        #expect(configuration.models[0].targets == [ModelTarget(provider: "groq", model: "llama-3.1-8b-instant"), ModelTarget(provider: "openai", model: "gpt-4o-mini", priority: 2)])
        #expect(configuration.tenants[0].apiKeys[0].name == "ci")
    }

    @Test("every problem is reported at once, each with its path")
    func allProblems() {
        let yaml = """
            server:
              port: eighty
            providers:
              - id: openai
                type: opnai
                api_key: x
              - id: groq
                type: groq
                api_key: ${MISSING_VAR}
              - id: hosted
                type: openai
                api_key: k
                base_url: http://10.0.0.5/v1
              - id: meta
                type: vllm
                base_url: http://169.254.169.254/latest
              - id: weird
                type: openai-compatible
                base_url: not a url
            models:
              - name: fast
                strategy: telepathy
                targets:
                  - provider: nowhere
                    model: m
            tenants:
              - id: acme
                api_keys:
                  - name: ci
                    key: short
            surprise: 1
            """
        do {
            _ = try ConfigurationValidator.load(yaml: yaml, environment: [:])
            Issue.record("accepted an invalid configuration")
        } catch {
            let text = error.problems.joined(separator: "\n")
            for expected in ["server.port: expected an integer", "providers[0].type: unknown provider type \"opnai\"",
                             "providers[1].api_key: environment variable MISSING_VAR is not set",
                             "providers[2].base_url:", "private or loopback", "providers[3].base_url:", "link-local",
                             "providers[4].base_url:", "models[0].strategy: unknown strategy",
                             "models[0].targets[0].provider: unknown provider \"nowhere\"",
                             "tenants[0].api_keys[0].key: must start with aigw_sk_", "surprise: unknown key"] {
                #expect(text.contains(expected), "missing: \(expected)\n\(text)")
            }
        }
    }

    @Test("${VAR:-default} and $$ expand")
    func expansion() {
        var problems: [String] = []
        #expect(ConfigurationLoader.expand("${A:-x}-${B}-$$", path: "p", environment: ["B": "b"], problems: &problems) == "x-b-$")
        #expect(problems.isEmpty)
    }

    @Test("SSRF policy classifies addresses")
    func ssrf() {
        #expect(UpstreamURLPolicy.classify(host: "169.254.169.254") == .linkLocal)
        #expect(UpstreamURLPolicy.classify(host: "127.0.0.1") == .loopback)
        #expect(UpstreamURLPolicy.classify(host: "[::1]") == .loopback)
        #expect(UpstreamURLPolicy.classify(host: "172.20.1.1") == .privateNetwork)
        #expect(UpstreamURLPolicy.classify(host: "api.openai.com") == .publicAddress)
        #expect(UpstreamURLPolicy.problem(with: "http://127.0.0.1:8000/v1", allowPrivate: true) == nil)
        #expect(UpstreamURLPolicy.problem(with: "http://169.254.169.254/", allowPrivate: true) != nil)
        #expect(UpstreamURLPolicy.problem(with: "https://user:pw@api.example.com/v1", allowPrivate: false) != nil)
    }

    @Test("without a file, providers come from their key variables")
    func environmentDefaults() throws {
        let configuration = try EnvironmentConfiguration.make(environment: ["GROQ_API_KEY": "g", "OLLAMA_BASE_URL": "http://127.0.0.1:11434/v1"])
        #expect(configuration.providers.map(\.id).sorted() == ["groq", "ollama"])
        #expect(configuration.database == .sqlite(path: "./data/gatewyse.sqlite"))
    }
}

@Suite("Routing configuration")
struct RoutingConfigurationTests {
    static let yaml = """
        routing:
          default_strategy: least-latency
          max_attempts: 4
          breaker_failures: 3
          breaker_open_seconds: 30
        prices:
          - provider: groq
            model: llama-3.1-8b-instant
            input: 0.05
            output: 0.08
            cached_input: 0.01
        providers:
          - id: groq
            type: groq
            api_key: g
            free_tier:
              requests_per_day: 100
          - id: openai
            type: openai
            api_key: o
            free_tier: false
        models:
          - name: chat
            targets:
              - provider: groq
                model: llama-3.1-8b-instant
                weight: 3
              - provider: openai
                model: gpt-4o-mini
                priority: 9
        tenants:
          - id: acme
            models:
              - name: chat
                strategy: weighted
                targets:
                  - provider: openai
                    model: gpt-4o-mini
        """

    @Test("strategies, retry, breaker, prices, free tiers and tenant aliases load")
    func loads() throws {
        let configuration = try ConfigurationValidator.load(yaml: Self.yaml, environment: [:])
        #expect(configuration.routing.defaultStrategy == .leastLatency)
        #expect(configuration.models[0].strategy == .leastLatency)
        #expect(configuration.models[0].targets.map(\.priority) == [1, 9])
        #expect(configuration.models[0].targets[0].weight == 3)
        #expect(configuration.routing.retry.maxTotalAttempts == 4)
        #expect(configuration.routing.health.breaker.failureThreshold == 3)
        #expect(configuration.routing.health.breaker.openDuration == 30)
        #expect(configuration.prices["groq/llama-3.1-8b-instant"] == ModelPrice(input: 0.05, output: 0.08, cachedInput: 0.01))
        #expect(configuration.freeTierOverrides["groq"] != nil)
        #expect(configuration.freeTierOverrides["openai"] == .some(nil))
        #expect(configuration.tenants[0].models[0].strategy == .weighted)

        let resolver = RouteResolver(configuration: configuration)
        #expect(try resolver.resolve(model: "chat").candidates.count == 2)
        #expect(try resolver.resolve(model: "chat", tenantID: "acme").candidates.map(\.deployment.id) == ["openai/gpt-4o-mini"])
        #expect(try resolver.resolve(model: "chat", tenantID: "other").strategy == .leastLatency)

        let runtime = RoutingRuntime(configuration: configuration, clock: { 1_000 })
        #expect(try resolver.resolve(model: "groq/llama-3.1-8b-instant").candidates[0].price?.inputPerMillion == 0.05)
        for _ in 0..<100 { runtime.freeTier.record("groq/llama-3.1-8b-instant", at: 1_000) }
        #expect(runtime.freeTier.isExhausted("groq/llama-3.1-8b-instant", at: 1_000))
    }

    @Test("routing problems are reported with their paths")
    func problems() {
        let yaml = """
            routing:
              default_strategy: fastest
              max_attempts: 0
            prices:
              - provider: nowhere
                model: m
                input: -1
            providers:
              - id: groq
                type: groq
                api_key: g
                free_tier:
                  requests_per_fortnight: 3
            models:
              - name: chat
                strategy: cheapest
                targets:
                  - provider: groq
                    model: m
                    weight: -2
            """
        do {
            _ = try ConfigurationValidator.load(yaml: yaml, environment: [:])
            Issue.record("accepted an invalid configuration")
        } catch {
            let text = error.problems.joined(separator: "\n")
            for expected in ["routing.default_strategy: unknown strategy \"fastest\"", "routing.max_attempts: must be between",
                             "prices[0].provider: unknown provider \"nowhere\"", "prices[0].input: expected a non-negative amount",
                             "prices[0].output: required", "providers[0].free_tier.requests_per_fortnight: unknown key",
                             "models[0].strategy: unknown strategy \"cheapest\"", "models[0].targets[0].weight: must be a positive number"] {
                #expect(text.contains(expected), "missing: \(expected)\n\(text)")
            }
        }
    }
}

@Suite("Route fallbacks and stored routes")
struct RouteFallbackTests {
    @Test("a fallback chain plans the alias's targets, then the fallback's, without repeats")
    func fallbackChain() throws {
        let configuration = try ConfigurationValidator.load(yaml: """
            providers:
              - id: groq
                type: groq
                api_key: g
              - id: openai
                type: openai
                api_key: o
            models:
              - name: primary
                targets:
                  - provider: groq
                    model: a
                fallbacks: [backup]
              - name: backup
                strategy: priority
                targets:
                  - provider: groq
                    model: a
                  - provider: openai
                    model: b
            """, environment: [:])
        let resolver = RouteResolver(configuration: configuration)
        let runtime = RoutingRuntime(configuration: configuration, clock: { 1 })
        var rng = RoutingRandom(seed: 1)
        let plan = runtime.plan(try resolver.resolve(model: "primary"), request: ChatRequest(model: "primary", messages: [.user("x")]),
                                tenantID: "t", rng: &rng)
        #expect(plan.map(\.deployment.id) == ["groq/a", "openai/b"])
    }

    @Test("unknown and self fallbacks are reported")
    func badFallbacks() {
        do {
            _ = try ConfigurationValidator.load(yaml: """
                providers:
                  - id: groq
                    type: groq
                    api_key: g
                models:
                  - name: a
                    targets: [{provider: groq, model: m}]
                    fallbacks: [a, ghost]
                """, environment: [:])
            Issue.record("accepted")
        } catch {
            #expect(error.problems.contains("models[0].fallbacks[0]: an alias cannot fall back to itself"))
            #expect(error.problems.contains("models[0].fallbacks[1]: unknown alias \"ghost\""))
        }
    }

    @Test("stored routes replace configured aliases in their scope")
    func storedRoutes() throws {
        var configuration = GatewayConfiguration()
        let entry = ProviderCatalog.entry(forType: "groq")!
        configuration.providers = [ProviderConfiguration(id: "groq", entry: entry, baseURL: entry.defaultBaseURL!, apiKey: Secret("g"))]
        configuration.models = [ModelAlias(name: "fast", strategy: .failover, targets: [ModelTarget(provider: "groq", model: "old")])]
        let resolver = RouteResolver(configuration: configuration, storedRoutes: [
            RouteRecord(tenantID: nil, alias: "fast", strategy: "least-cost", targets: [.init(provider: "groq", model: "new")], updatedAt: 1),
            RouteRecord(tenantID: "acme", alias: "mine", strategy: "random", targets: [.init(provider: "groq", model: "t")], updatedAt: 1),
            RouteRecord(tenantID: nil, alias: "off", strategy: "random", targets: [.init(provider: "groq", model: "t")], enabled: false, updatedAt: 1),
            RouteRecord(tenantID: nil, alias: "bad", strategy: "telepathy", targets: [.init(provider: "groq", model: "t")], updatedAt: 1),
        ])
        let fast = try resolver.resolve(model: "fast")
        #expect(fast.strategy == .leastCost && fast.candidates.map(\.upstreamModel) == ["new"])
        #expect(try resolver.resolve(model: "mine", tenantID: "acme").strategy == .random)
        #expect(throws: GatewayError.self) { try resolver.resolve(model: "mine", tenantID: "beta") }
        #expect(throws: GatewayError.self) { try resolver.resolve(model: "off") }
        #expect(throws: GatewayError.self) { try resolver.resolve(model: "bad") }
    }
}
