import GatewyseCore
@testable import GatewyseEngine
import GatewyseProviders
import GatewyseStorage
import Synchronization
import Testing

/// Budget alerts fire once per budget × limit × period × threshold, on an injected clock:
/// recorded and audited in one commit, never again in the same period, again in the next, never
/// for a disabled budget, and once across two replicas on one store (decisions/0014).
@Suite("Budget alerts: crossing detection")
struct BudgetAlertTests {
    typealias Backend = StoreContractTests.Backend

    /// A transport that answers every webhook with `status` and counts the calls.
    final class CountingTransport: UpstreamTransport {
        let calls = Atomic<Int>(0)
        let status: Int
        init(status: Int = 204) { self.status = status }
        func send(_ request: UpstreamRequest, timeouts: UpstreamSettings) async throws -> UpstreamResponse {
            calls.add(1, ordering: .relaxed)
            return UpstreamResponse(status: status, headers: [], body: EmptyBody())
        }
    }

    struct EmptyBody: UpstreamBody {
        func collect(upTo limit: Int) async throws -> [UInt8] { [] }
        func next() async throws -> [UInt8]? { nil }
    }

    static func budget(enabled: Bool = true, webhook: String? = nil) -> BudgetRecord {
        BudgetRecord(id: "bud_team", tenantID: "acme", name: "Team", scope: .tenant, scopeID: "acme",
                     limits: BudgetRecord.Limits(dailyRequests: 10), action: .warn,
                     alerts: [BudgetRecord.Alert(thresholdPercent: 50, webhookURL: webhook), BudgetRecord.Alert(thresholdPercent: 80, webhookURL: webhook)],
                     enabled: enabled, createdAt: 0, updatedAt: 0)
    }

    /// Spends `requests` requests in the budget, as completed requests do.
    static func spend(_ ledger: BudgetLedger, _ budget: BudgetRecord, requests: Int) async throws {
        for _ in 0..<requests {
            let reservation = try #require(try await ledger.reserve([budget], ceiling: BudgetAmounts(requests: 1)))
            reservation.settle(actual: BudgetAmounts(requests: 1))
        }
    }

    static func monitor(store: any ControlPlaneStore, ledger: BudgetLedger, budget: BudgetRecord, clock: BudgetLedgerTests.Clock,
                        transport: any UpstreamTransport = CountingTransport()) -> BudgetAlertMonitor {
        BudgetAlertMonitor(store: store, ledger: ledger, budgets: { [budget] }, transport: transport,
                           signer: WebhookSigner(masterKey: .random()), allowPrivate: true, clock: clock.read)
    }

    static func alerts(_ store: any ControlPlaneStore) async throws -> [BudgetAlertRecord] {
        try await store.everything(BudgetAlertRecord.self, tenantID: "acme").sorted { $0.firedAt < $1.firedAt || ($0.firedAt == $1.firedAt && $0.thresholdPercent < $1.thresholdPercent) }
    }

    @Test("a threshold fires once per period, is audited by the system, and does not make replicas reload")
    func oncePerPeriod() async throws {
        let store = InMemoryStore()
        let clock = BudgetLedgerTests.Clock()
        let ledger = BudgetLedger(clock: clock.read)
        let budget = Self.budget()
        _ = ledger.update([budget])
        let monitor = Self.monitor(store: store, ledger: ledger, budget: budget, clock: clock)
        let revision = try await store.revision()

        try await Self.spend(ledger, budget, requests: 4)
        await monitor.tick()
        #expect(try await Self.alerts(store).isEmpty, "40 % is below every threshold")

        try await Self.spend(ledger, budget, requests: 1)
        await monitor.tick()
        await monitor.tick()
        var alerts = try await Self.alerts(store)
        #expect(alerts.map(\.thresholdPercent) == [50])
        #expect(alerts.first?.used == 5 && alerts.first?.limitValue == 10 && alerts.first?.limit == "dailyRequests")
        #expect(alerts.first?.delivery == BudgetAlertRecord.Delivery.none, "no webhook: recorded and audited only")

        try await Self.spend(ledger, budget, requests: 4)
        await monitor.tick()
        await monitor.tick()
        alerts = try await Self.alerts(store)
        #expect(alerts.map(\.thresholdPercent) == [50, 80])
        let audit = try await store.auditEntries(chain: "acme").filter { $0.action == "budget.alert" }
        #expect(audit.count == 2)
        #expect(audit.allSatisfy { $0.actorID == "system" && $0.actorType == "system" && $0.targetID == "bud_team" })
        #expect(try await store.revision() == revision, "alert records must not bump the control revision")

        // The next UTC day is a new period: the counters restart and the thresholds fire again.
        clock.now.add(86_400_000, ordering: .relaxed)
        await monitor.tick()
        #expect(try await Self.alerts(store).count == 2, "nothing spent yet in the new period")
        try await Self.spend(ledger, budget, requests: 6)
        await monitor.tick()
        alerts = try await Self.alerts(store)
        #expect(alerts.map(\.thresholdPercent) == [50, 80, 50])
        #expect(alerts[2].periodStart == alerts[0].periodStart + 86_400_000)
    }

