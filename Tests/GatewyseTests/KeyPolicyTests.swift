import GatewyseCore
import GatewyseEngine
import GatewyseStorage
import Testing

@Suite("Key policy: scopes, allow-lists and tenant switches, precomputed per key")
struct KeyPolicyTests {
    static func record(scopes: APIKeyRecord.Scopes = .unrestricted, cidrs: [String] = []) -> APIKeyRecord {
        APIKeyRecord(id: "key_1", tenantID: "acme", name: "k", prefix: "aigw_sk_00000000", digest: [0], createdAt: 0,
                     source: .created, scopes: scopes, allowedCIDRs: cidrs)
    }

    @Test("CIDR blocks match in place: partial prefixes, /0, IPv4-mapped IPv6, families kept apart")
    func cidr() throws {
        let block = try #require(CIDRBlock("203.0.113.128/25"))
        #expect(block.contains([203, 0, 113, 200]))
        #expect(!block.contains([203, 0, 113, 127]))
        #expect(block.contains([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF, 203, 0, 113, 129]))
        #expect(!block.contains([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFE, 0xFF, 203, 0, 113, 129]))
        #expect(try #require(CIDRBlock("0.0.0.0/0")).contains([8, 8, 8, 8]))
        #expect(!(try #require(CIDRBlock("0.0.0.0/0")).contains(ClientAddress("::1")!.bytes)))
        let v6 = try #require(CIDRBlock("2001:db8::/33"))
        #expect(v6.contains(ClientAddress("2001:db8:7fff::1")!.bytes))
        #expect(!v6.contains(ClientAddress("2001:db8:8000::1")!.bytes))
        #expect(!v6.contains([127, 0, 0, 1]))
        #expect(ClientAddress("fe80::1%eth0")?.bytes.count == 16)
        #expect(ClientAddress("127.1") == nil)
    }

    @Test("admission order: suspended tenant, then address, then capability (key ∩ tenant)")
    func admission() throws {
        let tenant = Tenant(id: "acme", name: "Acme", status: .suspended, enabledCapabilities: ["chat"], createdAt: 0)
        let suspended = KeyPolicy(key: Self.record(cidrs: ["10.0.0.0/8"]), tenant: TenantPolicy(tenant))
        #expect(throws: GatewayError.tenantSuspended) { try suspended.admit(.embeddings, from: ClientAddress("127.0.0.1")) }

        var active = tenant
        active.status = .active
        let listed = KeyPolicy(key: Self.record(cidrs: ["10.0.0.0/8"]), tenant: TenantPolicy(active))
        #expect(throws: GatewayError.ipNotAllowed) { try listed.admit(.chat, from: ClientAddress("127.0.0.1")) }
        #expect(throws: GatewayError.ipNotAllowed) { try listed.admit(.chat, from: nil) }
        try listed.admit(.chat, from: ClientAddress("10.1.2.3"))
        #expect(throws: GatewayError.capabilityNotAllowed("embeddings")) { try listed.admit(.embeddings, from: ClientAddress("10.1.2.3")) }

        let scoped = KeyPolicy(key: Self.record(scopes: .init(capabilities: ["embeddings", "usage:read"])), tenant: TenantPolicy(unrestricted: "acme"))
        try scoped.admit(.embeddings, from: nil)
        #expect(throws: GatewayError.capabilityNotAllowed("chat")) { try scoped.admit(.chat, from: nil) }
        try KeyPolicy.unrestricted.admit(.rerank, from: nil)
    }

    @Test("the authenticator keeps the tenants its policies were built from; replacing a part keeps the revision")
    func snapshotRevision() {
        let older = RuntimeSnapshot(authenticator: APIKeyAuthenticator(), resolver: RouteResolver(configuration: GatewayConfiguration()), revision: 3)
        #expect(older.replacing().revision == 3)
        #expect(older.tenants.isEmpty)
        let authenticator = APIKeyAuthenticator(keys: [Self.record()], tenants: [Tenant(id: "acme", name: "Acme", status: .suspended, createdAt: 0)])
        #expect(authenticator.tenants["acme"]?.isSuspended == true)
    }
}
