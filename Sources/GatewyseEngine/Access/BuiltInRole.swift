/// The six built-in roles (admin-api.md §4): immutable, never stored, the same on every
/// replica. Custom roles are a tenant's `RoleRecord`s over the same catalogue.
public enum BuiltInRole: String, Sendable, CaseIterable {
    case superAdmin = "super-admin"
    case tenantAdmin = "tenant-admin"
    case orgAdmin = "org-admin"
    case deptAdmin = "dept-admin"
    case user
    case auditor

    public var name: String {
        switch self {
        case .superAdmin: "Super admin"
        case .tenantAdmin: "Tenant admin"
        case .orgAdmin: "Organization admin"
        case .deptAdmin: "Department admin"
        case .user: "User"
        case .auditor: "Auditor"
        }
    }

    public var permissions: Set<Permission> {
        switch self {
        case .superAdmin:
            return Set(Permission.allCases)
        case .tenantAdmin:
            return Set(Permission.allCases).subtracting([.tenantsRead, .tenantsWrite])
        case .orgAdmin:
            return [.organizationsRead, .departmentsRead, .departmentsWrite, .usersRead, .usersWrite, .rolesRead,
                    .keysRead, .keysWrite, .providersRead, .routesRead, .modelsRead, .budgetsRead, .budgetsWrite,
                    .usageRead, .requestsRead]
        case .deptAdmin:
            return [.organizationsRead, .departmentsRead, .usersRead, .usersWrite, .rolesRead, .keysRead, .keysWrite,
                    .routesRead, .modelsRead, .budgetsRead, .usageRead, .requestsRead]
        case .user:
            return [.ownKeysRead, .ownKeysWrite, .ownUsageRead, .routesRead, .modelsRead]
        case .auditor:
            // Read-only, audit included: every read of the tenant, no write.
            return Set(Permission.allCases.filter { $0.isRead }).subtracting([.tenantsRead])
        }
    }
}
