import GatewyseCore
@testable import GatewyseEngine
import GatewyseProviders
import GatewyseRouting
import GatewyseStorage
import Testing

/// The `models` resource (admin-api.md §4): exact prices in and out, validation naming the
/// field, configured prices read-only, audit, and the prices the snapshot builds from it.
@Suite("Admin API: models and their prices")
struct AdminModelTests {
    struct World {
        var router: AdminRouter
        var store: InMemoryStore

        func call(_ method: String, _ path: String, _ body: JSONValue? = nil, tenant: String = "acme",
                  query: [String: String] = [:]) async -> (status: Int, body: JSONValue?, error: GatewayError?) {
            let principal = tenant == SystemScope.tenantID
                ? AdminPrincipal(tenantID: tenant, homeTenantID: SystemScope.tenantID, actorID: "usr_root", actorType: .user, userID: "usr_root",
                                 roles: ["super-admin"], permissions: BuiltInRole.superAdmin.permissions)
                : AdminPrincipal(tenantID: tenant, homeTenantID: tenant, actorID: "usr_admin", actorType: .user, userID: "usr_admin",
                                 roles: [BuiltInRole.tenantAdmin.rawValue], permissions: BuiltInRole.tenantAdmin.permissions)
            guard let (route, parameters) = router.route(method: method, path: path) else { return (404, nil, nil) }
            do {
                let answer = try await router.handle(route, AdminRequest(method: method, parameters: parameters, query: query, body: body,
                                                                         principal: principal))
                return (answer.status, answer.body, nil)
            } catch let error as GatewayError {
                return (error.status, nil, error)
            } catch {
                return (500, nil, nil)
            }
        }
    }

    static func world() async throws -> World {
        var configuration = GatewayConfiguration()
        configuration.providers = [
            ProviderConfiguration(id: "openai", entry: ProviderCatalog.entry(forType: "openai")!, baseURL: "https://api.openai.com/v1", apiKey: nil),
            ProviderConfiguration(id: "azure-east", entry: ProviderCatalog.entry(forType: "openai")!, baseURL: "https://api.openai.com/v1", apiKey: nil),
        ]
        configuration.prices["openai/gpt-4.1"] = ModelPrice(input: 1.5, output: 6)
        let store = InMemoryStore()
        try await store.commit([try .insert(Tenant(id: "acme", name: "Acme", createdAt: 1), at: 1),
                                try .insert(Tenant(id: "beta", name: "Beta", createdAt: 1), at: 1)])
        let api = AdminAPI(store: store, passwords: PasswordHasher(parameters: .testing, runner: DispatchWorkRunner()),
                           configuration: configuration, prober: RefusingTransport.prober())
        return World(router: AdminRouter(api: api), store: store)
    }

