import GatewyseStorage
import Testing

/// The usage writer's rollup buckets (`UsageRollup.buckets`): one per tenant, UTC hour and key
/// columns, with the sums of the records in it, in the key order both SQL backends upsert in.
@Suite("Usage rollup buckets")
struct UsageRollupTests {
    @Test("interleaved records from tenants, hours, keys and users: one bucket each, summed, in tenant, hour, key order")
    func bucketsSummedAndOrdered() {
        let monday = StoreContractTests.monday, hour = StoreContractTests.hour
        var records: [UsageRecord] = []
        var n = 0
        // Keys and users alternate every record, so the "same row as before" shortcut rarely applies.
        for round in 0..<6 {
            for (tenant, key, user) in [("zeta", "key_b", "usr_2"), ("acme", "key_b", "usr_1"), ("acme", "key_a", "usr_2"), ("acme", "key_a", nil)] {
                n += 1
                records.append(StoreContractTests.usage("u\(n)", tenant: tenant, at: monday + Int64(round % 2) * hour + Int64(n), key: key, user: user,
                                                        input: n, output: 1))
            }
        }
        let buckets = UsageRollup.buckets(records)
        // 2 hours × (3 acme rows + 1 zeta row).
        #expect(buckets.count == 8)
        let order = buckets.map { "\($0.tenantID) \($0.time - monday) \($0.key[0]) \($0.key[3])" }
        #expect(order == ["acme 0 key_a ", "acme 0 key_a usr_2", "acme 0 key_b usr_1", "zeta 0 key_b usr_2",
                          "acme \(hour) key_a ", "acme \(hour) key_a usr_2", "acme \(hour) key_b usr_1", "zeta \(hour) key_b usr_2"].sorted { a, b in
            let x = a.split(separator: " ", omittingEmptySubsequences: false), y = b.split(separator: " ", omittingEmptySubsequences: false)
            return (x[0], Int(x[1])!, x[2], x[3]) < (y[0], Int(y[1])!, y[2], y[3])
        })
        #expect(buckets.map(\.requests).reduce(0, +) == Int64(records.count))
        #expect(buckets.map(\.inputTokens).reduce(0, +) == Int64(records.map(\.inputTokens).reduce(0, +)))
        #expect(buckets.allSatisfy { $0.requests == 3 })
    }
}
