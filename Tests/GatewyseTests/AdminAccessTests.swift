import Foundation
import GatewyseCore
@testable import GatewyseEngine
import GatewyseProviders
import GatewyseStorage
import Testing

/// The admin API's authorization (issue 11, "Done when"): every built-in role × every admin
/// route answers as the permission catalogue says, and no route or id lets one tenant's admins
/// read or change another tenant's resources. On SQLite and, when reachable, PostgreSQL.
@Suite("Admin API: RBAC matrix and tenant isolation")
struct AdminAccessTests {
    typealias Backend = StoreContractTests.Backend
    static let backends: [Backend] = [.sqliteMemory] + (Backend.postgresRequired ? [.postgres] : [])

    /// The catalogue, written out independently of the route table: a route whose declared
    /// permission drifts from this fails `routeTableMatchesTheCatalogue`.
    static let catalogue: [String: Permission?] = [
        "GET /api/admin/tenants": .tenantsRead, "POST /api/admin/tenants": .tenantsWrite,
        "GET /api/admin/tenants/{id}": .tenantsRead, "PATCH /api/admin/tenants/{id}": .tenantsWrite,
        "DELETE /api/admin/tenants/{id}": .tenantsWrite,
        "GET /api/admin/organizations": .organizationsRead, "POST /api/admin/organizations": .organizationsWrite,
        "GET /api/admin/organizations/{id}": .organizationsRead, "PATCH /api/admin/organizations/{id}": .organizationsWrite,
        "DELETE /api/admin/organizations/{id}": .organizationsWrite,
        "GET /api/admin/departments": .departmentsRead, "POST /api/admin/departments": .departmentsWrite,
        "GET /api/admin/departments/{id}": .departmentsRead, "PATCH /api/admin/departments/{id}": .departmentsWrite,
        "DELETE /api/admin/departments/{id}": .departmentsWrite,
        "GET /api/admin/users": .usersRead, "POST /api/admin/users": .usersWrite,
        "GET /api/admin/users/{id}": .usersRead, "PATCH /api/admin/users/{id}": .usersWrite,
        "DELETE /api/admin/users/{id}": .usersWrite,
        "GET /api/admin/roles": .rolesRead, "POST /api/admin/roles": .rolesWrite,
        "GET /api/admin/roles/{id}": .rolesRead, "PATCH /api/admin/roles/{id}": .rolesWrite,
        "DELETE /api/admin/roles/{id}": .rolesWrite,
        "GET /api/admin/permissions": nil,
        "GET /api/admin/keys": .keysRead, "POST /api/admin/keys": .keysWrite,
        "GET /api/admin/keys/{id}": .keysRead, "PATCH /api/admin/keys/{id}": .keysWrite,
        "POST /api/admin/keys/{id}/revoke": .keysWrite,
        "GET /api/admin/providers": .providersRead, "POST /api/admin/providers": .providersWrite,
        "GET /api/admin/providers/{id}": .providersRead, "PUT /api/admin/providers/{id}": .providersWrite,
        "PATCH /api/admin/providers/{id}": .providersWrite, "DELETE /api/admin/providers/{id}": .providersWrite,
        "POST /api/admin/providers/{id}/test": .providersWrite, "GET /api/admin/providers/health": .providersRead,
        "GET /api/admin/routes": .routesRead, "POST /api/admin/routes": .routesWrite,
        "GET /api/admin/routes/{id}": .routesRead, "PATCH /api/admin/routes/{id}": .routesWrite,
        "DELETE /api/admin/routes/{id}": .routesWrite,
        "GET /api/admin/models": .modelsRead, "POST /api/admin/models": .modelsWrite,
        "GET /api/admin/models/{id}": .modelsRead, "PATCH /api/admin/models/{id}": .modelsWrite,
        "DELETE /api/admin/models/{id}": .modelsWrite,
        "GET /api/admin/budgets": .budgetsRead, "POST /api/admin/budgets": .budgetsWrite,
        "GET /api/admin/budgets/{id}": .budgetsRead, "PATCH /api/admin/budgets/{id}": .budgetsWrite,
        "DELETE /api/admin/budgets/{id}": .budgetsWrite,
        "GET /api/admin/budgets/webhook-secret": .budgetsWrite, "GET /api/admin/budgets/{id}/alerts": .budgetsRead,
        "GET /api/admin/settings": .settingsRead, "PUT /api/admin/settings": .settingsWrite, "PATCH /api/admin/settings": .settingsWrite,
        "GET /api/admin/audit": .auditRead, "GET /api/admin/audit/verify": .auditRead,
        "GET /api/admin/usage": .usageRead, "GET /api/admin/requests": .requestsRead, "GET /api/admin/requests/live": .requestsRead,
    ]