    @Test("prices go in as numbers or decimal strings and come out as the same exact numbers; the change is audited")
    func exactPrices() async throws {
        let world = try await Self.world()
        let created = await world.call("POST", "/api/admin/models", [
            "id": "meta-llama/Llama-3.3-70B", "provider": "openai", "capabilities": ["chat"], "contextWindow": 131_072,
            "pricing": ["inputPerMillionTokens": .number("0.123456789"), "outputPerMillionTokens": "0.3",
                        "cachedInputPerMillionTokens": .number("0.0300"), "cacheWriteInputPerMillionTokens": 0.375],
        ])
        #expect(created.status == 201, "\(String(describing: created.error))")
        let pricing = try #require(created.body?["pricing"])
        #expect(pricing["inputPerMillionTokens"] == .number("0.123456789"))
        #expect(pricing["outputPerMillionTokens"] == .number("0.3"))
        #expect(pricing["cachedInputPerMillionTokens"] == .number("0.03"))
        #expect(pricing["cacheWriteInputPerMillionTokens"] == .number("0.375"))
        #expect(JSONWriter.string(pricing).contains("0.123456789") && !JSONWriter.string(pricing).contains("e-"))
        #expect(created.body?["status"] == "active" && created.body?["source"] == "api" && created.body?["scope"] == "tenant")
        // Addressed by its id, '/' percent-encoded.
        let read = await world.call("GET", "/api/admin/models/meta-llama%2FLlama-3.3-70B")
        #expect(read.status == 200 && read.body?["contextWindow"] == 131_072)
        // PATCH merges the prices field by field; null removes an optional one.
        let patched = await world.call("PATCH", "/api/admin/models/meta-llama%2FLlama-3.3-70B",
                                       ["status": "deprecated", "pricing": ["outputPerMillionTokens": "0.35", "cachedInputPerMillionTokens": nil]])
        #expect(patched.status == 200)
        #expect(patched.body?["pricing"]?["inputPerMillionTokens"] == .number("0.123456789"))
        #expect(patched.body?["pricing"]?["outputPerMillionTokens"] == .number("0.35"))
        #expect(patched.body?["pricing"]?["cachedInputPerMillionTokens"] == .null)
        #expect(patched.body?["status"] == "deprecated")
        let actions = try await world.store.auditEntries(chain: "acme").map(\.action)
        #expect(actions == ["model.create", "model.update"])
        // The snapshot's prices: exactly what was written.
        let records = try await world.store.listAll(.model).map { try ModelRecord(stored: $0) }
        let pricingTable = ModelPricing(configuration: GatewayConfiguration(), models: records)
        #expect(pricingTable.tenants["acme"]?["openai/meta-llama/Llama-3.3-70B"]
            == ModelPrice(input: Money(usd: "0.123456789")!, output: Money(usd: "0.35")!, cacheWrite: Money(usd: "0.375")!))
    }

    static func priced(_ input: JSONValue, _ output: JSONValue? = nil, extra: (String, JSONValue)? = nil) -> JSONValue {
        var pricing = JSONObject([("inputPerMillionTokens", input)])
        if let output { pricing["outputPerMillionTokens"] = output }
        if let extra { pricing[extra.0] = extra.1 }
        return .object(JSONObject([("id", "m"), ("provider", "openai"), ("pricing", .object(pricing))]))
    }

    static func body(_ fields: [(String, JSONValue)]) -> JSONValue { .object(JSONObject(fields)) }

    static let invalid: [(JSONValue, String)] = [
        (priced(.number("1e-3"), 1), "pricing.inputPerMillionTokens"),
        (priced("-1", 1), "pricing.inputPerMillionTokens"),
        (priced("0.1234567891", 1), "pricing.inputPerMillionTokens"),
        (priced(1), "pricing.outputPerMillionTokens"),
        (priced(1, 1, extra: ("perImage", 2)), "pricing.perImage"),
        (body([("id", "m"), ("provider", "nowhere")]), "provider"),
        (body([("id", "m"), ("provider", "openai"), ("status", "retired")]), "status"),
        (body([("id", "m"), ("provider", "openai"), ("capabilities", ["chat", "telepathy"])]), "capabilities[1]"),
        (body([("id", "m"), ("provider", "openai"), ("contextWindow", 0)]), "contextWindow"),
        (body([("id", "m?x"), ("provider", "openai")]), "id"),
        (body([("provider", "openai")]), "id"),
        (body([("id", "m"), ("provider", "openai"), ("price", 1)]), "price"),
    ]

    @Test("bad fields answer 400 INVALID_FIELD naming the field", arguments: invalid)
    func invalidFields(body: JSONValue, param: String) async throws {
        let world = try await Self.world()
        let answer = await world.call("POST", "/api/admin/models", body)
        #expect(answer.status == 400 && answer.error?.code == "INVALID_FIELD" && answer.error?.param == param,
                "\(String(describing: answer.error))")
    }

    @Test("configured prices read as source config in the system scope; changing one is 409 CONFIG_MANAGED")
    func configuredPrices() async throws {
        let world = try await Self.world()
        let list = await world.call("GET", "/api/admin/models", tenant: SystemScope.tenantID)
        let configured = try #require(list.body?["data"]?.arrayValue?.first { $0["id"] == "gpt-4.1" })
        #expect(configured["source"] == "config" && configured["pricing"]?["inputPerMillionTokens"] == .number("1.5"))
        #expect(await world.call("PATCH", "/api/admin/models/gpt-4.1", ["status": "inactive"], tenant: SystemScope.tenantID).error?.code == "CONFIG_MANAGED")
        #expect(await world.call("DELETE", "/api/admin/models/gpt-4.1", tenant: SystemScope.tenantID).error?.code == "CONFIG_MANAGED")
        let shadow = await world.call("POST", "/api/admin/models", ["id": "gpt-4.1", "provider": "openai"], tenant: SystemScope.tenantID)
        #expect(shadow.error?.code == "CONFIG_MANAGED")
        // A tenant may price the configured model for itself.
        let own = await world.call("POST", "/api/admin/models", ["id": "gpt-4.1", "provider": "openai",
                                                                "pricing": ["inputPerMillionTokens": 1, "outputPerMillionTokens": 4]])
        #expect(own.status == 201)
    }

    @Test("one model at two providers: ?provider= picks one, without it the address is ambiguous; other tenants see none")
    func addressing() async throws {
        let world = try await Self.world()
        for provider in ["openai", "azure-east"] {
            #expect(await world.call("POST", "/api/admin/models", ["id": "gpt-4o", "provider": .string(provider)]).status == 201)
        }
        #expect(await world.call("POST", "/api/admin/models", ["id": "gpt-4o", "provider": "openai"]).error?.code == "CONFLICT")
        #expect(await world.call("GET", "/api/admin/models/gpt-4o").error?.code == "CONFLICT")
        let picked = await world.call("GET", "/api/admin/models/gpt-4o", query: ["provider": "azure-east"])
        #expect(picked.status == 200 && picked.body?["provider"] == "azure-east")
        let filtered = await world.call("GET", "/api/admin/models", query: ["provider": "openai"])
        #expect(filtered.body?["data"]?.arrayValue?.map { $0["provider"] } == ["openai"])
        #expect(await world.call("PATCH", "/api/admin/models/gpt-4o", ["provider": "azure-east"], query: ["provider": "openai"]).error?.param == "provider")
        #expect(await world.call("GET", "/api/admin/models/gpt-4o", tenant: "beta").status == 404)
        #expect(await world.call("DELETE", "/api/admin/models/gpt-4o", tenant: "beta", query: ["provider": "openai"]).status == 404)
        #expect(await world.call("DELETE", "/api/admin/models/gpt-4o", query: ["provider": "openai"]).status == 204)
        #expect(await world.call("GET", "/api/admin/models/gpt-4o").body?["provider"] == "azure-east")
    }

    @Test("the request path's price: the tenant's entry, else the configured or shared one, else the built-in one by provider type")
    func precedence() throws {
        var configuration = GatewayConfiguration()
        configuration.prices["work/gpt-4o-mini"] = ModelPrice(input: 0.2, output: 0.8)
        let shared = ModelRecord(tenantID: SystemScope.tenantID, model: "gpt-4.1", provider: "work",
                                 pricing: ModelRecord.Pricing(input: 1, output: 4), createdAt: 1, updatedAt: 1)
        let own = ModelRecord(tenantID: "acme", model: "gpt-4o-mini", provider: "work",
                              pricing: ModelRecord.Pricing(input: 0.1, output: 0.4), createdAt: 1, updatedAt: 1)
        let pricing = ModelPricing(configuration: configuration, models: [shared, own])
        let mini = Deployment(providerID: "work", model: "gpt-4o-mini"), big = Deployment(providerID: "work", model: "gpt-4.1")
        let five = Deployment(providerID: "work", model: "gpt-5")
        #expect(pricing.price(for: mini, providerType: "openai", tenantID: "acme") == ModelPrice(input: 0.1, output: 0.4))
        #expect(pricing.price(for: mini, providerType: "openai", tenantID: "beta") == ModelPrice(input: 0.2, output: 0.8))
        #expect(pricing.price(for: big, providerType: "openai", tenantID: "acme") == ModelPrice(input: 1, output: 4))
        // An API-added provider "work" of type openai: gpt-5 at OpenAI's built-in price.
        #expect(pricing.price(for: five, providerType: "openai", tenantID: "acme") == PriceBook.defaultPrice(type: "openai", model: "gpt-5"))
        #expect(pricing.price(for: five, providerType: "groq", tenantID: nil) == nil)
    }
}
