import GatewyseCore
import GatewyseStorage
import Testing

/// Usage records on every backend: idempotent batches, the report by UTC period and group,
/// recent requests paged newest first with filters, totals per budget scope, and tenant
/// isolation in each.
extension StoreContractTests {
    /// 2026-01-05T00:00:00Z, a Monday.
    static let monday: Int64 = 1_767_571_200_000
    static let hour: Int64 = 3_600_000

    static func usage(_ id: String, tenant: String = "acme", at time: Int64, key: String = "key_a", user: String? = "usr_a",
                      organization: String? = "org_a", department: String? = "dept_a", model: String? = "fast", provider: String? = "mock",
                      input: Int = 10, output: Int = 5, cost: Int64? = 1_000, status: Int = 200, code: String? = nil, attempts: Int = 1,
                      cacheHit: Bool = false) -> UsageRecord {
        UsageRecord(id: id, requestID: "req_" + id, time: time, tenantID: tenant, organizationID: organization, departmentID: department,
                    userID: user, keyID: key, capability: "chat", requestedModel: model, providerID: provider, upstreamModel: model.map { $0 + "-v1" },
                    inputTokens: input, outputTokens: output, cachedTokens: input / 2, cacheWriteTokens: 1, reasoningTokens: output / 5,
                    costNanos: cost, latencyMs: 120, ttftMs: status == 200 ? 40 : nil, status: status, errorCode: code, attempts: attempts,
                    cacheHit: cacheHit, usageEstimated: false, outcome: code == nil ? .answered : .failed)
    }

