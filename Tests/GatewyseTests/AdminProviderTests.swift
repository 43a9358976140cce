import AsyncHTTPClient
import Foundation
import GatewyseCore
@testable import GatewyseEngine
import GatewyseProviders
import GatewyseServer
import GatewyseSQLite
import GatewyseStorage
import GatewyseTesting
import NIOHTTP1
import Testing

/// Providers added through the admin API: credentials encrypted at rest and never answered,
/// decrypted into the request path only, usable by their tenant alone.
@Suite("Admin API: providers and their credentials", .serialized)
struct AdminProviderTests {
    static let canaryKey = "sk-canary-PLAINTEXT-4f1d9a"
    static let canaryHeader = "hdr-canary-PLAINTEXT-77c2"

    static func superAdmin(acting tenant: String) -> AdminPrincipal {
        AdminPrincipal(tenantID: tenant, homeTenantID: SystemScope.tenantID, actorID: "usr_root", actorType: .user, userID: "usr_root",
                       roles: ["super-admin"], permissions: BuiltInRole.superAdmin.permissions)
    }

    static func call(_ router: AdminRouter, _ method: String, _ path: String, _ body: JSONValue?, as principal: AdminPrincipal) async throws -> AdminAnswer {
        let (route, parameters) = try #require(router.route(method: method, path: path))
        return try await router.handle(route, AdminRequest(method: method, parameters: parameters, body: body, principal: principal))
    }

    @Test("no plaintext credential in the SQLite files, the answers or the audit log; the request path decrypts it, another master key cannot")
    func encryptedAtRest() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("gw-prov-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = try SQLiteStore(path: directory + "/db.sqlite")
        try await store.commit([.insert(Tenant(id: "acme", name: "Acme", createdAt: 1), at: 1)])
        let masterKey = MasterKey.random()
        let cipher = CredentialCipher(masterKey: masterKey)
        let router = AdminRouter(api: AdminAPI(store: store, passwords: PasswordHasher(parameters: .testing, runner: DispatchWorkRunner()),
                                               credentials: cipher, prober: RefusingTransport.prober()))
        let created = try await Self.call(router, "POST", "/api/admin/providers", [
            "id": "acme-openai", "type": "openai", "apiKey": .string(Self.canaryKey), "headers": ["X-Org": .string(Self.canaryHeader)],
            "models": ["gpt-4o-mini"],
        ], as: Self.superAdmin(acting: "acme"))
        #expect(created.status == 201)
        let answers = [created.body, try await Self.call(router, "GET", "/api/admin/providers/acme-openai", nil, as: Self.superAdmin(acting: "acme")).body,
                       try await Self.call(router, "GET", "/api/admin/providers", nil, as: Self.superAdmin(acting: "acme")).body,
                       try await Self.call(router, "PATCH", "/api/admin/providers/acme-openai", ["apiKey": .string(Self.canaryKey + "2")],
                                           as: Self.superAdmin(acting: "acme")).body]
        for answer in answers {
            let text = JSONWriter.string(answer ?? .null)
            #expect(!text.contains("PLAINTEXT"), "\(text)")
        }
        #expect(created.body?["hasApiKey"] == true && created.body?["headers"]?["X-Org"] == "********")
        let audit = try await store.auditEntries(chain: "acme")
        #expect(audit.map(\.action) == ["provider.create", "provider.update"])
        #expect(audit.allSatisfy { !$0.summary.contains("PLAINTEXT") })
        // Every file of the database, the WAL included.
        for file in try FileManager.default.contentsOfDirectory(atPath: directory) {
            let bytes = try Data(contentsOf: URL(fileURLWithPath: directory + "/" + file))
            #expect(bytes.range(of: Data("PLAINTEXT".utf8)) == nil, "\(file) holds a plaintext credential")
        }

        let resolver = try await RouteResolver.load(configuration: GatewayConfiguration(), store: store, credentials: cipher)
        let route = try resolver.resolve(model: "acme-openai/gpt-4o-mini", tenantID: "acme")
        #expect(route.candidates.first?.adapter.configuration.apiKey?.revealed == Self.canaryKey + "2")
        #expect(route.candidates.first?.adapter.configuration.headers.first { $0.0 == "X-Org" }?.1 == Self.canaryHeader)
        // Another tenant does not reach it; another master key does not decrypt it.
        #expect(throws: GatewayError.self) { try resolver.resolve(model: "acme-openai/gpt-4o-mini", tenantID: "beta") }
        let stranger = try await RouteResolver.load(configuration: GatewayConfiguration(), store: store, credentials: CredentialCipher(masterKey: .random()))
        #expect(throws: GatewayError.self) { try stranger.resolve(model: "acme-openai/gpt-4o-mini", tenantID: "acme") }
    }

