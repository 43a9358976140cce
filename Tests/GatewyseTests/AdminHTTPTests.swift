import AsyncHTTPClient
import Foundation
import GatewyseCore
import GatewyseEngine
import GatewyseServer
import GatewyseStorage
import GatewyseTesting
import NIOCore
import NIOHTTP1
import Testing

/// `/api/admin` on the real server with a real HTTP client: sign in, manage a tenant, a user
/// and a key, and see the key work on `/v1` and stop working once revoked.
@Suite("Admin HTTP", .serialized)
struct AdminHTTPTests {
    typealias Auth = AuthHTTPTests

    /// `AuthHTTPTests.call` with the argument order these tests read best in.
    static func call(_ gateway: RunningGateway, _ method: HTTPMethod, _ path: String, token: String? = nil, tenant: String? = nil,
                     body: String? = nil) async throws -> Auth.Reply {
        try await Auth.call(gateway, method, path, body: body, token: token, tenant: tenant)
    }

    static func login(_ gateway: RunningGateway, _ email: String, _ password: String) async throws -> String {
        let login = try await call(gateway, .POST, "/api/auth/login", body: #"{"email":"\#(email)","password":"\#(password)"}"#)
        return try #require(login.json?["accessToken"]?.stringValue, "login of \(email): \(login.status) \(login.body)")
    }

    @Test("super-admin creates a tenant and its admin; the admin mints a key that works on /v1 until revoked")
    func tenantAdminFlow() async throws {
        try await Auth.withGateway { gateway in
            let root = try await Self.login(gateway, Auth.email, Auth.password)
            // No credentials, an unknown route, a field that does not exist.
            #expect(try await Self.call(gateway, .GET, "/api/admin/tenants").status == 401)
            #expect(try await Self.call(gateway, .GET, "/api/admin/nothing", token: root).status == 404)
            let unknown = try await Self.call(gateway, .POST, "/api/admin/tenants", token: root, body: #"{"id":"acme","colour":"red"}"#)
            #expect(unknown.status == 400 && unknown.code == "INVALID_FIELD" && unknown.param == "colour")

            let created = try await Self.call(gateway, .POST, "/api/admin/tenants", token: root, body: #"{"id":"acme","name":"Acme"}"#)
            #expect(created.status == 201 && created.json?["status"] == "active")
            #expect(try await Self.call(gateway, .POST, "/api/admin/tenants", token: root, body: #"{"id":"acme"}"#).code == "CONFLICT")
            #expect(try await Self.call(gateway, .GET, "/api/admin/users", token: root).code == "TENANT_REQUIRED")

            let password = "Tenant-Admin-Pass-1"
            let admin = try await Self.call(gateway, .POST, "/api/admin/users", token: root, tenant: "acme",
                                            body: #"{"email":"boss@acme.test","password":"\#(password)","roles":["tenant-admin"]}"#)
            #expect(admin.status == 201 && admin.json?["password"] == nil && admin.json?["passwordHash"] == nil)
            let boss = try await Self.login(gateway, "boss@acme.test", password)
            // A tenant admin cannot make a super-admin, nor act on another tenant.
            let escalate = try await Self.call(gateway, .POST, "/api/admin/users", token: boss,
                                               body: #"{"email":"x@acme.test","roles":["super-admin"]}"#)
            #expect(escalate.status == 400 && escalate.param == "roles[0]")
            #expect(try await Self.call(gateway, .GET, "/api/admin/tenants", token: boss).code == "PERMISSION_DENIED")
            #expect(try await Self.call(gateway, .GET, "/api/admin/keys", token: boss, tenant: "other").status == 404)

            let key = try await Self.call(gateway, .POST, "/api/admin/keys", token: boss,
                                          body: #"{"name":"ci","scopes":{"capabilities":["chat","embeddings"]},"allowedCidrs":["127.0.0.1/32"]}"#)
            #expect(key.status == 201)
            let secret = try #require(key.json?["key"]?.stringValue)
            let keyID = try #require(key.json?["id"]?.stringValue)
            #expect(secret.hasPrefix("aigw_sk_") && key.json?["prefix"]?.stringValue == String(secret.prefix(16)))
            let read = try await Self.call(gateway, .GET, "/api/admin/keys/\(keyID)", token: boss)
            #expect(read.status == 200 && read.json?["key"] == nil && !read.body.contains(secret))
            #expect(try await Self.call(gateway, .GET, "/v1/models", token: secret).status == 200)

            let revoked = try await Self.call(gateway, .POST, "/api/admin/keys/\(keyID)/revoke", token: boss)
            #expect(revoked.status == 200 && revoked.json?["status"] == "revoked")
            // This replica reloads its snapshot with the commit: refused at once.
            #expect(try await Self.call(gateway, .GET, "/v1/models", token: secret).status == 401)

            // Every change is in the tenant's chain, by the signed-in actor, and the chain verifies.
            let audit = try await Self.call(gateway, .GET, "/api/admin/audit?targetType=api_key", token: boss)
            let actions = audit.json?["data"]?.arrayValue?.compactMap { $0["action"]?.stringValue }
            #expect(actions == ["key.create", "key.revoke"])
            let bossID = admin.json?["id"]?.stringValue
            #expect(audit.json?["data"]?.arrayValue?.allSatisfy { $0["actorId"]?.stringValue == bossID } == true)
            let verify = try await Self.call(gateway, .GET, "/api/admin/audit/verify", token: boss)
            #expect(verify.json?["valid"] == true && verify.json?["chain"] == "acme")
        }
    }

    @Test("a key with the admin capability acts as tenant-admin of its tenant; one without it is refused")
    func adminKeys() async throws {
        try await Auth.withGateway { gateway in
            let root = try await Self.login(gateway, Auth.email, Auth.password)
            _ = try await Self.call(gateway, .POST, "/api/admin/tenants", token: root, body: #"{"id":"acme"}"#)
            let adminKey = try await Self.call(gateway, .POST, "/api/admin/keys", token: root, tenant: "acme",
                                               body: #"{"name":"automation","scopes":{"capabilities":["admin"]}}"#)
            let chatKey = try await Self.call(gateway, .POST, "/api/admin/keys", token: root, tenant: "acme", body: #"{"name":"app"}"#)
            let admin = try #require(adminKey.json?["key"]?.stringValue)
            let chat = try #require(chatKey.json?["key"]?.stringValue)
            #expect(chatKey.json?["scopes"]?["capabilities"] == ["chat"])
            let listed = try await Self.call(gateway, .GET, "/api/admin/keys", token: admin)
            #expect(listed.status == 200 && listed.json?["data"]?.arrayValue?.count == 2)
            #expect(try await Self.call(gateway, .GET, "/api/admin/keys", token: chat).code == "CAPABILITY_NOT_ALLOWED")
            #expect(try await Self.call(gateway, .GET, "/api/admin/tenants", token: admin).code == "PERMISSION_DENIED")
            // Suspending the tenant stops its admin key too.
            _ = try await Self.call(gateway, .PATCH, "/api/admin/tenants/acme", token: root, body: #"{"status":"suspended"}"#)
            #expect(try await Self.call(gateway, .GET, "/api/admin/keys", token: admin).code == "TENANT_SUSPENDED")
        }
    }

    @Test("GET /api/admin/openapi.json describes every admin route, with its permission, before signing in")
    func openAPIDocument() async throws {
        try await Auth.withGateway { gateway in
            let reply = try await Self.call(gateway, .GET, "/api/admin/openapi.json")
            #expect(reply.status == 200)
            let document = try #require(reply.json)
            #expect(document["openapi"] == "3.1.0")
            let paths = try #require(document["paths"]?.objectValue)
            for route in gateway.runtime.adminRouter.routes {
                let operation = paths[route.pattern]?[route.method.lowercased()]
                #expect(operation != nil, "\(route.method) \(route.pattern) missing")
                #expect(operation?["x-permission"]?.stringValue == route.permission?.rawValue)
            }
            let operations = paths.entries.reduce(0) { $0 + ($1.value.objectValue?.count ?? 0) }
            #expect(operations == gateway.runtime.adminRouter.routes.count)
            // Every $ref resolves.
            let schemas = try #require(document["components"]?["schemas"]?.objectValue)
            let refs = reply.body.components(separatedBy: "#/components/schemas/").dropFirst().map { String($0.prefix { $0 != "\"" }) }
            #expect(!refs.isEmpty && refs.allSatisfy { schemas[$0] != nil })
        }
    }

    @Test("a route added through the API serves /v1 at once; configured aliases and tenants read as source config and refuse changes")
    func routesThroughTheAPI() async throws {
        let gateway = try await TestGateway.start()
        defer { Task { await gateway.stop() } }
        let running = gateway.gateway
        _ = try await running.runtime.controlPlane.accounts.createUser(
            AccountService.NewUser(email: "ops@acme.test", password: Auth.password, roles: ["tenant-admin"], tenantID: "acme"))
        let token = try await Self.login(running, "ops@acme.test", Auth.password)
        let chat = #"{"model":"team-fast","messages":[{"role":"user","content":"hi"}]}"#
        #expect(try await Self.call(running, .POST, "/v1/chat/completions", token: gateway.apiKey, body: chat).status == 404)

        let created = try await Self.call(running, .POST, "/api/admin/routes", token: token,
                                          body: #"{"name":"team-fast","strategy":"failover","targets":[{"provider":"down","model":"x"},{"provider":"mock","model":"mock-chat"}]}"#)
        #expect(created.status == 201, "\(created.body)")
        let routeID = try #require(created.json?["id"]?.stringValue)
        let answered = try await Self.call(running, .POST, "/v1/chat/completions", token: gateway.apiKey, body: chat)
        #expect(answered.status == 200, "\(answered.body)")

        let unknown = try await Self.call(running, .POST, "/api/admin/routes", token: token,
                                          body: #"{"name":"bad","targets":[{"provider":"nowhere","model":"m"}]}"#)
        #expect(unknown.status == 400 && unknown.param == "targets[0].provider")
        let listed = try await Self.call(running, .GET, "/api/admin/routes", token: token)
        #expect(listed.json?["data"]?.arrayValue?.map { $0["name"]?.stringValue ?? "" } == ["team-fast"])


        // The configuration's aliases are global: a super-admin acting on no tenant sees them.
        _ = try await running.runtime.controlPlane.accounts.createUser(
            AccountService.NewUser(email: "root@gw.test", password: Auth.password, roles: ["super-admin"]))
        let root = try await Self.login(running, "root@gw.test", Auth.password)
        let global = try await Self.call(running, .GET, "/api/admin/routes?source=config", token: root)
        #expect(global.json?["data"]?.arrayValue?.compactMap { $0["id"]?.stringValue }.contains("config:mock-chat") == true)
        #expect(try await Self.call(running, .PATCH, "/api/admin/routes/config:mock-chat", token: root, body: #"{"enabled":false}"#).code
                == "CONFIG_MANAGED")
        #expect(try await Self.call(running, .GET, "/api/admin/tenants/acme", token: root).json?["source"] == "config")
        #expect(try await Self.call(running, .PATCH, "/api/admin/tenants/acme", token: root, body: #"{"name":"x"}"#).code == "CONFIG_MANAGED")

        // Settings: the default strategy of new routes, and the providers routes may target.
        #expect(try await Self.call(running, .GET, "/api/admin/settings", token: token).json?["allowedProviders"] == [])
        let badSettings = try await Self.call(running, .PATCH, "/api/admin/settings", token: token, body: #"{"allowedProviders":["nowhere"]}"#)
        #expect(badSettings.status == 400 && badSettings.param == "allowedProviders[0]")
        let settings = try await Self.call(running, .PUT, "/api/admin/settings", token: token,
                                           body: #"{"defaultRoutingStrategy":"failover","allowedProviders":["mock"],"rateLimits":{"maxRequestsPerMinute":60}}"#)
        #expect(settings.status == 200 && settings.json?["rateLimits"]?["maxRequestsPerMinute"] == 60, "\(settings.body)")
        // On /v1 too: the tenant's keys reach allowed providers only, directly or through aliases.
        let direct = { (model: String) in #"{"model":"\#(model)","messages":[{"role":"user","content":"hi"}]}"# }
        let blocked = try await Self.call(running, .POST, "/v1/chat/completions", token: gateway.apiKey, body: direct("down/whatever"))
        #expect(blocked.status == 403 && blocked.code == "MODEL_NOT_ALLOWED", "\(blocked.body)")
        #expect(try await Self.call(running, .POST, "/v1/chat/completions", token: gateway.apiKey, body: direct("mock/mock-chat")).status == 200)
        let refused = try await Self.call(running, .POST, "/api/admin/routes", token: token, body: #"{"name":"other","targets":[{"provider":"down","model":"m"}]}"#)
        #expect(refused.status == 400 && refused.param == "targets[0].provider")
        let defaulted = try await Self.call(running, .POST, "/api/admin/routes", token: token, body: #"{"name":"other","targets":[{"provider":"mock","model":"m"}]}"#)
        #expect(defaulted.json?["strategy"] == "failover")

        #expect(try await Self.call(running, .DELETE, "/api/admin/routes/\(routeID)", token: token).status == 204)
        #expect(try await Self.call(running, .POST, "/v1/chat/completions", token: gateway.apiKey, body: chat).status == 404)
    }
}
