import GatewyseCore
import GatewyseStorage

/// Capabilities as bits, one per `Capability` case, so the per-request scope check is one mask
/// test. Built at reload time from the names stored on keys and tenants.
public struct CapabilitySet: Sendable, Equatable {
    var bits: UInt32

    public static let all = CapabilitySet(bits: ~0)
    public static let none = CapabilitySet(bits: 0)

    init(bits: UInt32) { self.bits = bits }

    /// Names as stored (`chat`, `video-generation`, …). Names without an inference route
    /// (`usage:read`, `admin`, `files` …) do not open one; an empty list is unrestricted.
    public init(names: [String]) {
        guard !names.isEmpty else {
            self = .all
            return
        }
        var bits: UInt32 = 0
        for name in names { if let capability = Capability(rawValue: name) { bits |= capability.bit } }
        self.bits = bits
    }

    public func contains(_ capability: Capability) -> Bool { bits & capability.bit != 0 }

    public func intersection(_ other: CapabilitySet) -> CapabilitySet { CapabilitySet(bits: bits & other.bits) }
}

extension Capability {
    /// A switch, not a search of `allCases`: this runs on every request.
    var bit: UInt32 {
        switch self {
        case .chat: 1 << 0
        case .completions: 1 << 1
        case .embeddings: 1 << 2
        case .images: 1 << 3
        case .audio: 1 << 4
        case .tts: 1 << 5
        case .rerank: 1 << 6
        case .videoGeneration: 1 << 7
        case .moderation: 1 << 8
        }
    }
}

/// A tenant as the request path sees it (admin-api.md §4): suspended or not, the capabilities
/// it switched on, the models its keys may use. Built once per reload.
public final class TenantPolicy: Sendable {
    public let id: String
    public let isSuspended: Bool
    /// `enabledCapabilities`; every one when the tenant lists none.
    public let capabilities: CapabilitySet
    /// `allowedModels` (aliases or `provider/model`); empty means any.
    public let allowedModels: Set<String>
    /// The settings' `allowedProviders`; empty means any.
    public let allowedProviders: Set<String>
    /// The settings' `rateLimits` (0 = unlimited), over every key of the tenant.
    public let rateLimits: RateLimitSet

    public init(_ tenant: Tenant, settings: TenantSettings? = nil) {
        id = tenant.id
        let limits = settings?.rateLimits
        rateLimits = RateLimitSet(requestsPerMinute: limits?.maxRequestsPerMinute, requestsPerDay: limits?.maxRequestsPerDay,
                                  tokensPerDay: limits?.maxTokensPerDay)
        isSuspended = tenant.status == .suspended
        capabilities = CapabilitySet(names: tenant.enabledCapabilities)
        allowedModels = Set(tenant.allowedModels)
        allowedProviders = Set(settings?.allowedProviders ?? [])
    }

    /// A key whose tenant record is missing (it predates tenants as resources): no restriction.
    public init(unrestricted id: String) {
        self.id = id
        isSuspended = false
        capabilities = .all
        allowedModels = []
        allowedProviders = []
        rateLimits = RateLimitSet()
    }
}

/// One key's governance, precomputed at reload (ARCHITECTURE §6: nothing parsed per request):
/// its tenant, the capabilities both allow, its parsed CIDR allow-list and its model and
/// provider restrictions. `Principal` carries it from authentication to routing.
public final class KeyPolicy: Sendable {
    public let tenant: TenantPolicy
    /// The key's scopes intersected with the tenant's switches.
    public let capabilities: CapabilitySet
    /// nil: any address. Entries that do not parse match nothing, so a mistyped list fails closed.
    public let allowedBlocks: [CIDRBlock]?
    /// `scopes.modelIDs`: aliases, `provider/model` or upstream model names; empty means any.
    public let modelIDs: Set<String>
    /// `scopes.providerIDs`; empty means any.
    public let providerIDs: Set<String>
    /// Whether any model or provider restriction applies (key or tenant): when not, routing
    /// pays nothing for governance.
    public let restrictsRoutes: Bool
    /// The key's scopes name `usage:read`: it may read its own usage (`GET /v1/usage`). Only
    /// when named: an empty capability list opens the inference routes, not this.
    public let readsOwnUsage: Bool
    /// The key's scopes name `budget:read`: it may read the budgets that apply to it
    /// (`GET /v1/budget`), likewise only when named.
    public let readsOwnBudget: Bool
    /// The key's `rateLimits` and its tenant's, counted at admission (`RateLimiter`); empty
    /// when neither sets one, and the request path then pays nothing for rate limiting.
    public let rateLimitSubjects: [(RateLimitSubject, RateLimitSet)]