    /// What a role may call, from the catalogue alone.
    static func allowed(_ role: BuiltInRole, _ permission: Permission?, system: Bool) -> Bool {
        if system && role != .superAdmin { return false }
        guard let permission else { return true }
        return role.permissions.contains(permission) || permission.ownVariant.map(role.permissions.contains) == true
    }

    /// Two tenants with the same shape of resources; ids differ by tenant.
    struct World {
        let api: AdminAPI
        let router: AdminRouter
        let store: any GatewayStore
        var ids: [String: [String: String]] = [:]  // tenant → kind → id

        func principal(_ role: BuiltInRole, tenant: String = "acme") -> AdminPrincipal {
            AdminPrincipal(tenantID: tenant, homeTenantID: role == .superAdmin ? SystemScope.tenantID : tenant,
                           actorID: ids[tenant]!["actor"]!, actorType: .user, userID: ids[tenant]!["actor"]!,
                           roles: [role.rawValue], permissions: role.permissions)
        }

        func call(_ method: String, _ path: String, _ body: JSONValue? = nil, as principal: AdminPrincipal,
                  query: [String: String] = [:]) async -> (status: Int, body: JSONValue?, error: GatewayError?) {
            guard let (route, parameters) = router.route(method: method, path: path) else { return (404, nil, nil) }
            do {
                let answer = try await router.handle(route, AdminRequest(method: method, parameters: parameters, query: query, body: body,
                                                                         principal: principal))
                return (answer.status, answer.body, nil)
            } catch let error as GatewayError {
                return (error.status, nil, error)
            } catch {
                Issue.record("\(method) \(path) threw \(error)")
                return (500, nil, nil)
            }
        }
    }

    static func world(_ store: any GatewayStore) async throws -> World {
        var configuration = GatewayConfiguration()
        configuration.providers = [ProviderConfiguration(id: "openai", entry: ProviderCatalog.entry(forType: "openai")!,
                                                         baseURL: "https://api.openai.com/v1", apiKey: nil)]
        let api = AdminAPI(store: store, passwords: PasswordHasher(parameters: .testing, runner: DispatchWorkRunner()),
                           configuration: configuration, prober: RefusingTransport.prober())
        var world = World(api: api, router: AdminRouter(api: api), store: store)
        let now = UnixClock.now()
        for tenant in ["acme", "beta"] {
            var changes: [ResourceChange] = [try .insert(Tenant(id: tenant, name: tenant, createdAt: now), at: now)]
            let org = Organization(id: "\(tenant)-eng", tenantID: tenant, name: "Engineering", createdAt: now)
            let dept = Department(id: "\(tenant)-core", tenantID: tenant, name: "Core", organizationID: org.id, createdAt: now)
            let role = RoleRecord(id: "\(tenant)-viewer", tenantID: tenant, name: "Viewer", permissions: ["routes:read"], createdAt: now)
            let actor = UserRecord(id: "usr_\(tenant)_actor", tenantID: tenant, email: "actor@\(tenant).test", name: "Actor", passwordHash: nil,
                                   roles: ["tenant-admin"], createdAt: now)
            let target = UserRecord(id: "usr_\(tenant)_target", tenantID: tenant, email: "target@\(tenant).test", name: "Target", passwordHash: nil,
                                    roles: ["user"], organizationID: org.id, departmentID: dept.id, createdAt: now)
            let material = APIKeyMaterial.generate()
            let key = APIKeyRecord(id: "key_\(tenant)_actor", tenantID: tenant, name: "laptop", prefix: APIKeyMaterial.displayPrefix(material),
                                   digest: APIKeyMaterial.digest(material), createdAt: now, source: .created, userID: actor.id)
            let route = RouteRecord(id: "\(tenant)-route", tenantID: tenant, alias: "fast", strategy: "priority",
                                    targets: [RouteRecord.Target(provider: "openai", model: "gpt-4o-mini")], updatedAt: now)
            let provider = ProviderRecord(id: "\(tenant)-prov", tenantID: tenant, type: "openai", name: "Own account",
                                          encryptedAPIKey: try api.credentials.encrypt("sk-\(tenant)-secret", tenantID: tenant),
                                          baseURL: "https://api.openai.com/v1", models: ["gpt-4o-mini"], createdAt: now, updatedAt: now)
            let model = ModelRecord(tenantID: tenant, model: "ft:gpt-4o-mini:\(tenant)", provider: "openai",
                                    pricing: ModelRecord.Pricing(input: 0.15, output: 0.6), createdAt: now, updatedAt: now)
            let budget = BudgetRecord(id: "\(tenant)-budget", tenantID: tenant, name: "Team", scope: .organization, scopeID: org.id,
                                      limits: BudgetRecord.Limits(dailyUsd: Money(usd: "5")), createdAt: now, updatedAt: now)
            changes += [try .insert(budget, at: now), try .insert(model, at: now), try .insert(provider, at: now), try .insert(route, at: now), try .insert(org, at: now), try .insert(dept, at: now), try .insert(role, at: now), try .insert(actor, at: now),
                        try .insert(target, at: now), try .insert(key, at: now)]
            try await store.commit(changes, audit: [AuditDraft(tenantID: tenant, time: now * 1000, actorID: "system", actorType: .system,
                                                               action: "test.seed", targetType: "tenant", targetID: tenant, summary: "seed")])
            world.ids[tenant] = ["tenant": tenant, "organization": org.id, "department": dept.id, "role": role.id, "actor": actor.id,
                                 "user": target.id, "key": key.id, "route": route.id, "provider": provider.id,
                                 "model": model.model, "budget": budget.id]
        }
        return world
    }

