@testable import GatewyseEngine
import GatewyseCore
import GatewyseStorage
import Testing

@Suite("Master key rotation")
struct MasterKeyRotationTests {
    static func provider(_ id: String, tenant: String, key: String, cipher: CredentialCipher) throws -> ProviderRecord {
        ProviderRecord(id: id, tenantID: tenant, type: "openai", name: id, encryptedAPIKey: try cipher.encrypt(key, tenantID: tenant),
                       encryptedHeaders: try cipher.encrypt(#"{"X-Org":"o"}"#, tenantID: tenant), headerNames: ["X-Org"],
                       baseURL: "https://api.openai.com/v1", createdAt: 1, updatedAt: 1)
    }

    @Test("every credential moves to the new key in one audited commit; the old key no longer decrypts them")
    func rotates() async throws {
        let store = InMemoryStore()
        let old = MasterKey.random()
        try await store.commit([.insert(Tenant(id: "acme", name: "a", createdAt: 1), at: 1),
                                .insert(try Self.provider("p1", tenant: "acme", key: "sk-one", cipher: CredentialCipher(masterKey: old)), at: 1),
                                .insert(try Self.provider("p2", tenant: SystemScope.tenantID, key: "sk-two", cipher: CredentialCipher(masterKey: old)), at: 1)])
        let new = MasterKeyRotation.newKey()
        #expect(try await MasterKeyRotation.reencrypt(store: store, from: old, to: new.key) == 2)
        let p1 = try #require(try await store.get(ProviderRecord.self, tenantID: "acme", id: "p1"))
        #expect(try CredentialCipher(masterKey: new.key).decrypt(p1.encryptedAPIKey!, tenantID: "acme") == "sk-one")
        #expect(try CredentialCipher(masterKey: new.key).decrypt(p1.encryptedHeaders!, tenantID: "acme") == #"{"X-Org":"o"}"#)
        #expect(throws: CredentialCipherError.corrupt) { try CredentialCipher(masterKey: old).decrypt(p1.encryptedAPIKey!, tenantID: "acme") }
        #expect(try await store.auditEntries(chain: AuditChain.system).map(\.action) == ["master_key.rotate"])
    }

    @Test("a credential the current key cannot read stops the rotation before anything changes")
    func allOrNothing() async throws {
        let store = InMemoryStore()
        let old = MasterKey.random()
        let good = try Self.provider("p1", tenant: "acme", key: "sk-one", cipher: CredentialCipher(masterKey: old))
        try await store.commit([.insert(Tenant(id: "acme", name: "a", createdAt: 1), at: 1), .insert(good, at: 1),
                                .insert(try Self.provider("p2", tenant: "acme", key: "sk-x", cipher: CredentialCipher(masterKey: .random())), at: 1)])
        await #expect(throws: MasterKeyRotation.Failure.self) {
            try await MasterKeyRotation.reencrypt(store: store, from: old, to: MasterKey.random())
        }
        #expect(try await store.get(ProviderRecord.self, tenantID: "acme", id: "p1") == good)
        #expect(try await store.auditEntries(chain: AuditChain.system).isEmpty)
    }
}