    @Test("a disabled budget never fires")
    func disabledNeverFires() async throws {
        let store = InMemoryStore()
        let clock = BudgetLedgerTests.Clock()
        let ledger = BudgetLedger(clock: clock.read)
        let enabled = Self.budget()
        _ = ledger.update([enabled])
        try await Self.spend(ledger, enabled, requests: 10)
        // The same counters, but the budget as the monitor now sees it: disabled.
        let monitor = Self.monitor(store: store, ledger: ledger, budget: Self.budget(enabled: false), clock: clock)
        await monitor.tick()
        #expect(try await Self.alerts(store).isEmpty)
        #expect(try await store.auditEntries(chain: "acme").isEmpty)
    }

    @Test("two replicas on one store that both see the crossing record, audit and deliver it once",
          arguments: [Backend.memory] + Backend.shared)
    func twoReplicas(backend: Backend) async throws {
        try await backend.withDatabase { open in
            let first = try await open()
            let second = try await open()
            let clock = BudgetLedgerTests.Clock()
            let budget = Self.budget(webhook: "http://127.0.0.1:9/hook")
            let transport = CountingTransport()
            var monitors: [BudgetAlertMonitor] = []
            for store in [first, second] {
                // Each replica counts in its own ledger; both have reached 50 %.
                let ledger = BudgetLedger(clock: clock.read)
                _ = ledger.update([budget])
                try await Self.spend(ledger, budget, requests: 5)
                monitors.append(Self.monitor(store: store, ledger: ledger, budget: budget, clock: clock, transport: transport))
            }
            let (one, two) = (monitors[0], monitors[1])
            async let a: Void = one.tick()
            async let b: Void = two.tick()
            _ = await (a, b)
            await monitors[0].tick()
            await monitors[1].tick()
            let alerts = try await Self.alerts(first)
            #expect(alerts.count == 1)
            #expect(alerts.first?.delivery == .delivered && alerts.first?.attempts == 1)
            #expect(transport.calls.load(ordering: .relaxed) == 1, "delivered once")
            #expect(try await first.auditEntries(chain: "acme").filter { $0.action == "budget.alert" }.count == 1)
        }
    }

    @Test("thresholds compare exactly, also where nano-dollar counters times 100 pass Int64")
    func exactComparison() {
        #expect(BudgetAlertDetector.reached(used: 80, value: 100, percent: 80))
        #expect(!BudgetAlertDetector.reached(used: 79, value: 100, percent: 80))
        #expect(BudgetAlertDetector.reached(used: .max, value: .max, percent: 100))
        #expect(!BudgetAlertDetector.reached(used: .max - 1, value: .max, percent: 100))
    }

    @Test("backoff doubles from the first delay")
    func backoff() {
        let backoff = BudgetAlertMonitor.Backoff(attempts: 8, first: 30_000)
        #expect((1...7).map(backoff.delay(afterAttempt:)) == [30_000, 60_000, 120_000, 240_000, 480_000, 960_000, 1_920_000])
        #expect((1...7).map(backoff.delay(afterAttempt:)).reduce(0, +) == 3_810_000, "about an hour over 8 attempts")
    }

    @Test("webhook URLs are judged at write time like provider base URLs; private receivers only when the operator allows them")
    func webhookURLPolicy() async throws {
        let world = try await AdminAccessTests.world(InMemoryStore())
        let admin = world.principal(.tenantAdmin)
        func create(_ url: String, api: AdminAPI? = nil) async -> (status: Int, code: String?) {
            let router = api.map(AdminRouter.init(api:)) ?? world.router
            let body: JSONValue = ["name": "Alerted", "limits": ["dailyRequests": 10], "alerts": [["thresholdPercent": 80, "webhookUrl": .string(url)]]]
            let (route, parameters) = router.route(method: "POST", path: "/api/admin/budgets")!
            do {
                let answer = try await router.handle(route, AdminRequest(method: "POST", parameters: parameters, body: body, principal: admin))
                return (answer.status, nil)
            } catch let error as GatewayError {
                return (error.status, error.code)
            } catch {
                return (500, nil)
            }
        }
        #expect(await create("https://hooks.example.com/budget").status == 201)
        #expect(await create("http://169.254.169.254/latest/meta-data").status == 400)
        #expect(await create("http://metadata.google.internal/x").status == 400)
        #expect(await create("http://127.0.0.1:8080/hook").status == 400)
        #expect(await create("http://10.0.0.5/hook").status == 400)
        #expect(await create("ftp://hooks.example.com/x").status == 400)
        #expect(await create("https://user:pw@hooks.example.com/x").status == 400)

        var configuration = GatewayConfiguration()
        configuration.budgetAlerts.allowPrivateWebhooks = true
        let permissive = AdminAPI(store: world.store, passwords: PasswordHasher(parameters: .testing, runner: DispatchWorkRunner()),
                                  configuration: configuration, prober: RefusingTransport.prober())
        #expect(await create("http://127.0.0.1:8080/hook", api: permissive).status == 201)
        #expect(await create("http://169.254.169.254/latest/meta-data", api: permissive).status == 400, "link-local stays refused")
    }
}