    /// A call for every route: its path with the ids of `tenant`, and a body that is valid for
    /// every role allowed to make it (so a refusal can only come from authorization).
    static func calls(_ world: World, tenant: String) -> [(pattern: String, method: String, path: String, body: JSONValue?)] {
        let ids = world.ids[tenant]!
        return world.router.routes.map { route in
            var path = route.pattern
            let kind: String = switch route.pattern.split(separator: "/")[2] {
            case "tenants": "tenant"
            case "organizations": "organization"
            case "departments": "department"
            case "users": "user"
            case "roles": "role"
            case "routes": "route"
            case "providers": "provider"
            case "settings": "settings"
            case "models": "model"
            case "budgets": "budget"
            default: "key"
            }
            path = path.replacingOccurrences(of: "{id}", with: ids[kind] ?? "")
            let body: JSONValue? = switch (route.method, kind) {
            case ("POST", "tenant"): ["id": "gamma"]
            case ("PATCH", "tenant"): ["name": "Renamed"]
            case ("POST", "organization"): ["name": "Sales"]
            case ("PATCH", "organization"), ("PATCH", "department"), ("PATCH", "role"), ("PATCH", "user"): ["name": "Renamed"]
            case ("POST", "department"): ["name": "Field", "organizationId": .string(ids["organization"]!)]
            case ("POST", "user"): ["email": .string("new@\(tenant).test"), "roles": ["user"]]
            case ("POST", "role"): ["slug": "reader", "permissions": ["routes:read"]]
            case ("POST", "key") where route.pattern.hasSuffix("/keys"): ["name": "ci"]
            case ("PATCH", "key"), ("PATCH", "route"): ["name": "Renamed"]
            case ("PUT", "settings"), ("PATCH", "settings"): ["customLabels": ["team": "x"]]
            case ("POST", "provider") where route.pattern.hasSuffix("/test"): nil
            case ("POST", "provider"): ["id": "newprov", "type": "openai", "apiKey": "sk-new"]
            case ("PUT", "provider"): ["apiKey": "sk-replaced"]
            case ("PATCH", "provider"): ["name": "Renamed"]
            case ("POST", "route"): ["name": "smart", "targets": [["provider": "openai", "model": "gpt-4o"]]]
            case ("POST", "model"): ["id": "gpt-4o", "provider": "openai", "pricing": ["inputPerMillionTokens": 2.5, "outputPerMillionTokens": 10]]
            case ("PATCH", "model"): ["status": "deprecated"]
            case ("POST", "budget"): ["name": "Tenant month", "limits": ["monthlyUsd": "100.50"]]
            case ("PATCH", "budget"): ["limits": ["dailyUsd": 7.25]]
            default: nil
            }
            return (route.pattern, route.method, path, body)
        }
    }

    @Test("the route table declares exactly the catalogue's permission for every route")
    func routeTableMatchesTheCatalogue() async throws {
        let world = try await Self.world(InMemoryStore())
        var declared: [String: Permission?] = [:]
        for route in world.router.routes { declared["\(route.method) \(route.pattern)"] = route.permission }
        #expect(declared.count == world.router.routes.count, "a method and pattern appear twice")
        #expect(declared == Self.catalogue)
    }

