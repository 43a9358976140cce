import GatewyseCore
@testable import GatewyseEngine
import GatewyseProviders
@testable import GatewyseTesting
import GatewyseStorage
import Testing

/// A ComfyUI provider added through the admin API (decision 0024): its workflows come inline in
/// `settings.workflows`, are checked like the configuration file's, reach the request path as
/// the provider's models, and are shown back as objects; a provider without one, or a workflow
/// that would not load, is refused naming the field. Loopback is the operator's to grant.
@Suite("Admin API: ComfyUI workflows")
struct AdminComfyUIWorkflowTests {
    static func router() async throws -> (AdminRouter, InMemoryStore, CredentialCipher) {
        let store = InMemoryStore()
        try await store.commit([.insert(Tenant(id: "acme", name: "Acme", createdAt: 1), at: 1)])
        let cipher = CredentialCipher(masterKey: MasterKey.random())
        let router = AdminRouter(api: AdminAPI(store: store, passwords: PasswordHasher(parameters: .testing, runner: DispatchWorkRunner()),
                                               credentials: cipher, prober: RefusingTransport.prober()))
        return (router, store, cipher)
    }

    static let workflow = try! JSONParser.parse(MockComfyUIUpstream.workflowTemplate)

    @Test func workflowsReachTheAdapterAsModels() async throws {
        let (router, store, cipher) = try await Self.router()
        let created = try await AdminProviderTests.call(router, "POST", "/api/admin/providers", [
            "id": "acme-comfy", "type": "comfyui", "settings": ["workflows": ["sdxl": Self.workflow]],
        ], as: AdminProviderTests.superAdmin(acting: "acme"))
        #expect(created.status == 201)
        // Self-hosted: a super-admin's provider may sit on loopback without saying so.
        #expect(created.body?["baseUrl"] == "http://127.0.0.1:8188" && created.body?["allowPrivateNetwork"] == true)
        #expect(created.body?["settings"]?["workflows"]?["sdxl"]?["3"]?["inputs"]?["seed"] == "{{seed}}")
        #expect(created.body?["hasApiKey"] == false)
        let resolver = try await RouteResolver.load(configuration: GatewayConfiguration(), store: store, credentials: cipher)
        let route = try resolver.resolve(model: "acme-comfy/sdxl", tenantID: "acme")
        let configuration = try #require(route.candidates.first?.adapter.configuration)
        let expected = try ComfyUIWorkflow.make(Self.workflow).get()
        #expect(configuration.models == ["sdxl"] && configuration.workflows["sdxl"] == expected)
    }

    static let badBodies: [(JSONValue, String)] = [
        (.object(JSONObject()), "settings.workflows"),
        (["settings": ["workflows": ["sdxl": ["1": ["class_type": "X", "inputs": ["text": "no prompt"]]]]]], "settings.workflows.sdxl"),
        (["settings": ["workflows": ["sdxl": "/etc/passwd"]]], "settings.workflows.sdxl"),
        (["settings": ["workflows": ["a b": workflow]]], "settings.workflows.a b"),
    ]

    @Test(arguments: badBodies)
    func badWorkflowsAreRefusedNamingTheField(_ extra: JSONValue, _ field: String) async throws {
        let (router, _, _) = try await Self.router()
        var body = JSONObject([("id", "acme-comfy"), ("type", "comfyui")])
        for (key, value) in extra.objectValue ?? JSONObject() { body[key] = value }
        do {
            _ = try await AdminProviderTests.call(router, "POST", "/api/admin/providers", .object(body), as: AdminProviderTests.superAdmin(acting: "acme"))
            Issue.record("accepted \(JSONWriter.string(.object(body)))")
        } catch let error as GatewayError {
            #expect(error.param == field, "\(error.message)")
        }
    }

    @Test func workflowsBelongToComfyUIOnly() async throws {
        let (router, _, _) = try await Self.router()
        do {
            _ = try await AdminProviderTests.call(router, "POST", "/api/admin/providers", [
                "id": "acme-oai", "type": "openai", "apiKey": "sk-x", "settings": ["workflows": ["sdxl": Self.workflow]],
            ], as: AdminProviderTests.superAdmin(acting: "acme"))
            Issue.record("accepted workflows on an openai provider")
        } catch let error as GatewayError {
            #expect(error.param == "settings.workflows")
        }
    }
}
