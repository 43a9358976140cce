import GatewyseCore
import GatewyseStorage
import Synchronization

/// Who is calling, once their key checked out, with the key's precomputed governance
/// (`KeyPolicy`, shared by every request of the key until the next reload).
///
/// A value with one reference inside: the authenticator builds each key's principal once per
/// reload, and every request copies it several times (its context, its stages, its completion
/// event) on two event loops at once. Copying one reference is one retain; copying seven fields
/// was seven, each on a counter the other loop was touching too.
public struct Principal: Sendable, Equatable {
    private final class Storage: Sendable {
        let tenantID: String
        let keyID: String
        let keyName: String
        let organizationID: String?
        let departmentID: String?
        let userID: String?
        let policy: KeyPolicy
        /// The latest time (`KeyUseRecorder`'s clock) a use of this principal was recorded.
        let lastUse = Atomic<Int64>(.min)

        init(tenantID: String, keyID: String, keyName: String, organizationID: String?, departmentID: String?, userID: String?, policy: KeyPolicy) {
            self.tenantID = tenantID
            self.keyID = keyID
            self.keyName = keyName
            self.organizationID = organizationID
            self.departmentID = departmentID
            self.userID = userID
            self.policy = policy
        }

        func with(tenantID: String? = nil, keyID: String? = nil, keyName: String? = nil, organizationID: String?? = nil,
                  departmentID: String?? = nil, userID: String?? = nil, policy: KeyPolicy? = nil) -> Storage {
            Storage(tenantID: tenantID ?? self.tenantID, keyID: keyID ?? self.keyID, keyName: keyName ?? self.keyName,
                    organizationID: organizationID ?? self.organizationID, departmentID: departmentID ?? self.departmentID,
                    userID: userID ?? self.userID, policy: policy ?? self.policy)
        }
    }

    private var storage: Storage

    public var tenantID: String {
        get { storage.tenantID }
        set { storage = storage.with(tenantID: newValue) }
    }
    public var keyID: String {
        get { storage.keyID }
        set { storage = storage.with(keyID: newValue) }
    }
    public var keyName: String {
        get { storage.keyName }
        set { storage = storage.with(keyName: newValue) }
    }
    /// The units the key is bound to (admin-api.md §4 `organizationId`, `departmentId`,
    /// `userId`): usage is attributed to them and their budgets apply.
    public var organizationID: String? {
        get { storage.organizationID }
        set { storage = storage.with(organizationID: .some(newValue)) }
    }
    public var departmentID: String? {
        get { storage.departmentID }
        set { storage = storage.with(departmentID: .some(newValue)) }
    }
    public var userID: String? {
        get { storage.userID }
        set { storage = storage.with(userID: .some(newValue)) }
    }
    public var policy: KeyPolicy {
        get { storage.policy }
        set { storage = storage.with(policy: newValue) }
    }

    public init(tenantID: String, keyID: String, keyName: String, organizationID: String? = nil, departmentID: String? = nil,
                userID: String? = nil, policy: KeyPolicy = .unrestricted) {
        storage = Storage(tenantID: tenantID, keyID: keyID, keyName: keyName, organizationID: organizationID, departmentID: departmentID,
                          userID: userID, policy: policy)
    }

    /// Whether a use at `time` is not the one this principal claimed last, and if so claims it:
    /// the key-use recorder then takes its lock and hashes the key id once per key and second,
    /// not on every request (a lock both event loops contended, ~1.3 µs per request under
    /// load). A read of a shared, unchanging word in the common case. Any other time is
    /// claimed, earlier ones too — a wall clock stepped back must not silence the key until it
    /// catches up; the recorder keeps the latest.
    func claimUse(at time: Int64) -> Bool {
        var last = storage.lastUse.load(ordering: .relaxed)
        while time != last {
            let (exchanged, current) = storage.lastUse.compareExchange(expected: last, desired: time, ordering: .relaxed)
            if exchanged { return true }
            last = current
        }
        return false
    }

    /// The identity; the policy is derived from it.
    public static func == (lhs: Principal, rhs: Principal) -> Bool {
        lhs.storage === rhs.storage || (lhs.tenantID == rhs.tenantID && lhs.keyID == rhs.keyID && lhs.keyName == rhs.keyName)
    }
}

