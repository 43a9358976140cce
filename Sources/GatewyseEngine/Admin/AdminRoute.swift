import GatewyseCore
import GatewyseStorage

/// One admin API call as the engine sees it: transport-free, so the route table, the policy
/// and every handler are tested without HTTP.
public struct AdminRequest: Sendable {
    public var method: String
    /// Path parameters by name (`id`).
    public var parameters: [String: String]
    public var query: [String: String]
    public var body: JSONValue?
    public var principal: AdminPrincipal
    /// The `Accept` header (`text/csv` turns the usage report into CSV).
    public var accept: String?
    /// Set by the policy when the caller holds only the `:own` variant of the route's
    /// permission: handlers then show and change only the caller's own resources.
    public var ownOnly = false

    public init(method: String, parameters: [String: String] = [:], query: [String: String] = [:], body: JSONValue? = nil,
                principal: AdminPrincipal, accept: String? = nil) {
        self.accept = accept
        self.method = method
        self.parameters = parameters
        self.query = query
        self.body = body
        self.principal = principal
    }

    public func parameter(_ name: String) -> String { parameters[name] ?? "" }
}

/// What an admin handler answers.
public struct AdminAnswer: Sendable {
    public var status: Int
    public var body: JSONValue?
    public var headers: [(String, String)]
    /// A body that is not JSON (the usage report as CSV), sent with its `Content-Type` header.
    public var bytes: [UInt8]?
    /// A body written as it is produced (server-sent events), until the sequence ends or the
    /// client leaves.
    public var stream: (any AsyncSequence<[UInt8], Never> & Sendable)?

    public init(status: Int = 200, body: JSONValue?, headers: [(String, String)] = []) {
        self.status = status
        self.body = body
        self.headers = headers
    }

    public static func ok(_ bytes: [UInt8], contentType: String) -> AdminAnswer {
        var answer = AdminAnswer(body: nil, headers: [("Content-Type", contentType)])
        answer.bytes = bytes
        return answer
    }

    public static func ok(_ body: JSONValue) -> AdminAnswer { AdminAnswer(body: body) }
    public static func created(_ body: JSONValue) -> AdminAnswer { AdminAnswer(status: 201, body: body) }
    public static let noContent = AdminAnswer(status: 204, body: nil)

    /// An event stream (`text/event-stream`), never cached nor buffered by a proxy.
    public static func events(_ stream: some AsyncSequence<[UInt8], Never> & Sendable) -> AdminAnswer {
        var answer = AdminAnswer(body: nil, headers: [("Content-Type", "text/event-stream; charset=utf-8"), ("X-Accel-Buffering", "no")])
        answer.stream = stream
        return answer
    }
}

/// An admin route: method, path pattern (`/api/admin/keys/{id}`), the permission it needs,
/// whether it acts inside a tenant, and its handler. The table of these is the RBAC catalogue:
/// `AccessPolicy` reads nothing else.
public struct AdminRoute: Sendable {
    public enum Scope: Sendable {
        /// Acts on one tenant's resources: a super-admin must name it (`X-Tenant-ID`).
        case tenant
        /// Acts on the deployment (tenants): super-admins only, by permission.
        case system
        /// The caller's tenant, or the system scope for a super-admin that names none (the audit log).
        case either
    }

    public let method: String
    public let pattern: String
    /// nil: any authenticated caller (`/api/admin/permissions`).
    public let permission: Permission?
    public let scope: Scope
    let handler: @Sendable (AdminRequest) async throws -> AdminAnswer

    public init(_ method: String, _ pattern: String, _ permission: Permission?, scope: Scope = .tenant,
                handler: @escaping @Sendable (AdminRequest) async throws -> AdminAnswer) {
        self.method = method
        self.pattern = pattern
        self.permission = permission
        self.scope = scope
        self.handler = handler
    }

    /// Path parameters when `path` matches the pattern.
    public func match(_ path: [Substring]) -> [String: String]? {
        let segments = pattern.split(separator: "/")
        guard segments.count == path.count else { return nil }
        var parameters: [String: String] = [:]
        for (segment, value) in zip(segments, path) {
            if segment.hasPrefix("{") {
                guard !value.isEmpty else { return nil }
                parameters[String(segment.dropFirst().dropLast())] = String(value)
            } else if segment != value {
                return nil
            }
        }
        return parameters
    }
}

/// The one place that decides whether a principal may call a route (issue 11: authorization in
/// one place). A caller without the permission but with its `:own` variant is let through with
/// `ownOnly` set.
public enum AccessPolicy {
    public static func authorize(_ route: AdminRoute, _ request: inout AdminRequest) throws(GatewayError) {
        let principal = request.principal
        if let permission = route.permission {
            if principal.permissions.contains(permission) {
                request.ownOnly = false
            } else if let own = permission.ownVariant, principal.permissions.contains(own) {
                request.ownOnly = true
            } else {
                throw GatewayError.permissionDenied(permission.rawValue)
            }
        }
        switch route.scope {
        case .tenant where principal.tenantID == SystemScope.tenantID:
            throw GatewayError.tenantRequired
        case .system where !principal.isSuperAdmin:
            // Only super-admins hold tenant permissions; a custom role cannot (see the roles
            // routes), so this is a second lock on the same door.
            throw GatewayError.permissionDenied(route.permission?.rawValue ?? "tenants:read")
        default:
            break
        }
    }
}