    @Test("usage batches are idempotent by record id: a replayed batch adds nothing, every field round-trips", arguments: Backend.all)
    func usageAppendIdempotent(backend: Backend) async throws {
        try await backend.withStore { store in
            let first = (0..<5).map { Self.usage("u\($0)", at: Self.monday + Int64($0) * 1000) }
            var odd = Self.usage("u5", at: Self.monday + 5000, user: nil, organization: nil, department: nil, model: nil, provider: nil,
                                 cost: nil, status: 401, code: "AUTH_INVALID_KEY", attempts: 0)
            odd.usageEstimated = true
            odd.outcome = .clientGone
            try await store.appendUsage(first)
            try await store.appendUsage(first + [odd])
            try await store.appendUsage([])
            let all = try await store.recentRequests(RecentRequestsQuery(tenants: .all, limit: 100))
            #expect(all.map(\.id) == ["u5", "u4", "u3", "u2", "u1", "u0"])
            #expect(all.first == odd)
            #expect(all.last == first[0])
            // Nor does the replay count twice in the report or the totals (the SQL backends' rollup).
            let report = try await store.usageReport(UsageReportQuery(tenants: .one("acme"), from: Self.monday, to: Self.monday + Self.hour,
                                                                      interval: .day))
            #expect(report.map(\.requests) == [6] && report.map(\.inputTokens) == [60] && report.map(\.errors) == [1])
            #expect(try await store.usageTotals(tenantID: "acme", scope: .tenant, scopeID: "acme", since: Self.monday)
                == UsageTotals(requests: 5, tokens: 75, costNanos: 5_000))
        }
    }

    @Test("the usage report sums per UTC hour, day and ISO week and per group, no group first, within one tenant or all", arguments: Backend.all)
    func usageReport(backend: Backend) async throws {
        try await backend.withStore { store in
            let sunday = Self.monday - 1000
            try await store.appendUsage([
                Self.usage("a", at: Self.monday, key: "key_a", cost: 1_500, cacheHit: true),
                Self.usage("b", at: Self.monday + 10 * 60_000, key: "key_b", user: nil, model: "smart", cost: nil),
                Self.usage("c", at: Self.monday + Self.hour + 1, key: "key_a", input: 0, output: 0, cost: nil, status: 429,
                           code: "RATE_LIMIT_EXCEEDED", attempts: 0),
                Self.usage("d", at: sunday, key: "key_a", input: 100, output: 50, cost: 7),
                Self.usage("e", tenant: "beta", at: Self.monday, key: "key_x", input: 1000, cost: 999),
            ])
            let day: Int64 = 86_400_000
            func report(_ interval: UsageInterval, _ group: UsageGrouping? = nil, tenants: UsageTenants = .one("acme"), key: String? = nil,
                        user: String? = nil) async throws -> [UsageReportRow] {
                try await store.usageReport(UsageReportQuery(tenants: tenants, from: Self.monday - 7 * day, to: Self.monday + 7 * day,
                                                             interval: interval, groupBy: group, keyID: key, userID: user))
            }
            let hours = try await report(.hour)
            #expect(hours.map(\.period) == [Self.monday - Self.hour, Self.monday, Self.monday + Self.hour])
            #expect(hours[1] == UsageReportRow(period: Self.monday, group: nil, requests: 2, errors: 0, inputTokens: 20, outputTokens: 10,
                                               cachedTokens: 10, reasoningTokens: 2, costNanos: 1_500, cacheHits: 1))
            #expect(hours[2].errors == 1 && hours[2].requests == 1 && hours[2].costNanos == 0)
            let days = try await report(.day)
            #expect(days.map(\.period) == [Self.monday - day, Self.monday] && days.map(\.requests) == [1, 3])
            // Sunday belongs to the week that started the Monday before.
            let weeks = try await report(.week)
            #expect(weeks.map(\.period) == [Self.monday - 7 * day, Self.monday] && weeks.map(\.requests) == [1, 3])
            let byUser = try await report(.day, .user)
            #expect(byUser.filter { $0.period == Self.monday }.map(\.group) == [nil, "usr_a"])
            let byKey = try await report(.week, .apiKey)
            #expect(byKey.filter { $0.period == Self.monday }.map { "\($0.group ?? "-")=\($0.requests)" } == ["key_a=2", "key_b=1"])
            #expect(try await report(.week, .model).filter { $0.period == Self.monday }.map(\.group) == ["fast", "smart"])
            #expect(try await report(.week, .provider).map(\.group) == ["mock", "mock"])
            #expect(try await report(.week, .organization).last?.group == "org_a")
            #expect(try await report(.week, .department).last?.group == "dept_a")
            // Tenant isolation, and the super-admin's explicit all-tenant view.
            #expect(try await report(.week, .tenant).map(\.group) == ["acme", "acme"])
            let everyone = try await report(.week, .tenant, tenants: .all)
            #expect(everyone.map { "\($0.group ?? "-")=\($0.requests)" } == ["acme=1", "acme=3", "beta=1"])
            #expect(try await report(.week, tenants: .one("beta")).map(\.costNanos) == [999])
            #expect(try await report(.week, key: "key_b").map(\.requests) == [1])
            #expect(try await report(.week, user: "usr_a").map(\.requests) == [1, 2])
            // `to` is exclusive, `from` inclusive.
            let edge = try await store.usageReport(UsageReportQuery(tenants: .one("acme"), from: Self.monday, to: Self.monday + Self.hour, interval: .hour))
            #expect(edge.map(\.requests) == [2])
            // Ranges that do not start or end on the hour: whole hours and partial ones add up.
            let partial = try await store.usageReport(UsageReportQuery(tenants: .one("acme"), from: Self.monday + 5 * 60_000,
                                                                       to: Self.monday + Self.hour + 2, interval: .hour, groupBy: .apiKey))
            #expect(partial.map { "\($0.period - Self.monday)/\($0.group ?? "-")=\($0.requests)" } == ["0/key_b=1", "\(Self.hour)/key_a=1"])
            let around = try await store.usageReport(UsageReportQuery(tenants: .one("acme"), from: Self.monday - 2000, to: Self.monday + 7 * day - 1,
                                                                      interval: .day))
            #expect(around.map(\.requests) == [1, 3] && around.map(\.costNanos) == [7, 1_500])
            let within = try await store.usageReport(UsageReportQuery(tenants: .all, from: Self.monday + 1, to: Self.monday + 20 * 60_000,
                                                                      interval: .week, groupBy: .model))
            #expect(within.map { "\($0.group ?? "-")=\($0.requests)" } == ["smart=1"])
        }
    }

    @Test("recent requests: newest first, paged without gaps or repeats, filtered, one tenant's only", arguments: Backend.all)
    func recentRequests(backend: Backend) async throws {
        try await backend.withStore { store in
            var records: [UsageRecord] = []
            for i in 0..<23 {
                // Pairs share a millisecond: the id breaks the tie.
                records.append(Self.usage(String(format: "r%02d", i), at: Self.monday + Int64(i / 2), key: i % 3 == 0 ? "key_b" : "key_a",
                                          user: i % 2 == 0 ? "usr_a" : "usr_b", model: i % 4 == 0 ? "smart" : "fast",
                                          provider: i % 5 == 0 ? "other" : "mock", status: i % 7 == 0 ? 502 : 200,
                                          code: i % 7 == 0 ? "UPSTREAM_ERROR" : nil))
            }
            records.append(Self.usage("zz", tenant: "beta", at: Self.monday + 100))
            try await store.appendUsage(records.shuffled())
            var seen: [String] = []
            var before: RecentRequestsQuery.Position?
            repeat {
                let page = try await store.recentRequests(RecentRequestsQuery(tenants: .one("acme"), before: before, limit: 5))
                seen += page.map(\.id)
                before = page.count == 5 ? page.last.map { RecentRequestsQuery.Position(time: $0.time, id: $0.id) } : nil
            } while before != nil
            #expect(seen == (0..<23).reversed().map { String(format: "r%02d", $0) })
            func ids(_ query: RecentRequestsQuery) async throws -> Set<String> { Set(try await store.recentRequests(query).map(\.id)) }
            let acme = records.filter { $0.tenantID == "acme" }
            func expected(_ keep: (UsageRecord) -> Bool) -> Set<String> { Set(acme.filter(keep).map(\.id)) }
            #expect(try await ids(RecentRequestsQuery(tenants: .one("acme"), keyID: "key_b", limit: 100)) == expected { $0.keyID == "key_b" })
            #expect(try await ids(RecentRequestsQuery(tenants: .one("acme"), userID: "usr_b", limit: 100)) == expected { $0.userID == "usr_b" })
            #expect(try await ids(RecentRequestsQuery(tenants: .one("acme"), model: "smart", limit: 100)) == expected { $0.requestedModel == "smart" })
            #expect(try await ids(RecentRequestsQuery(tenants: .one("acme"), providerID: "other", limit: 100)) == expected { $0.providerID == "other" })
            #expect(try await ids(RecentRequestsQuery(tenants: .one("acme"), status: 502, limit: 100)) == expected { $0.status == 502 })
            #expect(try await ids(RecentRequestsQuery(tenants: .one("acme"), from: Self.monday + 3, to: Self.monday + 5, limit: 100))
                == expected { $0.time >= Self.monday + 3 && $0.time < Self.monday + 5 })
            #expect(try await ids(RecentRequestsQuery(tenants: .one("beta"), limit: 100)) == ["zz"])
            #expect(try await ids(RecentRequestsQuery(tenants: .one("gamma"), limit: 100)).isEmpty)
            #expect(try await store.recentRequests(RecentRequestsQuery(tenants: .all, limit: 1)).map(\.id) == ["zz"])
        }
    }

    @Test("a large batch with rows stored before (a journal replayed after a crash mid-flush): the new rows alone are taken and counted",
          arguments: Backend.all)
    func usageLargeBatchPartlyReplayed(backend: Backend) async throws {
        try await backend.withStore { store in
            // Big enough for the SQLite store's many-row statements, with the known rows inside a chunk.
            let batch = (0..<150).map { Self.usage("big\($0)", at: Self.monday + Int64($0), input: 1, output: 0) }
            try await store.appendUsage(Array(batch[40..<75]) + [batch[140]])
            try await store.appendUsage(batch)
            let report = try await store.usageReport(UsageReportQuery(tenants: .one("acme"), from: Self.monday, to: Self.monday + Self.hour,
                                                                      interval: .day))
            #expect(report.map(\.requests) == [150] && report.map(\.inputTokens) == [150])
            #expect(try await store.usageTotals(tenantID: "acme", scope: .tenant, scopeID: "acme", since: Self.monday).requests == 150)
            #expect(try await store.recentRequests(RecentRequestsQuery(tenants: .all, limit: 500)).count == 150)
            // A known row after the last whole chunk (40 rows: one chunk and a tail of 8), and a
            // batch of exactly two chunks whose known row is in the second.
            let tail = (300..<340).map { Self.usage("big\($0)", at: Self.monday + Int64($0), input: 1, output: 0) }
            try await store.appendUsage([tail[37]])
            try await store.appendUsage(tail)
            let two = (400..<464).map { Self.usage("big\($0)", at: Self.monday + Int64($0), input: 1, output: 0) }
            try await store.appendUsage([two[50]])
            try await store.appendUsage(two)
            #expect(try await store.usageTotals(tenantID: "acme", scope: .tenant, scopeID: "acme", since: Self.monday).requests == 150 + 40 + 64)
            // All new: taken whole (the many-row path), counted once.
            let more = (150..<230).map { Self.usage("big\($0)", at: Self.monday + Int64($0), input: 1, output: 0) }
            try await store.appendUsage(more)
            #expect(try await store.usageTotals(tenantID: "acme", scope: .tenant, scopeID: "acme", since: Self.monday).requests == 230 + 40 + 64)
        }
    }

    @Test("usage totals per budget scope since a time: served requests only, one tenant's", arguments: Backend.all)
    func usageTotals(backend: Backend) async throws {
        try await backend.withStore { store in
            try await store.appendUsage([
                Self.usage("t1", at: Self.monday, key: "key_a", user: "usr_a", organization: "org_a", department: "dept_a", input: 10, output: 5, cost: 100),
                Self.usage("t2", at: Self.monday + 1, key: "key_b", user: "usr_b", organization: "org_a", department: "dept_b", input: 20, output: 0, cost: nil),
                Self.usage("t3", at: Self.monday - 1, key: "key_a", input: 1000, output: 1000, cost: 5000),
                // Refused before any upstream: not spent.
                Self.usage("t4", at: Self.monday + 2, key: "key_a", input: 0, output: 0, cost: nil, status: 429, code: "RATE_LIMIT_EXCEEDED", attempts: 0),
                // A cache hit is spent even without an upstream attempt.
                Self.usage("t5", at: Self.monday + 3, key: "key_a", input: 1, output: 1, cost: 1, attempts: 0, cacheHit: true),
                Self.usage("t6", tenant: "beta", at: Self.monday, key: "key_a", user: "usr_a", organization: "org_a", department: "dept_a",
                           input: 7, output: 7, cost: 7),
            ])
            func totals(_ scope: UsageScope, _ id: String, tenant: String = "acme") async throws -> UsageTotals {
                try await store.usageTotals(tenantID: tenant, scope: scope, scopeID: id, since: Self.monday)
            }
            #expect(try await totals(.tenant, "acme") == UsageTotals(requests: 3, tokens: 37, costNanos: 101))
            #expect(try await totals(.organization, "org_a") == UsageTotals(requests: 3, tokens: 37, costNanos: 101))
            #expect(try await totals(.department, "dept_b") == UsageTotals(requests: 1, tokens: 20, costNanos: 0))
            #expect(try await totals(.user, "usr_a") == UsageTotals(requests: 2, tokens: 17, costNanos: 101))
            #expect(try await totals(.apiKey, "key_a") == UsageTotals(requests: 2, tokens: 17, costNanos: 101))
            #expect(try await totals(.apiKey, "key_a", tenant: "beta") == UsageTotals(requests: 1, tokens: 14, costNanos: 7))
            #expect(try await totals(.apiKey, "key_zzz") == UsageTotals())
            #expect(try await store.usageTotals(tenantID: "acme", scope: .apiKey, scopeID: "key_a", since: 0).costNanos == 5101)
            // A start that is not on the hour: the partial hour from the records, the rest from whole hours.
            #expect(try await store.usageTotals(tenantID: "acme", scope: .tenant, scopeID: "acme", since: Self.monday + 1)
                == UsageTotals(requests: 2, tokens: 22, costNanos: 1))
            #expect(try await store.usageTotals(tenantID: "acme", scope: .apiKey, scopeID: "key_a", since: Self.monday - 30 * 60_000)
                == UsageTotals(requests: 3, tokens: 2017, costNanos: 5101))
        }
    }
}
