import Foundation
import GatewyseCore
@testable import GatewyseEngine
import GatewyseProviders
import GatewyseRouting
import GatewyseServer
import GatewyseStorage
import GatewyseTesting
import Logging
import Testing

/// `freeTier` of providers added through the admin API (admin-api.md §4): the configuration
/// file's `free_tier` with its three meanings (null: the catalog's default; false: none; limits),
/// stored with the record, answered back, and counted by the request path like the file's.
@Suite("Admin API: providers' free tiers", .serialized)
struct AdminProviderFreeTierTests {
    static func router(configuration: GatewayConfiguration = GatewayConfiguration()) async throws -> (AdminRouter, InMemoryStore) {
        let store = InMemoryStore()
        try await store.commit([.insert(Tenant(id: "acme", name: "Acme", createdAt: 1), at: 1)])
        let router = AdminRouter(api: AdminAPI(store: store, passwords: PasswordHasher(parameters: .testing, runner: DispatchWorkRunner()),
                                               configuration: configuration, prober: RefusingTransport.prober()))
        return (router, store)
    }

    static func call(_ router: AdminRouter, _ method: String, _ path: String, _ body: String?, tenant: String = "acme") async throws -> AdminAnswer {
        try await AdminProviderTests.call(router, method, path, body.map { try JSONParser.parse($0) },
                                          as: AdminProviderTests.superAdmin(acting: tenant))
    }

    /// The error a call answers, or nil when it succeeds.
    static func refusal(_ router: AdminRouter, _ method: String, _ path: String, _ body: String) async throws -> GatewayError? {
        do {
            _ = try await call(router, method, path, body)
            return nil
        } catch let error as GatewayError {
            return error
        }
    }

