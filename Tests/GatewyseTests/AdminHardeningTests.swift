import GatewyseCore
@testable import GatewyseEngine
import GatewyseStorage
import Testing

/// What the admin API refuses so that one admin cannot undo another's limits or reach what it
/// was not given (review findings).
@Suite("Admin API: limits that hold")
struct AdminHardeningTests {
    typealias World = AdminAccessTests.World

    static func userPrincipal(_ world: World, userID: String) -> AdminPrincipal {
        AdminPrincipal(tenantID: "acme", homeTenantID: "acme", actorID: userID, actorType: .user, userID: userID,
                       roles: ["user"], permissions: BuiltInRole.user.permissions)
    }

    @Test("a user with only keys:write:own cannot lift the limits on its own key, and its new keys stay in its own unit")
    func ownKeysKeepTheirLimits() async throws {
        let world = try await AdminAccessTests.world(InMemoryStore())
        let user = Self.userPrincipal(world, userID: "usr_acme_target")
        let created = await world.call("POST", "/api/admin/keys", ["name": "mine", "departmentId": "acme-core"], as: user)
        #expect(created.status == 201)
        #expect(created.body?["userId"] == "usr_acme_target" && created.body?["departmentId"] == "acme-core")
        let id = try #require(created.body?["id"]?.stringValue)
        let lifted = await world.call("PATCH", "/api/admin/keys/\(id)", ["rateLimits": [:], "allowedCidrs": []], as: user)
        #expect(lifted.status == 400 && lifted.error?.param == "rateLimits")
        #expect(await world.call("PATCH", "/api/admin/keys/\(id)", ["name": "renamed"], as: user).status == 200)
    }

    @Test("an admin-capable key can be bound only to its creator; a dept-admin cannot revoke a tenant-admin's admin key")
    func adminKeys() async throws {
        let world = try await AdminAccessTests.world(InMemoryStore())
        let admin = world.principal(.tenantAdmin)
        let bound = await world.call("POST", "/api/admin/keys", ["name": "x", "userId": "usr_acme_target", "scopes": ["capabilities": ["admin"]]], as: admin)
        #expect(bound.status == 400 && bound.error?.param == "userId")
        let own = await world.call("POST", "/api/admin/keys", ["name": "automation", "scopes": ["capabilities": ["admin"]]], as: admin)
        #expect(own.status == 201)
        let id = try #require(own.body?["id"]?.stringValue)
        let dept = world.principal(.deptAdmin)
        #expect(await world.call("POST", "/api/admin/keys/\(id)/revoke", nil, as: dept).error?.code == "PERMISSION_DENIED")
        #expect(await world.call("POST", "/api/admin/keys/\(id)/revoke", nil, as: admin).status == 200)
    }

    @Test("a custom role is changed only by someone holding what it grants")
    func roleEdits() async throws {
        let world = try await AdminAccessTests.world(InMemoryStore())
        let admin = world.principal(.tenantAdmin)
        #expect(await world.call("POST", "/api/admin/roles", ["slug": "auditing", "permissions": ["audit:read"]], as: admin).status == 201)
        let dept = world.principal(.deptAdmin)
        var custom = dept
        custom.permissions.insert(.rolesWrite)
        #expect(await world.call("PATCH", "/api/admin/roles/auditing", ["permissions": []], as: custom).error?.code == "PERMISSION_DENIED")
    }