    public init(key: APIKeyRecord, tenant: TenantPolicy) {
        self.tenant = tenant
        capabilities = CapabilitySet(names: key.scopes.capabilities).intersection(tenant.capabilities)
        allowedBlocks = key.allowedCIDRs.isEmpty ? nil : key.allowedCIDRs.compactMap { CIDRBlock($0.trimmingSpaces) }
        modelIDs = Set(key.scopes.modelIDs)
        providerIDs = Set(key.scopes.providerIDs)
        restrictsRoutes = !modelIDs.isEmpty || !providerIDs.isEmpty || !tenant.allowedModels.isEmpty || !tenant.allowedProviders.isEmpty
        readsOwnUsage = key.scopes.capabilities.contains("usage:read")
        readsOwnBudget = key.scopes.capabilities.contains("budget:read")
        var subjects: [(RateLimitSubject, RateLimitSet)] = []
        let own = RateLimitSet(requestsPerMinute: key.rateLimits.requestsPerMinute, requestsPerDay: key.rateLimits.requestsPerDay,
                               tokensPerDay: key.rateLimits.tokensPerDay)
        if !own.isEmpty { subjects.append((RateLimitSubject(kind: .apiKey, tenantID: key.tenantID, id: key.id), own)) }
        if !tenant.rateLimits.isEmpty { subjects.append((RateLimitSubject(kind: .tenant, tenantID: tenant.id, id: tenant.id), tenant.rateLimits)) }
        rateLimitSubjects = subjects
    }

    private init() {
        tenant = TenantPolicy(unrestricted: "")
        capabilities = .all
        allowedBlocks = nil
        modelIDs = []
        providerIDs = []
        restrictsRoutes = false
        readsOwnUsage = false
        readsOwnBudget = false
        rateLimitSubjects = []
    }

    /// No restriction at all (principals built outside a snapshot, in tests).
    public static let unrestricted = KeyPolicy()

    /// Tenant status and the caller's address, for every route a key may call (inference or
    /// not), in that order.
    public func checkAccess(from address: ClientAddress?) throws(GatewayError) {
        if tenant.isSuspended { throw .tenantSuspended }
        if let allowedBlocks {
            // Fail closed: a key restricted to some addresses is refused when the transport
            // could not tell where the request came from.
            guard let address, allowedBlocks.contains(where: { $0.contains(address.bytes) }) else { throw .ipNotAllowed }
        }
    }

    /// The engine's admission checks after authentication (admin-api.md §6): tenant status,
    /// address, then the route's capability in the key's scopes and the tenant's switches.
    public func admit(_ capability: Capability, from address: ClientAddress?) throws(GatewayError) {
        try checkAccess(from: address)
        guard capabilities.contains(capability) else { throw .capabilityNotAllowed(capability.rawValue) }
    }

    /// The route restricted to the deployments the key and its tenant may use; throws
    /// `MODEL_NOT_ALLOWED` when none of the primary candidates remains. A candidate passes the
    /// model lists when the list names the requested model (alias), the deployment
    /// (`provider/model`) or its upstream model; and the provider list by its provider id.
    /// Fallback routes are filtered the same way and dropped when emptied.
    public func restrict(_ route: ResolvedRoute, requestedModel: String) throws(GatewayError) -> ResolvedRoute {
        guard restrictsRoutes else { return route }
        var restricted = route
        restricted.candidates = route.candidates.filter { allows($0, requestedModel: requestedModel) }
        guard !restricted.candidates.isEmpty else { throw .modelNotAllowed(requestedModel) }
        restricted.fallbacks = route.fallbacks.compactMap { fallback in
            var kept = fallback
            kept.candidates = fallback.candidates.filter { allows($0, requestedModel: requestedModel) }
            return kept.candidates.isEmpty ? nil : kept
        }
        return restricted
    }

    func allows(_ candidate: RouteCandidate, requestedModel: String) -> Bool {
        allows(providerID: candidate.deployment.providerID, upstreamModel: candidate.upstreamModel, requestedModel: requestedModel)
    }

    /// Whether the key and its tenant may reach this deployment when the client names `requestedModel`.
    public func allows(providerID: String, upstreamModel: String, requestedModel: String) -> Bool {
        if !providerIDs.isEmpty, !providerIDs.contains(providerID) { return false }
        if !tenant.allowedProviders.isEmpty, !tenant.allowedProviders.contains(providerID) { return false }
        return Self.names(modelIDs, requestedModel, providerID, upstreamModel)
            && Self.names(tenant.allowedModels, requestedModel, providerID, upstreamModel)
    }

    private static func names(_ list: Set<String>, _ requested: String, _ providerID: String, _ upstreamModel: String) -> Bool {
        list.isEmpty || list.contains(requested) || list.contains(upstreamModel) || list.contains(providerID + "/" + upstreamModel)
    }
}

extension String {
    fileprivate var trimmingSpaces: String {
        var text = Substring(self)
        while text.first == " " { text = text.dropFirst() }
        while text.last == " " { text = text.dropLast() }
        return String(text)
    }
}
