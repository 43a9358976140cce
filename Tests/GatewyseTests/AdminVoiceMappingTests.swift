import GatewyseCore
@testable import GatewyseEngine
import GatewyseProviders
import GatewyseStorage
import Testing

/// An ElevenLabs provider added through the admin API carries its voice mapping
/// (`settings.voices`) into the request path, and a voice id that could change the upstream
/// path is refused naming the field.
@Suite("Admin API: provider voice mappings")
struct AdminVoiceMappingTests {
    @Test func voicesReachTheAdapterAndAreShown() async throws {
        let store = InMemoryStore()
        try await store.commit([.insert(Tenant(id: "acme", name: "Acme", createdAt: 1), at: 1)])
        let cipher = CredentialCipher(masterKey: MasterKey.random())
        let router = AdminRouter(api: AdminAPI(store: store, passwords: PasswordHasher(parameters: .testing, runner: DispatchWorkRunner()),
                                               credentials: cipher, prober: RefusingTransport.prober()))
        let admin = AdminProviderTests.superAdmin(acting: "acme")
        let created = try await AdminProviderTests.call(router, "POST", "/api/admin/providers", [
            "id": "acme-eleven", "type": "elevenlabs", "apiKey": "xi-key-0123456789", "models": ["eleven_v3"],
            "settings": ["voices": ["alloy": "21m00Tcm4TlvDq8ikWAM"]],
        ], as: admin)
        #expect(created.status == 201)
        #expect(created.body?["settings"] == ["voices": ["alloy": "21m00Tcm4TlvDq8ikWAM"]])
        let resolver = try await RouteResolver.load(configuration: GatewayConfiguration(), store: store, credentials: cipher)
        let route = try resolver.resolve(model: "acme-eleven/eleven_v3", tenantID: "acme")
        #expect(route.candidates.first?.adapter.configuration.voices == ["alloy": "21m00Tcm4TlvDq8ikWAM"])

        do {
            _ = try await AdminProviderTests.call(router, "POST", "/api/admin/providers", [
                "id": "acme-eleven-2", "type": "elevenlabs", "apiKey": "xi-key-0123456789", "settings": ["voices": ["alloy": "../v1/user"]],
            ], as: admin)
            Issue.record("a voice id with '/' was accepted")
        } catch let error as GatewayError {
            #expect(error.param == "settings.voices.alloy")
        }
    }
}