    @Test("a tenant's provider serves its keys at once, not another tenant's; private addresses need a super-admin, metadata addresses nobody")
    func tenantProviderServes() async throws {
        let gateway = try await TestGateway.start()
        defer { Task { await gateway.stop() } }
        let running = gateway.gateway
        let accounts = running.runtime.controlPlane.accounts
        _ = try await accounts.createUser(AccountService.NewUser(email: "root@gw.test", password: AuthHTTPTests.password, roles: ["super-admin"]))
        _ = try await accounts.createUser(AccountService.NewUser(email: "ops@acme.test", password: AuthHTTPTests.password, roles: ["tenant-admin"], tenantID: "acme"))
        let root = try await AdminHTTPTests.login(running, "root@gw.test", AuthHTTPTests.password)
        let ops = try await AdminHTTPTests.login(running, "ops@acme.test", AuthHTTPTests.password)
        let body = #"{"id":"acme-mock","type":"openai","baseUrl":"\#(gateway.mock.baseURL)","apiKey":"\#(TestGateway.providerKey)""#

        let privateRefused = try await AdminHTTPTests.call(running, .POST, "/api/admin/providers", token: ops, body: body + "}")
        #expect(privateRefused.status == 400 && privateRefused.param == "baseUrl", "\(privateRefused.body)")
        let notAllowed = try await AdminHTTPTests.call(running, .POST, "/api/admin/providers", token: ops, body: body + #","allowPrivateNetwork":true}"#)
        #expect(notAllowed.status == 403)
        let metadata = try await AdminHTTPTests.call(running, .POST, "/api/admin/providers", token: root, tenant: "acme",
                                                     body: #"{"id":"meta","type":"openai","baseUrl":"http://169.254.169.254/v1","apiKey":"k","allowPrivateNetwork":true}"#)
        #expect(metadata.status == 400 && metadata.param == "baseUrl")

        let created = try await AdminHTTPTests.call(running, .POST, "/api/admin/providers", token: root, tenant: "acme",
                                                    body: body + #","allowPrivateNetwork":true}"#)
        #expect(created.status == 201, "\(created.body)")
        #expect(!created.body.contains(TestGateway.providerKey))
        let chat = #"{"model":"acme-mock/mock-chat","messages":[{"role":"user","content":"hi"}]}"#
        let answered = try await AdminHTTPTests.call(running, .POST, "/v1/chat/completions", token: gateway.apiKey, body: chat)
        #expect(answered.status == 200, "\(answered.body)")

        let probe = try await AdminHTTPTests.call(running, .POST, "/api/admin/providers/acme-mock/test", token: ops, body: #"{"model":"mock-chat"}"#)
        #expect(probe.status == 200 && probe.json?["ok"] == true && probe.json?["status"] == 200, "\(probe.body)")
        let down = try await AdminHTTPTests.call(running, .POST, "/api/admin/providers/down/test", token: root, body: #"{"model":"m"}"#)
        #expect(down.json?["ok"] == false && (down.json?["status"]?.intValue ?? 0) >= 500, "\(down.body)")
        let health = try await AdminHTTPTests.call(running, .GET, "/api/admin/providers/health", token: ops)
        let rows = health.json?["data"]?.arrayValue ?? []
        #expect(rows.first { $0["id"] == "acme-mock" }?["status"] == "healthy", "\(health.body)")
        #expect(rows.first { $0["id"] == "down" }?["status"]?.stringValue != "healthy")
        // Another tenant's key: the provider does not exist for it.
        _ = try await AdminHTTPTests.call(running, .POST, "/api/admin/tenants", token: root, body: #"{"id":"beta"}"#)
        let betaKey = try await AdminHTTPTests.call(running, .POST, "/api/admin/keys", token: root, tenant: "beta", body: #"{"name":"b"}"#)
        let beta = try #require(betaKey.json?["key"]?.stringValue)
        #expect(try await AdminHTTPTests.call(running, .POST, "/v1/chat/completions", token: beta, body: chat).status == 404)
        #expect(try await AdminHTTPTests.call(running, .GET, "/api/admin/providers/acme-mock", token: root, tenant: "beta").status == 404)

        // Disabled: gone from the request path at once.
        #expect(try await AdminHTTPTests.call(running, .PATCH, "/api/admin/providers/acme-mock", token: ops, body: #"{"enabled":false}"#).status == 200)
        #expect(try await AdminHTTPTests.call(running, .POST, "/v1/chat/completions", token: gateway.apiKey, body: chat).status == 404)
    }
}