    @Test("every built-in role × every admin route: allowed or refused as the catalogue says", arguments: backends)
    func matrix(backend: Backend) async throws {
        for role in BuiltInRole.allCases {
            try await backend.withStore { store in
                let world = try await Self.world(store)
                let principal = world.principal(role)
                for call in Self.calls(world, tenant: "acme") {
                    let route = try #require(world.router.routes.first { $0.pattern == call.pattern && $0.method == call.method })
                    let expected = Self.allowed(role, route.permission, system: route.scope == .system)
                    let answer = await world.call(call.method, call.path, call.body, as: principal)
                    let refused = answer.error?.code == "PERMISSION_DENIED"
                    #expect(refused == !expected, "\(role.rawValue) \(call.method) \(call.path): \(answer.status) \(answer.error?.message ?? "")")
                    if expected {
                        #expect(answer.status < 500, "\(role.rawValue) \(call.method) \(call.path): \(answer.status)")
                    }
                }
            }
        }
    }

    @Test("a super-admin naming no tenant is asked for one on tenant routes, and reads the system audit chain", arguments: backends)
    func superAdminWithoutTenant(backend: Backend) async throws {
        try await backend.withStore { store in
            let world = try await Self.world(store)
            var root = world.principal(.superAdmin)
            root.tenantID = SystemScope.tenantID
            #expect(await world.call("GET", "/api/admin/keys", as: root).error?.code == "TENANT_REQUIRED")
            #expect(await world.call("GET", "/api/admin/tenants", as: root).status == 200)
            let verify = await world.call("GET", "/api/admin/audit/verify", as: root)
            #expect(verify.body?["chain"] == "system" && verify.body?["valid"] == true)
        }
    }

    @Test("tenant A's admins can neither read nor change tenant B's resources through any route or id", arguments: backends)
    func isolation(backend: Backend) async throws {
        try await backend.withStore { store in
            let world = try await Self.world(store)
            let betaIDs = Set(world.ids["beta"]!.values)
            for role in BuiltInRole.allCases where role != .superAdmin {
                let principal = world.principal(role, tenant: "acme")
                for call in Self.calls(world, tenant: "beta") {
                    let route = try #require(world.router.routes.first { $0.pattern == call.pattern && $0.method == call.method })
                    let answer = await world.call(call.method, call.path, call.body, as: principal)
                    if call.pattern.contains("{id}") && !call.pattern.contains("/tenants/") {
                        // Addressed by another tenant's id: 404 exactly as a missing one, or 403
                        // when the role may not call the route at all (decided before any lookup).
                        let expected = Self.allowed(role, route.permission, system: false)
                        #expect(answer.status == (expected ? 404 : 403), "\(role.rawValue) \(call.method) \(call.path): \(answer.status)")
                    } else if call.method == "GET", let data = answer.body?["data"]?.arrayValue {
                        let leaked = data.compactMap { $0["id"]?.stringValue ?? $0["slug"]?.stringValue ?? $0["tenantId"]?.stringValue }
                            .filter(betaIDs.contains)
                        #expect(leaked.isEmpty, "\(role.rawValue) \(call.path) listed \(leaked)")
                    }
                }
            }
            // Nothing of beta changed: its documents are as seeded, and its chain holds only the seed.
            #expect(try await store.get(Organization.self, tenantID: "beta", id: "beta-eng")?.name == "Engineering")
            #expect(try await store.get(UserRecord.self, tenantID: "beta", id: "usr_beta_target")?.name == "Target")
            #expect(try await store.get(APIKeyRecord.self, tenantID: "beta", id: "key_beta_actor")?.revokedAt == nil)
            #expect(try await store.auditEntries(chain: "beta").map(\.action) == ["test.seed"])
            // Nor may acme read beta's chain.
            let principal = world.principal(.tenantAdmin, tenant: "acme")
            #expect(await world.call("GET", "/api/admin/audit", as: principal, query: ["chain": "beta"]).status == 400)
        }
    }
}

/// An upstream that refuses every connection, as an unreachable provider does: the admin tests
/// never leave loopback.
struct RefusingTransport: UpstreamTransport {
    func send(_ request: UpstreamRequest, timeouts: UpstreamSettings) async throws -> UpstreamResponse {
        throw UpstreamTransportError.connectFailed("connection refused (test)")
    }

    static func prober() -> ProviderProber {
        let configuration = GatewayConfiguration()
        return ProviderProber(executor: RouteExecutor(transport: RefusingTransport(), settings: configuration.upstream,
                                                      routing: RoutingRuntime(configuration: configuration)))
    }
}
