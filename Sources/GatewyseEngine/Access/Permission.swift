/// The permission catalogue (`GET /api/admin/permissions`): `resource:action`, plus `:own`
/// variants that limit a permission to what the caller itself owns (a `user` sees and manages
/// only its own keys and usage). Each admin route declares the one it needs (`AdminRoute`), and
/// `AccessPolicy` alone decides.
public enum Permission: String, Sendable, Hashable, CaseIterable, Codable {
    case tenantsRead = "tenants:read"
    case tenantsWrite = "tenants:write"
    case organizationsRead = "organizations:read"
    case organizationsWrite = "organizations:write"
    case departmentsRead = "departments:read"
    case departmentsWrite = "departments:write"
    case usersRead = "users:read"
    case usersWrite = "users:write"
    case rolesRead = "roles:read"
    case rolesWrite = "roles:write"
    case keysRead = "keys:read"
    case keysWrite = "keys:write"
    case ownKeysRead = "keys:read:own"
    case ownKeysWrite = "keys:write:own"
    case providersRead = "providers:read"
    case providersWrite = "providers:write"
    case routesRead = "routes:read"
    case routesWrite = "routes:write"
    case modelsRead = "models:read"
    case modelsWrite = "models:write"
    case budgetsRead = "budgets:read"
    case budgetsWrite = "budgets:write"
    case settingsRead = "settings:read"
    case settingsWrite = "settings:write"
    case usageRead = "usage:read"
    case ownUsageRead = "usage:read:own"
    case requestsRead = "requests:read"
    case auditRead = "audit:read"

    /// What the permission allows, for the catalogue and the dashboard.
    public var summary: String {
        switch self {
        case .tenantsRead: "List and read tenants (super-admin)"
        case .tenantsWrite: "Create, change and suspend tenants (super-admin)"
        case .organizationsRead: "List and read organizations"
        case .organizationsWrite: "Create, change and delete organizations"
        case .departmentsRead: "List and read departments"
        case .departmentsWrite: "Create, change and delete departments"
        case .usersRead: "List and read users"
        case .usersWrite: "Create, change and delete users and their roles"
        case .rolesRead: "List and read roles"
        case .rolesWrite: "Create, change and delete custom roles"
        case .keysRead: "List and read every API key of the tenant"
        case .keysWrite: "Create, change and revoke every API key of the tenant"
        case .ownKeysRead: "List and read one's own API keys"
        case .ownKeysWrite: "Create, change and revoke one's own API keys"
        case .providersRead: "List and read providers (never their credentials)"
        case .providersWrite: "Create, change, test and delete providers"
        case .routesRead: "List and read routes"
        case .routesWrite: "Create, change and delete routes"
        case .modelsRead: "List and read models and prices"
        case .modelsWrite: "Create, change and delete models and prices"
        case .budgetsRead: "List and read budgets"
        case .budgetsWrite: "Create, change and delete budgets"
        case .settingsRead: "Read the tenant's settings"
        case .settingsWrite: "Change the tenant's settings"
        case .usageRead: "Read the tenant's usage and costs"
        case .ownUsageRead: "Read one's own usage"
        case .requestsRead: "Read recent requests"
        case .auditRead: "Read and verify the audit log"
        }
    }

    /// The permission that limits this one to the caller's own resources, if any.
    public var ownVariant: Permission? {
        switch self {
        case .keysRead: .ownKeysRead
        case .keysWrite: .ownKeysWrite
        case .usageRead: .ownUsageRead
        default: nil
        }
    }

    public var isRead: Bool { rawValue.contains(":read") }
}
