import GatewyseCore
import GatewyseStorage
import Testing

/// Tenant isolation, unique keys, versions, all-or-nothing commits, the revision and key use,
/// on the primitives every backend implements.
extension StoreContractTests {
    static func doc(_ kind: ResourceKind = .user, tenant: String, id: String, key: String? = nil, body: String = "{}", at time: Int64 = 10) -> StoredResource {
        StoredResource(kind: kind, tenantID: tenant, id: id, uniqueKey: key, body: body, createdAt: time, updatedAt: time)
    }

    static func draft(_ tenant: String, action: String = "user.create", actor: String = "usr_1", target: String = "user",
                      time: Int64 = 1_700_000_000_000, summary: String = "did something") -> AuditDraft {
        AuditDraft(tenantID: tenant, time: time, actorID: actor, actorType: .user, action: action, targetType: target,
                   targetID: "t_1", summary: summary)
    }

    @Test("the same id in two tenants is two resources; another tenant cannot read, update or delete one", arguments: Backend.all)
    func tenantIsolation(backend: Backend) async throws {
        try await backend.withStore { store in
            try await store.commit([.insert(Self.doc(tenant: "acme", id: "u1", body: #"{"a":1}"#)),
                                    .insert(Self.doc(tenant: "beta", id: "u1", body: #"{"b":1}"#))])
            #expect(try await store.fetch(.user, tenantID: "acme", id: "u1")?.body == #"{"a":1}"#)
            #expect(try await store.fetch(.user, tenantID: "beta", id: "u1")?.body == #"{"b":1}"#)
            #expect(try await store.fetch(.user, tenantID: "gamma", id: "u1") == nil)
            #expect(try await store.fetch(.role, tenantID: "acme", id: "u1") == nil)
            #expect(try await store.list(.user, tenantID: "acme", after: nil, limit: 10).map(\.body) == [#"{"a":1}"#])
            #expect(try await store.listAll(.user).map(\.tenantID) == ["acme", "beta"])
            // Updating beta's changes beta's only; gamma has no such resource.
            try await store.commit([.update(Self.doc(tenant: "beta", id: "u1", body: #"{"b":2}"#), expectedVersion: nil)])
            #expect(try await store.fetch(.user, tenantID: "acme", id: "u1")?.body == #"{"a":1}"#)
            await #expect(throws: StoreError.notFound("user 'u1'")) {
                try await store.commit([.update(Self.doc(tenant: "gamma", id: "u1"), expectedVersion: nil)])
            }
            await #expect(throws: StoreError.notFound("user 'u1'")) { try await store.commit([.delete(kind: .user, tenantID: "gamma", id: "u1")]) }
            try await store.commit([.delete(kind: .user, tenantID: "beta", id: "u1")])
            #expect(try await store.fetch(.user, tenantID: "beta", id: "u1") == nil)
            #expect(try await store.fetch(.user, tenantID: "acme", id: "u1")?.version == 1)
        }
    }

    @Test("lists page by id with a cursor", arguments: Backend.all)
    func paging(backend: Backend) async throws {
        try await backend.withStore { store in
            try await store.commit(["c", "a", "B", "b", "a-1"].map { .insert(Self.doc(tenant: "acme", id: $0)) })
            #expect(try await store.list(.user, tenantID: "acme", after: nil, limit: 2).map(\.id) == ["B", "a"])
            #expect(try await store.list(.user, tenantID: "acme", after: "a", limit: 10).map(\.id) == ["a-1", "b", "c"])
            #expect(try await store.list(.user, tenantID: "acme", after: "c", limit: 10).isEmpty)
        }
    }

    @Test("unique keys are unique per kind across tenants, taken by updates and freed by update and delete", arguments: Backend.all)
    func uniqueKeys(backend: Backend) async throws {
        try await backend.withStore { store in
            try await store.commit([.insert(Self.doc(tenant: "acme", id: "u1", key: "a@x"))])
            await #expect(throws: StoreError.self) { try await store.commit([.insert(Self.doc(tenant: "beta", id: "u2", key: "a@x"))]) }
            await #expect(throws: StoreError.self) { try await store.commit([.insert(Self.doc(tenant: "acme", id: "u1", key: "other"))]) }
            // Another kind may use the same key.
            try await store.commit([.insert(Self.doc(.apiKey, tenant: "acme", id: "k1", key: "a@x"))])
            try await store.commit([.insert(Self.doc(tenant: "beta", id: "u2", key: "b@x"))])
            #expect(try await store.fetch(.user, uniqueKey: "b@x")?.tenantID == "beta")
            do {
                try await store.commit([.update(Self.doc(tenant: "beta", id: "u2", key: "a@x"), expectedVersion: nil)])
                Issue.record("an update onto a taken key succeeded")
            } catch let error as StoreError {
                guard case .duplicate = error else { Issue.record("expected duplicate, got \(error)"); return }
            }
            #expect(try await store.fetch(.user, uniqueKey: "b@x")?.id == "u2")
            // Moving u1 to a new key frees a@x; deleting u2 frees b@x.
            try await store.commit([.update(Self.doc(tenant: "acme", id: "u1", key: "a2@x"), expectedVersion: nil)])
            #expect(try await store.fetch(.user, uniqueKey: "a@x") == nil)
            #expect(try await store.fetch(.user, uniqueKey: "a2@x")?.id == "u1")
            try await store.commit([.update(Self.doc(tenant: "beta", id: "u2", key: "a@x"), expectedVersion: nil)])
            try await store.commit([.delete(kind: .user, tenantID: "beta", id: "u2")])
            try await store.commit([.insert(Self.doc(tenant: "gamma", id: "u3", key: "a@x"))])
            #expect(try await store.fetch(.user, uniqueKey: "a@x")?.tenantID == "gamma")
            // A key set to nil is no key.
            try await store.commit([.update(Self.doc(tenant: "gamma", id: "u3", key: nil), expectedVersion: nil)])
            try await store.commit([.insert(Self.doc(tenant: "acme", id: "u4", key: "a@x"))])
        }
    }

    @Test("versions count changes; a stale expected version is a conflict; created time is kept", arguments: Backend.all)
    func versions(backend: Backend) async throws {
        try await backend.withStore { store in
            try await store.commit([.insert(Self.doc(tenant: "acme", id: "u1", at: 10))])
            #expect(try await store.fetch(.user, tenantID: "acme", id: "u1")?.version == 1)
            try await store.commit([.update(Self.doc(tenant: "acme", id: "u1", body: #"{"n":2}"#, at: 20), expectedVersion: 1)])
            let updated = try #require(try await store.fetch(.user, tenantID: "acme", id: "u1"))
            #expect(updated.version == 2 && updated.createdAt == 10 && updated.updatedAt == 20 && updated.body == #"{"n":2}"#)
            await #expect(throws: StoreError.conflict("user 'u1'")) {
                try await store.commit([.update(Self.doc(tenant: "acme", id: "u1", body: "{}"), expectedVersion: 1)])
            }
            try await store.commit([.update(Self.doc(tenant: "acme", id: "u1", body: #"{"n":3}"#), expectedVersion: 2)])
            try await store.commit([.update(Self.doc(tenant: "acme", id: "u1", body: #"{"n":4}"#), expectedVersion: nil)])
            #expect(try await store.fetch(.user, tenantID: "acme", id: "u1")?.version == 4)
            // Inserting again after a delete starts over at 1.
            try await store.commit([.delete(kind: .user, tenantID: "acme", id: "u1")])
            try await store.commit([.insert(Self.doc(tenant: "acme", id: "u1"))])
            #expect(try await store.fetch(.user, tenantID: "acme", id: "u1")?.version == 1)
        }
    }

    @Test("a failing change leaves nothing changed and appends no audit entry", arguments: Backend.all)
    func allOrNothing(backend: Backend) async throws {
        try await backend.withStore { store in
            try await store.commit([.insert(Self.doc(tenant: "acme", id: "u1", key: "a@x"))], audit: [Self.draft("acme")])
            let revision = try await store.revision()
            let failing: [[ResourceChange]] = [
                [.insert(Self.doc(tenant: "acme", id: "u2")), .insert(Self.doc(tenant: "acme", id: "u1"))],
                [.insert(Self.doc(tenant: "acme", id: "u3")), .insert(Self.doc(tenant: "beta", id: "u9", key: "a@x"))],
                [.update(Self.doc(tenant: "acme", id: "u1", body: #"{"x":1}"#), expectedVersion: nil),
                 .update(Self.doc(tenant: "acme", id: "nope"), expectedVersion: nil)],
                [.update(Self.doc(tenant: "acme", id: "u1", body: #"{"x":2}"#), expectedVersion: nil),
                 .update(Self.doc(tenant: "acme", id: "u1", body: #"{"x":3}"#), expectedVersion: 1)],
                [.delete(kind: .user, tenantID: "acme", id: "u1"), .delete(kind: .user, tenantID: "acme", id: "u1")],
            ]
            for changes in failing {
                await #expect(throws: StoreError.self) {
                    try await store.commit(changes, audit: [Self.draft("acme", summary: "must not exist"), Self.draft("", summary: "nor this")])
                }
            }
            let u1 = try #require(try await store.fetch(.user, tenantID: "acme", id: "u1"))
            #expect(u1.version == 1 && u1.body == "{}")
            #expect(try await store.list(.user, tenantID: "acme", after: nil, limit: 10).map(\.id) == ["u1"])
            #expect(try await store.listAll(.user).count == 1)
            #expect(try await store.auditEntries(chain: "acme").count == 1)
            #expect(try await store.auditEntries(chain: AuditChain.system).isEmpty)
            #expect(try await store.revision() == revision)
        }
    }

    @Test("the revision grows with resource changes only", arguments: Backend.all)
    func revision(backend: Backend) async throws {
        try await backend.withStore { store in
            let start = try await store.revision()
            try await store.append(audit: Self.draft("acme"))
            try await store.recordKeyUse([KeyUse(tenantID: "acme", keyID: "k", time: 5)])
            try await store.commit([])
            #expect(try await store.revision() == start)
            try await store.commit([.insert(Self.doc(tenant: "acme", id: "u1")), .insert(Self.doc(tenant: "acme", id: "u2"))])
            #expect(try await store.revision() == start + 1)
            try await store.commit([.delete(kind: .user, tenantID: "acme", id: "u1")], audit: [Self.draft("acme")])
            #expect(try await store.revision() == start + 2)
            await #expect(throws: StoreError.self) { try await store.commit([.delete(kind: .user, tenantID: "acme", id: "u1")]) }
            #expect(try await store.revision() == start + 2)
        }
    }

    @Test("key use keeps the latest time per tenant and key", arguments: Backend.all)
    func keyUse(backend: Backend) async throws {
        try await backend.withStore { store in
            try await store.recordKeyUse([KeyUse(tenantID: "acme", keyID: "k1", time: 5), KeyUse(tenantID: "acme", keyID: "k2", time: 7),
                                          KeyUse(tenantID: "beta", keyID: "k1", time: 1)])
            try await store.recordKeyUse([KeyUse(tenantID: "acme", keyID: "k1", time: 3), KeyUse(tenantID: "acme", keyID: "k2", time: 9)])
            try await store.recordKeyUse([])
            #expect(try await store.keyUses(tenantID: "acme") == ["k1": 5, "k2": 9])
            #expect(try await store.keyUses(tenantID: "beta") == ["k1": 1])
            #expect(try await store.keyUses(tenantID: "gamma").isEmpty)
        }
    }
}