/// Authenticates gateway API keys from memory (ARCHITECTURE §6: no database round trip per
/// request). Immutable: part of `RuntimeSnapshot`, rebuilt and swapped when keys change. Keys
/// are indexed by their 16-character display prefix; the SHA-256 digest of the presented key is
/// then compared in constant time, so the lookup reveals nothing about the secret part.
///
/// Each key's `KeyPolicy` (scopes, CIDR blocks, its tenant's status and switches) is built here,
/// once per reload, and handed out in the `Principal`.
public struct APIKeyAuthenticator: Sendable {
    /// A class: the lookup hands one reference around, not the record's and principal's
    /// dozen strings (it runs on every request).
    private final class Entry: Sendable {
        let record: APIKeyRecord
        let principal: Principal

        init(record: APIKeyRecord, principal: Principal) {
            self.record = record
            self.principal = principal
        }
    }

    private let keysByPrefix: [String: [Entry]]
    /// The tenants the policies were built from, by id.
    public let tenants: [String: TenantPolicy]

    /// `tenants`: the tenant records; a key whose tenant is missing is governed by its own scopes only.
    public init(keys: [APIKeyRecord] = [], tenants: [Tenant] = [], settings: [TenantSettings] = []) {
        let settingsByTenant = Dictionary(settings.map { ($0.tenantID, $0) }, uniquingKeysWith: { first, _ in first })
        var tenantPolicies: [String: TenantPolicy] = [:]
        for tenant in tenants { tenantPolicies[tenant.id] = TenantPolicy(tenant, settings: settingsByTenant[tenant.id]) }
        var index: [String: [Entry]] = [:]
        for key in keys {
            let tenant = tenantPolicies[key.tenantID] ?? TenantPolicy(unrestricted: key.tenantID)
            let principal = Principal(tenantID: key.tenantID, keyID: key.id, keyName: key.name, organizationID: key.organizationID,
                                      departmentID: key.departmentID, userID: key.userID, policy: KeyPolicy(key: key, tenant: tenant))
            index[Self.indexKey(key.prefix), default: []].append(Entry(record: key, principal: principal))
        }
        keysByPrefix = index
        self.tenants = tenantPolicies
    }

    /// The credentials of a request → principal, or the 401 to send. `x-api-key` (Anthropic's
    /// SDKs) wins over `Authorization` when both are present.
    public func authenticate(_ credentials: Credentials, now: Int64) throws(GatewayError) -> Principal {
        if let key = credentials.apiKey { return try authenticate(key: key, now: now) }
        return try authenticate(authorization: credentials.authorization, now: now)
    }

    /// `Authorization` header value → principal, or the 401 to send.
    public func authenticate(authorization: String?, now: Int64) throws(GatewayError) -> Principal {
        guard let authorization, !authorization.isEmpty else { throw .authRequired }
        var token = Substring(authorization)
        if token.prefix(6).lowercased() == "bearer" { token = token.dropFirst(6) }
        while token.first == " " { token = token.dropFirst() }
        while token.last == " " { token = token.dropLast() }
        return try authenticate(key: String(token), now: now)
    }

    public func authenticate(key: String, now: Int64) throws(GatewayError) -> Principal {
        guard !key.isEmpty else { throw .authRequired }
        guard APIKeyMaterial.looksLikeKey(key) else { throw .invalidAPIKey }
        let candidates = keysByPrefix[Self.indexKey(key)] ?? []
        let digest = APIKeyMaterial.digest(key)
        for entry in candidates where ConstantTime.equals(entry.record.digest, digest) {
            guard entry.record.isActive(at: now) else { throw .invalidAPIKey }
            return entry.principal
        }
        throw .invalidAPIKey
    }

    /// The display prefix's characters after the scheme: 8 bytes, a string Swift keeps inline,
    /// so the per-request lookup allocates nothing. Every key that can authenticate starts with
    /// the scheme (`looksLikeKey`), its stored prefix too.
    private static func indexKey(_ keyOrPrefix: String) -> String {
        let utf8 = keyOrPrefix.utf8
        let start = utf8.index(utf8.startIndex, offsetBy: APIKeyMaterial.scheme.utf8.count, limitedBy: utf8.endIndex) ?? utf8.endIndex
        let end = utf8.index(start, offsetBy: APIKeyMaterial.prefixLength - APIKeyMaterial.scheme.utf8.count, limitedBy: utf8.endIndex) ?? utf8.endIndex
        return String(decoding: utf8[start..<end], as: UTF8.self)
    }
}
