import Foundation
@testable import GatewyseEngine
import GatewyseCore
import GatewyseSQLite
import GatewyseStorage
import Synchronization

/// A store, a settable clock and the account services over them, with cheap Argon2id
/// parameters (the OWASP ones are exercised by the hasher's own test).
final class AccountsFixture: Sendable {
    static let password = "Correct-Horse-9-Battery"
    let store: any ControlPlaneStore
    let masterKey: MasterKey
    let controlPlane: ControlPlane
    private let clock = TestClock()
    let runner = CountingWorkRunner()

    var accounts: AccountService { controlPlane.accounts }
    var tokens: AccessTokenService { controlPlane.tokens }

    init(store: (any ControlPlaneStore)? = nil, masterKey: MasterKey = .random(), settings: AccountSettings = AccountSettings()) {
        let store = store ?? InMemoryStore()
        self.store = store
        self.masterKey = masterKey
        let clock = self.clock
        controlPlane = ControlPlane(masterKey: masterKey, store: store, blockingWork: runner, settings: settings,
                                    passwordParameters: .testing, clock: { clock.milliseconds.load(ordering: .relaxed) })
    }

    static func sqlite() throws -> AccountsFixture {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("gw-acct-\(UUID().uuidString)/db.sqlite").path
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        return AccountsFixture(store: try SQLiteStore(path: path))
    }

    var now: Int64 { clock.milliseconds.load(ordering: .relaxed) / 1000 }

    func advance(seconds: Int64) {
        clock.milliseconds.add(seconds * 1000, ordering: .relaxed)
    }

    @discardableResult
    func makeTenant(_ id: String, status: Tenant.Status = .active) async throws -> Tenant {
        let tenant = Tenant(id: id, name: id, status: status, createdAt: now)
        try await store.commit([.insert(tenant, at: now)])
        return tenant
    }

    @discardableResult
    func makeUser(_ email: String, roles: [String] = ["tenant-admin"], tenantID: String? = "acme",
                  password: String = AccountsFixture.password) async throws -> UserRecord {
        if let tenantID, !roles.contains("super-admin"), try await store.tenant(id: tenantID) == nil { try await makeTenant(tenantID) }
        return try await accounts.createUser(AccountService.NewUser(email: email, password: password, roles: roles, tenantID: tenantID)).user
    }

    func user(_ user: UserRecord) async throws -> UserRecord {
        try await store.get(UserRecord.self, tenantID: user.tenantID, id: user.id)!
    }

    /// Every audit entry of the system chain and of the given tenants.
    func audit(tenants: [String] = ["acme"]) async throws -> [AuditEntry] {
        var entries = try await store.auditEntries(chain: AuditChain.system)
        for tenant in tenants { entries += try await store.auditEntries(chain: tenant) }
        return entries
    }
}

final class TestClock: Sendable {
    let milliseconds = Atomic<Int64>(1_800_000_000_000)
}

/// Runs work on Dispatch and counts the calls, to show that hashing goes through the runner.
final class CountingWorkRunner: BlockingWorkRunner {
    let calls = Atomic<Int>(0)
    private let inner = DispatchWorkRunner(label: "test.blocking")

    func run<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        calls.add(1, ordering: .relaxed)
        return try await inner.run(work)
    }
}

/// The error a throwing call threw, as a `GatewayError`.
func gatewayError(_ body: () async throws -> Void) async -> GatewayError? {
    do {
        try await body()
        return nil
    } catch let error as GatewayError {
        return error
    } catch {
        return GatewayError.internalError("unexpected \(error)")
    }
}
