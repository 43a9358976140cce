import GatewyseCore
import GatewyseStorage
import Synchronization
import Testing

/// The hash-chained audit log on every backend: chaining, filters, paging, verification,
/// the append-only triggers, tampering, and concurrent writers.
extension StoreContractTests {
    @Test("audit chains: sequences 1…n per chain, linked hashes from genesis, tenant and system chains independent", arguments: Backend.all)
    func auditChains(backend: Backend) async throws {
        try await backend.withStore { store in
            var written: [AuditEntry] = []
            written += try await store.commit([.insert(Self.doc(tenant: "acme", id: "u1"))], audit: [Self.draft("acme"), Self.draft("")])
            written += try await store.commit([], audit: [Self.draft("beta"), Self.draft("acme"), Self.draft("acme", action: "user.delete")])
            written += try await store.commit([], audit: [Self.draft("")])
            #expect(written.map(\.sequence) == [1, 1, 1, 2, 3, 2])
            #expect(written.map(\.chain) == ["acme", "system", "beta", "acme", "acme", "system"])
            for chain in ["acme", "beta", AuditChain.system] {
                let entries = try await store.auditEntries(chain: chain)
                #expect(entries == written.filter { $0.chain == chain })
                #expect(entries.map(\.sequence) == Array(1...Int64(entries.count)))
                #expect(entries.first?.previousHash == AuditChain.genesisHash)
                for (previous, entry) in zip(entries, entries.dropFirst()) { #expect(entry.previousHash == previous.hash) }
                #expect(entries.allSatisfy { $0.hash == $0.computedHash })
                let verification = try await store.verifyAudit(chain: chain)
                #expect(verification.valid && verification.checked == entries.count && verification.firstBrokenSequence == nil)
            }
            #expect(try await store.auditEntries(chain: AuditChain.system).allSatisfy { $0.tenantID == SystemScope.tenantID })
            #expect(try await store.auditEntries(chain: "gamma").isEmpty)
            #expect(try await store.verifyAudit(chain: "gamma").valid)
        }
    }

    @Test("audit queries filter by time, action, actor and target type, and page after a sequence", arguments: Backend.all)
    func auditFilters(backend: Backend) async throws {
        try await backend.withStore { store in
            let base: Int64 = 1_700_000_000_000
            try await store.commit([], audit: [
                Self.draft("acme", action: "user.create", actor: "usr_a", target: "user", time: base),
                Self.draft("acme", action: "key.create", actor: "usr_b", target: "api_key", time: base + 1000),
                Self.draft("acme", action: "user.create", actor: "usr_b", target: "user", time: base + 2000),
                Self.draft("acme", action: "key.revoke", actor: "usr_a", target: "api_key", time: base + 3000),
                Self.draft("beta", action: "user.create", actor: "usr_a", target: "user", time: base),
            ])
            func sequences(_ filter: AuditFilter, after: Int64? = nil, limit: Int = 100) async throws -> [Int64] {
                try await store.auditEntries(chain: "acme", filter: filter, afterSequence: after, limit: limit).map(\.sequence)
            }
            let t1 = Timestamp.rfc3339(milliseconds: base + 1000), t3 = Timestamp.rfc3339(milliseconds: base + 3000)
            #expect(try await sequences(AuditFilter()) == [1, 2, 3, 4])
            #expect(try await sequences(AuditFilter(from: t1)) == [2, 3, 4])
            #expect(try await sequences(AuditFilter(to: t3)) == [1, 2, 3])
            #expect(try await sequences(AuditFilter(from: t1, to: t3)) == [2, 3])
            #expect(try await sequences(AuditFilter(action: "user.create")) == [1, 3])
            #expect(try await sequences(AuditFilter(actorID: "usr_a")) == [1, 4])
            #expect(try await sequences(AuditFilter(targetType: "api_key")) == [2, 4])
            #expect(try await sequences(AuditFilter(action: "user.create", actorID: "usr_b")) == [3])
            #expect(try await sequences(AuditFilter(action: "nothing")) == [])
            #expect(try await sequences(AuditFilter(), limit: 2) == [1, 2])
            #expect(try await sequences(AuditFilter(), after: 2, limit: 1) == [3])
            #expect(try await sequences(AuditFilter(actorID: "usr_a"), after: 1) == [4])
            #expect(try await sequences(AuditFilter(), after: 4) == [])
        }
    }

    @Test("the audit log refuses UPDATE and DELETE (raw SQL)", arguments: Backend.sql)
    func appendOnly(backend: Backend) async throws {
        try await backend.withStore { store in
            try await store.commit([], audit: [Self.draft("acme"), Self.draft("acme")])
            for sql in ["UPDATE audit_log SET summary = 'edited' WHERE chain = 'acme' AND sequence = 1",
                        "DELETE FROM audit_log WHERE chain = 'acme' AND sequence = 2",
                        "DELETE FROM audit_log"] {
                await #expect(throws: (any Error).self, "\(sql)") { try await Self.execute(sql, on: store) }
            }
            #expect(try await store.auditEntries(chain: "acme").map(\.summary) == ["did something", "did something"])
            #expect(try await store.verifyAudit(chain: "acme").valid)
        }
    }

    @Test("an edited entry breaks verification at its sequence", arguments: Backend.all)
    func tampering(backend: Backend) async throws {
        try await backend.withStore { store in
            for i in 1...4 { try await store.append(audit: Self.draft("acme", summary: "entry \(i)")) }
            try await store.append(audit: Self.draft("beta"))
            try await Self.tamper(store, chain: "acme", sequence: 3, summary: "nothing to see")
            let verification = try await store.verifyAudit(chain: "acme")
            #expect(!verification.valid)
            #expect(verification.firstBrokenSequence == 3)
            #expect(try await store.auditEntries(chain: "acme")[2].summary == "nothing to see")
            #expect(try await store.verifyAudit(chain: "beta").valid)
            // The trigger is back after the tamperer's edit.
            if backend != .memory {
                await #expect(throws: (any Error).self) { try await Self.execute("DELETE FROM audit_log", on: store) }
            }
        }
    }

    @Test("two store instances committing at once on one database make one valid chain", arguments: Backend.shared + [.memory])
    func concurrentAppends(backend: Backend) async throws {
        try await backend.withDatabase { open in
            let first = try await open()
            let second = try await open()
            let start = try await first.revision()
            try await withThrowingTaskGroup(of: Void.self) { group in
                for (index, store) in [first, second].enumerated() {
                    group.addTask {
                        for i in 0..<50 {
                            try await store.commit([.insert(Self.doc(tenant: "acme", id: "s\(index)-\(i)"))],
                                                   audit: [Self.draft("acme", summary: "store \(index) commit \(i)")])
                        }
                    }
                }
                try await group.waitForAll()
            }
            let entries = try await first.auditEntries(chain: "acme")
            #expect(entries.count == 100)
            #expect(entries.map(\.sequence) == Array(1...100))
            let verification = try await second.verifyAudit(chain: "acme")
            #expect(verification.valid && verification.checked == 100)
            #expect(try await second.revision() == start + 100)
            #expect(try await first.list(.user, tenantID: "acme", after: nil, limit: 500).count == 100)
        }
    }
}