    @Test("an ill-formed freeTier is a 400 INVALID_FIELD naming the field", arguments: [
        (#"{"requestsPerDy":2}"#, "freeTier.requestsPerDy"),
        (#"{"requestsPerDay":0}"#, "freeTier.requestsPerDay"),
        (#"{"requestsPerDay":-1}"#, "freeTier.requestsPerDay"),
        (#"{"tokensPerMonth":2147483648}"#, "freeTier.tokensPerMonth"),
        (#"{"tokensPerMinute":1.5}"#, "freeTier.tokensPerMinute"),
        (#"{"requestsPerHour":"10"}"#, "freeTier.requestsPerHour"),
        (#"{}"#, "freeTier"),
        (#"{"requestsPerDay":null}"#, "freeTier"),
        ("true", "freeTier"),
        (#""none""#, "freeTier"),
        ("[1]", "freeTier"),
    ])
    func validation(freeTier: String, param: String) async throws {
        let (router, store) = try await Self.router()
        let created = try await Self.refusal(router, "POST", "/api/admin/providers", #"{"id":"p","type":"openai","apiKey":"k","freeTier":\#(freeTier)}"#)
        #expect(created?.status == 400 && created?.code == "INVALID_FIELD" && created?.param == param, "\(String(describing: created))")
        #expect(try await store.everything(ProviderRecord.self, tenantID: "acme").isEmpty)
        // The same on an update (from no free tier, so that a PATCH has no limits to merge
        // with), which leaves the record as it was.
        _ = try await Self.call(router, "POST", "/api/admin/providers", #"{"id":"p","type":"openai","apiKey":"k","freeTier":false}"#)
        let patched = try await Self.refusal(router, "PATCH", "/api/admin/providers/p", #"{"freeTier":\#(freeTier)}"#)
        #expect(patched?.status == 400 && patched?.param == param, "\(String(describing: patched))")
        #expect(try await Self.call(router, "GET", "/api/admin/providers/p", nil).body?["freeTier"] == false)
    }

    @Test("freeTier round-trips: limits, a PATCH merge, false, null; audited without secrets")
    func roundTrip() async throws {
        let (router, store) = try await Self.router()
        let created = try await Self.call(router, "POST", "/api/admin/providers",
                                          #"{"id":"p","type":"openai","apiKey":"sk-secret-77","freeTier":{"tokensPerMinute":1000,"requestsPerDay":2}}"#)
        #expect(created.status == 201)
        // The file's order, whatever the body's.
        let declared: JSONValue = ["requestsPerDay": 2, "tokensPerMinute": 1000]
        #expect(JSONWriter.string(created.body?["freeTier"] ?? .null) == #"{"requestsPerDay":2,"tokensPerMinute":1000}"#)
        #expect(try await Self.call(router, "GET", "/api/admin/providers/p", nil).body?["freeTier"] == declared)
        #expect(try await Self.call(router, "GET", "/api/admin/providers", nil).body?["data"]?.arrayValue?.first?["freeTier"] == declared)
        let stored = try #require(try await store.everything(ProviderRecord.self, tenantID: "acme").first)
        #expect(stored.freeTier == .limits(ProviderRecord.FreeTierLimits(requestsPerDay: 2, tokensPerMinute: 1000)))

        // PATCH merges: a limit left out stays, null removes one; another field leaves it alone.
        let merged = try await Self.call(router, "PATCH", "/api/admin/providers/p", #"{"freeTier":{"requestsPerDay":null,"requestsPerMinute":5}}"#)
        #expect(merged.body?["freeTier"] == ["requestsPerMinute": 5, "tokensPerMinute": 1000])
        #expect(try await Self.call(router, "PATCH", "/api/admin/providers/p", #"{"name":"Renamed"}"#).body?["freeTier"]
                == ["requestsPerMinute": 5, "tokensPerMinute": 1000])
        // false: no free tier at all; null: back to the catalog's default.
        #expect(try await Self.call(router, "PATCH", "/api/admin/providers/p", #"{"freeTier":false}"#).body?["freeTier"] == false)
        #expect(try await store.everything(ProviderRecord.self, tenantID: "acme").first?.freeTier == ProviderRecord.FreeTier.none)
        // From none, an object declares afresh.
        #expect(try await Self.call(router, "PATCH", "/api/admin/providers/p", #"{"freeTier":{"requestsPerMonth":100}}"#).body?["freeTier"]
                == ["requestsPerMonth": 100])
        #expect(try await Self.call(router, "PATCH", "/api/admin/providers/p", #"{"freeTier":null}"#).body?["freeTier"] == .null)
        #expect(try await store.everything(ProviderRecord.self, tenantID: "acme").first?.freeTier == nil)
        // PUT replaces the whole provider: a body without freeTier states none.
        _ = try await Self.call(router, "PATCH", "/api/admin/providers/p", #"{"freeTier":{"requestsPerDay":9}}"#)
        #expect(try await Self.call(router, "PUT", "/api/admin/providers/p", #"{"type":"openai"}"#).body?["freeTier"] == .null)
        #expect(try await Self.call(router, "POST", "/api/admin/providers", #"{"id":"q","type":"openai","apiKey":"k","freeTier":null}"#)
            .body?["freeTier"] == .null)

        let audit = try await store.auditEntries(chain: "acme").map(\.summary)
        #expect(audit.first?.contains(#"free tier {"requestsPerDay":2,"tokensPerMinute":1000}"#) == true, "\(audit)")
        #expect(audit.contains { $0.contains(#"freeTier: {"requestsPerDay":2,"tokensPerMinute":1000} → {"requestsPerMinute":5,"tokensPerMinute":1000}"#) },
                "\(audit)")
        #expect(audit.contains { $0.contains(#"freeTier: {"requestsPerMinute":5,"tokensPerMinute":1000} → false"#) }, "\(audit)")
        #expect(audit.allSatisfy { !$0.contains("sk-secret-77") })
    }

    @Test("configuration providers answer what the file states: limits, false, or null for the catalog's default")
    func configuredProviders() async throws {
        var configuration = GatewayConfiguration()
        let groq = try #require(ProviderCatalog.entry(forType: "groq"))
        configuration.providers = ["cfg-limits", "cfg-none", "cfg-default"].map {
            ProviderConfiguration(id: $0, entry: groq, baseURL: groq.defaultBaseURL ?? "", apiKey: Secret("k"))
        }
        configuration.freeTierOverrides = ["cfg-limits": FreeTierQuota(requestsPerDay: 3, tokensPerMonth: 9), "cfg-none": nil]
        let (router, _) = try await Self.router(configuration: configuration)
        func freeTier(_ id: String) async throws -> JSONValue? {
            try await Self.call(router, "GET", "/api/admin/providers/\(id)", nil, tenant: SystemScope.tenantID).body?["freeTier"]
        }
        #expect(try await freeTier("cfg-limits") == ["requestsPerDay": 3, "tokensPerMonth": 9])
        #expect(try await freeTier("cfg-none") == false)
        #expect(try await freeTier("cfg-default") == .null)
    }

    @Test("documents stored before freeTier decode with none stated; false and limits are stored as the API writes them")
    func storedDocuments() throws {
        let old = #"{"allowPrivateNetwork":false,"baseURL":"https://api.openai.com/v1","createdAt":1,"enabled":true,"headerNames":[],"#
            + #""id":"old","models":["gpt-4o-mini"],"name":"old","settings":{},"tenantID":"acme","type":"openai","updatedAt":1}"#
        func stored(_ body: String) -> StoredResource {
            StoredResource(kind: .provider, tenantID: "acme", id: "old", uniqueKey: ProviderRecord.uniqueKey(id: "old"), body: body, createdAt: 1, updatedAt: 1)
        }
        let record = try ProviderRecord(stored: stored(old))
        #expect(record.freeTier == nil && record.models == ["gpt-4o-mini"])
        #expect(try record.stored(createdAt: 1, updatedAt: 1).body == old, "an unchanged record must store the same bytes")

        var none = record
        none.freeTier = ProviderRecord.FreeTier.none
        #expect(try none.stored(createdAt: 1, updatedAt: 1).body.contains(#""freeTier":false"#))
        #expect(try ProviderRecord(stored: none.stored(createdAt: 1, updatedAt: 1)) == none)
        var limited = record
        limited.freeTier = .limits(ProviderRecord.FreeTierLimits(requestsPerDay: 2, tokensPerMonth: 7))
        #expect(try limited.stored(createdAt: 1, updatedAt: 1).body.contains(#""freeTier":{"requestsPerDay":2,"tokensPerMonth":7}"#))
        #expect(try ProviderRecord(stored: limited.stored(createdAt: 1, updatedAt: 1)) == limited)
        // `true` is no statement of a free tier: the document is corrupt, not read as some default.
        #expect(throws: StoreError.self) { try ProviderRecord(stored: stored(old.replacingOccurrences(of: #""id":"old""#, with: #""freeTier":true,"id":"old""#))) }
    }

    @Test("tenant providers count under their tenant: one id in two tenants and the file is three free tiers")
    func countedPerTenant() throws {
        // The store keeps provider ids unique, but a file may later declare an id a tenant uses.
        let generic = try #require(ProviderCatalog.entry(forType: "openai-compatible"))
        func provider(_ key: String) -> ProviderConfiguration {
            ProviderConfiguration(id: "dup", entry: generic, baseURL: "https://\(key).example.com/v1", apiKey: Secret(key))
        }
        var configuration = GatewayConfiguration()
        configuration.providers = [provider("file"),
                                   ProviderConfiguration(id: "paid", entry: generic, baseURL: "https://paid.example.com/v1", apiKey: Secret("paid-file"))]
        configuration.freeTierOverrides = ["dup": FreeTierQuota(requestsPerDay: 50), "paid": nil]
        let targets = [ModelTarget(provider: "paid", model: "m", priority: 1), ModelTarget(provider: "dup", model: "m", priority: 2)]
        configuration.models = [ModelAlias(name: "thrifty", strategy: .freeTierFirst, targets: targets)]
        // Each tenant's own alias of the same name, over its own provider "dup".
        let routes = ["acme", "beta"].map { tenant in
            RouteRecord(tenantID: tenant, alias: "thrifty", strategy: "free-tier-first",
                        targets: targets.map { RouteRecord.Target(provider: $0.provider, model: $0.model, priority: $0.priority) }, updatedAt: 1)
        }
        let resolver = RouteResolver(configuration: configuration, storedRoutes: routes,
                                     tenantProviders: ["acme": [provider("acme")], "beta": [provider("beta")]],
                                     providerFreeTiers: ["acme": ["dup": FreeTierQuota(requestsPerDay: 2)], "beta": ["dup": nil]])
        let acme = try resolver.resolve(model: "thrifty", tenantID: "acme")
        let beta = try resolver.resolve(model: "thrifty", tenantID: "beta")
        let global = try resolver.resolve(model: "thrifty", tenantID: "gamma")
        #expect(acme.candidates.map(\.freeTierKey) == ["paid", "acme:dup"])
        #expect(beta.candidates.map(\.freeTierKey) == ["paid", "beta:dup"])
        #expect(global.candidates.map(\.freeTierKey) == ["paid", "dup"])
        // beta states no free tier: nothing is declared for it; acme's own quota, not the file's.
        #expect(resolver.storedFreeTiers == ["acme:dup": FreeTierQuota(requestsPerDay: 2)])
        #expect(try resolver.resolve(model: "dup/m", tenantID: "acme").candidates.first?.freeTierKey == "acme:dup")
        // Built once per tenant and name, then reused: a second tenant asking for the same name
        // still gets its own provider, the first tenant the same route again.
        #expect(try resolver.resolve(model: "dup/m", tenantID: "beta").candidates.first?.freeTierKey == "beta:dup")
        #expect(try resolver.resolve(model: "dup/m", tenantID: "gamma").candidates.first?.freeTierKey == "dup")
        #expect(try resolver.resolve(model: "dup/m", tenantID: "acme").candidates.first?.freeTierKey == "acme:dup")

        let now = 1_795_478_400.0
        let routing = RoutingRuntime(configuration: configuration, clock: { now })
        routing.declareStoredFreeTiers(resolver.storedFreeTiers)
        var rng = RoutingRandom(seed: 1)
        func first(_ route: ResolvedRoute) -> String? {
            routing.planRoute(route, for: ChatRequest(model: "thrifty", messages: []), tenantID: "t", rng: &rng).first?.adapter.configuration.apiKey?.revealed
        }
        #expect(first(acme) == "acme" && first(beta) == "paid-file" && first(global) == "file")
        routing.freeTier.record("acme:dup", requests: 2, at: now)
        // acme's free tier is spent; the file's provider of the same id is not.
        #expect(first(acme) == "paid-file" && first(global) == "file")
        // A reload that finds the same quota keeps the count; a changed one starts afresh.
        routing.declareStoredFreeTiers(resolver.storedFreeTiers)
        #expect(first(acme) == "paid-file")
        routing.declareStoredFreeTiers(["acme:dup": FreeTierQuota(requestsPerDay: 3)])
        #expect(first(acme) == "acme")
        routing.declareStoredFreeTiers([:])
        #expect(first(acme) == "paid-file" && routing.freeTier.remaining("dup", .requests, per: .day, at: now) == 50)
    }

    @Test("a shared provider counts in the system scope; one that states nothing gets the catalog's default, per model where the type counts so")
    func sharedAndUnstated() throws {
        let groq = try #require(ProviderCatalog.entry(forType: "groq"))
        let generic = try #require(ProviderCatalog.entry(forType: "openai-compatible"))
        let routes = [
            RouteRecord(tenantID: nil, alias: "pooled", strategy: "free-tier-first", targets: [RouteRecord.Target(provider: "pool", model: "m")], updatedAt: 1),
            RouteRecord(tenantID: "acme", alias: "fast", strategy: "free-tier-first",
                        targets: [RouteRecord.Target(provider: "acme-groq", model: "llama-3.1-8b-instant")], updatedAt: 1),
        ]
        let resolver = RouteResolver(
            configuration: GatewayConfiguration(), storedRoutes: routes,
            sharedProviders: [ProviderConfiguration(id: "pool", entry: generic, baseURL: "https://pool.example.com/v1", apiKey: Secret("k"))],
            tenantProviders: ["acme": [ProviderConfiguration(id: "acme-groq", entry: groq, baseURL: groq.defaultBaseURL ?? "", apiKey: Secret("k"))]],
            providerFreeTiers: [SystemScope.tenantID: ["pool": FreeTierQuota(requestsPerMinute: 7)]])
        #expect(try resolver.resolve(model: "pooled", tenantID: "acme").candidates.map(\.freeTierKey) == [":pool"])
        #expect(try resolver.resolve(model: "fast", tenantID: "acme").candidates.map(\.freeTierKey) == ["acme:acme-groq/llama-3.1-8b-instant"])
        #expect(resolver.storedFreeTiers == [
            ":pool": FreeTierQuota(requestsPerMinute: 7),
            "acme:acme-groq/llama-3.1-8b-instant": try #require(FreeTierDefaults.quota(providerID: "groq", model: "llama-3.1-8b-instant")),
        ])
    }

    @Test("free-tier-first over an API provider with 2 requests a day: two requests there, the third to the paid one")
    func freeTierFirstEndToEnd() async throws {
        let gateway = try await TestGateway.start()
        defer { Task { await gateway.stop() } }
        let running = gateway.gateway
        _ = try await running.runtime.controlPlane.accounts.createUser(
            AccountService.NewUser(email: "root@gw.test", password: AuthHTTPTests.password, roles: ["super-admin"]))
        let root = try await AdminHTTPTests.login(running, "root@gw.test", AuthHTTPTests.password)
        func create(_ body: String) async throws {
            let created = try await AdminHTTPTests.call(running, .POST, "/api/admin/providers", token: root, tenant: "acme", body: body)
            #expect(created.status == 201, "\(created.body)")
        }
        // Both on the mock, told apart by their keys; the paid one has the better priority, so
        // only the free tier can put the free one first.
        try await create(#"{"id":"acme-free","type":"openai","baseUrl":"\#(gateway.mock.baseURL)","apiKey":"sk-free","allowPrivateNetwork":true,"freeTier":{"requestsPerDay":2}}"#)
        try await create(#"{"id":"acme-paid","type":"openai","baseUrl":"\#(gateway.mock.baseURL)","apiKey":"sk-paid","allowPrivateNetwork":true,"freeTier":false}"#)
        let route = try await AdminHTTPTests.call(running, .POST, "/api/admin/routes", token: root, tenant: "acme", body: #"""
            {"name":"thrifty","strategy":"free-tier-first","targets":[{"provider":"acme-paid","model":"mock-chat","priority":1},
             {"provider":"acme-free","model":"mock-chat","priority":2}]}
            """#)
        #expect(route.status == 201, "\(route.body)")

        let chat = #"{"model":"thrifty","messages":[{"role":"user","content":"hi"}]}"#
        func served() async throws -> String? {
            let answer = try await AdminHTTPTests.call(running, .POST, "/v1/chat/completions", token: gateway.apiKey, body: chat)
            #expect(answer.status == 200, "\(answer.body)")
            return gateway.mock.requests.last?.headers["authorization"]
        }
        #expect(try await served() == "Bearer sk-free")
        #expect(try await served() == "Bearer sk-free")
        #expect(try await served() == "Bearer sk-paid")
        // A change that leaves the free tier as it was reloads the snapshot, not the count.
        #expect(try await AdminHTTPTests.call(running, .PATCH, "/api/admin/providers/acme-free", token: root, tenant: "acme",
                                              body: #"{"name":"Free account"}"#).status == 200)
        #expect(try await served() == "Bearer sk-paid")
        // A larger quota is a new declaration: counting starts again.
        #expect(try await AdminHTTPTests.call(running, .PATCH, "/api/admin/providers/acme-free", token: root, tenant: "acme",
                                              body: #"{"freeTier":{"requestsPerDay":3}}"#).status == 200)
        #expect(try await served() == "Bearer sk-free")
    }
}