    @Test("provider headers cannot re-frame requests; a tenant admin moving a provider loses the operator's private-network grant")
    func providerLimits() async throws {
        let world = try await AdminAccessTests.world(InMemoryStore())
        let admin = world.principal(.tenantAdmin)
        for name in ["Host", "Content-Length", "Transfer-Encoding", "Bad Name", "Proxy-Authorization"] {
            let answer = await world.call("POST", "/api/admin/providers", ["id": "h", "type": "openai", "apiKey": "k", "headers": [name: "x"]], as: admin)
            #expect(answer.status == 400 && answer.error?.param == "headers.\(name)", "\(name)")
        }
        let root = world.principal(.superAdmin)
        #expect(await world.call("POST", "/api/admin/providers", ["id": "local", "type": "ollama", "baseUrl": "http://10.0.0.7:11434",
                                                                  "allowPrivateNetwork": true], as: root).status == 201)
        // Sent back as read: accepted.
        #expect(await world.call("PATCH", "/api/admin/providers/local", ["name": "GPU box", "allowPrivateNetwork": true], as: admin).status == 200)
        let moved = await world.call("PATCH", "/api/admin/providers/local", ["baseUrl": "http://10.0.0.8:11434"], as: admin)
        #expect(moved.status == 400 && moved.error?.param == "baseUrl")
    }

    @Test("tenant ids: 'system' is reserved, and a deleted tenant's id is not handed out again")
    func tenantIDs() async throws {
        let world = try await AdminAccessTests.world(InMemoryStore())
        let root = world.principal(.superAdmin)
        #expect(await world.call("POST", "/api/admin/tenants", ["id": "system"], as: root).error?.param == "id")
        #expect(await world.call("POST", "/api/admin/tenants", ["id": "gamma"], as: root).status == 201)
        // A tenant that never held anything leaves no chain: its id may be reused.
        #expect(await world.call("DELETE", "/api/admin/tenants/gamma", nil, as: root).status == 204)
        #expect(await world.call("POST", "/api/admin/tenants", ["id": "gamma"], as: root).status == 201)
        var inGamma = root
        inGamma.tenantID = "gamma"
        #expect(await world.call("POST", "/api/admin/roles", ["slug": "reader", "permissions": ["routes:read"]], as: inGamma).status == 201)
        #expect(await world.call("DELETE", "/api/admin/tenants/gamma", nil, as: root).status == 204)
        #expect(try await world.store.get(RoleRecord.self, tenantID: "gamma", id: "reader") == nil)
        #expect(await world.call("POST", "/api/admin/tenants", ["id": "gamma"], as: root).error?.code == "CONFLICT")
    }

    @Test("PATCH merges nested objects: a limit left out keeps its value, null removes it")
    func nestedMerge() async throws {
        let world = try await AdminAccessTests.world(InMemoryStore())
        let admin = world.principal(.tenantAdmin)
        let created = await world.call("POST", "/api/admin/keys", ["name": "k", "rateLimits": ["requestsPerMinute": 60, "requestsPerDay": 1000]], as: admin)
        let id = try #require(created.body?["id"]?.stringValue)
        let patched = await world.call("PATCH", "/api/admin/keys/\(id)", ["rateLimits": ["requestsPerMinute": nil, "tokensPerDay": 5000]], as: admin)
        #expect(patched.body?["rateLimits"] == ["requestsPerMinute": nil, "requestsPerDay": 1000, "tokensPerDay": 5000])
        _ = await world.call("PUT", "/api/admin/settings", ["caching": ["enabled": true, "ttlSeconds": 600]], as: admin)
        let settings = await world.call("PATCH", "/api/admin/settings", ["caching": ["ttlSeconds": 60]], as: admin)
        #expect(settings.body?["caching"] == ["enabled": true, "ttlSeconds": 60])
    }

    @Test("a department moved to another organization takes its users along")
    func departmentMoves() async throws {
        let world = try await AdminAccessTests.world(InMemoryStore())
        let admin = world.principal(.tenantAdmin)
        #expect(await world.call("POST", "/api/admin/organizations", ["id": "sales", "name": "Sales"], as: admin).status == 201)
        #expect(await world.call("PATCH", "/api/admin/departments/acme-core", ["organizationId": "sales"], as: admin).status == 200)
        #expect(try await world.store.get(UserRecord.self, tenantID: "acme", id: "usr_acme_target")?.organizationID == "sales")
        #expect(await world.call("DELETE", "/api/admin/departments/acme-core", nil, as: admin).error?.code == "CONFLICT")
    }
}
