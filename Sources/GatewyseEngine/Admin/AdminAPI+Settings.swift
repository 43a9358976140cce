import GatewyseCore
import GatewyseRouting
import GatewyseStorage

/// `settings`: one document per tenant. `PUT` replaces it (omitted fields take their defaults),
/// `PATCH` changes the fields given. `sso` is the tenant's single sign-on (AdminAPI+SSOSettings).
extension AdminAPI {
    static let settingsFields: Set<String> = ["rateLimits", "caching", "defaultRoutingStrategy", "allowedProviders", "customLabels", "sso"]

    func settingsRoutes() -> [AdminRoute] {
        [
            AdminRoute("GET", "/api/admin/settings", .settingsRead) { [self] request in
                .ok(.object(render(try await settings(of: request.principal.tenantID))))
            },
            AdminRoute("PUT", "/api/admin/settings", .settingsWrite) { [self] request in
                try await writeSettings(request, base: TenantSettings(tenantID: request.principal.tenantID))
            },
            AdminRoute("PATCH", "/api/admin/settings", .settingsWrite) { [self] request in
                try await writeSettings(request, base: try await settings(of: request.principal.tenantID))
            },
        ]
    }

    /// The stored settings, or the defaults when none were saved.
    func settings(of tenantID: String) async throws -> TenantSettings {
        try await store.get(TenantSettings.self, tenantID: tenantID, id: TenantSettings.documentID) ?? TenantSettings(tenantID: tenantID)
    }

    private func writeSettings(_ request: AdminRequest, base: TenantSettings) async throws -> AdminAnswer {
        let tenantID = request.principal.tenantID
        let body = try FieldReader(request.body, allowed: Self.settingsFields)
        let stored = try await store.fetch(.settings, tenantID: tenantID, id: TenantSettings.documentID)
        let current = try stored.map { try TenantSettings(stored: $0) }
        var settings = base
        if let limits = try body.nested("rateLimits", allowed: ["maxRequestsPerMinute", "maxRequestsPerDay", "maxTokensPerDay"]) {
            // Merged into `base` (the defaults for PUT, the stored settings for PATCH).
            if limits.has("maxRequestsPerMinute") { settings.rateLimits.maxRequestsPerMinute = try limits.count("maxRequestsPerMinute") ?? 0 }
            if limits.has("maxRequestsPerDay") { settings.rateLimits.maxRequestsPerDay = try limits.count("maxRequestsPerDay") ?? 0 }
            if limits.has("maxTokensPerDay") { settings.rateLimits.maxTokensPerDay = try limits.count("maxTokensPerDay") ?? 0 }
        }
        if let caching = try body.nested("caching", allowed: ["enabled", "ttlSeconds"]) {
            if let enabled = try caching.bool("enabled") { settings.caching.enabled = enabled }
            if let ttl = try caching.count("ttlSeconds") { settings.caching.ttlSeconds = ttl }
        }
        if body.has("defaultRoutingStrategy") {
            settings.defaultRoutingStrategy = try body.choice("defaultRoutingStrategy", RoutingStrategyKind.allCases.map(\.rawValue))
        }
        if let providers = try body.strings("allowedProviders") {
            let reachable = try await reachableProviderIDs(tenantID)
            for (i, id) in providers.enumerated() where !reachable.contains(id) {
                throw GatewayError.invalidField("allowedProviders[\(i)]", "No provider '\(id)' this tenant can reach.")
            }
            settings.allowedProviders = uniqued(providers)
        }
        if let labels = try body.stringMap("customLabels") { settings.customLabels = labels }
        settings.sso = try await readSSO(body, tenantID: tenantID, stored: current?.sso, superAdmin: request.principal.isSuperAdmin)
        settings.updatedAt = now
        let before = render(current ?? TenantSettings(tenantID: tenantID))
        let change: ResourceChange = current == nil ? try .insert(settings, at: now) : try .update(settings, at: now, expectedVersion: stored?.version)
        try await commit([change], audit: [
            request.principal.audit("settings.update", targetType: "settings", targetID: tenantID,
                                    summary: changeSummary(before: before, after: render(settings)), time: nowMilliseconds),
        ])
        return .ok(.object(render(settings)))
    }

    /// Shared providers (the configuration's and the stored system ones) and the tenant's own.
    func reachableProviderIDs(_ tenantID: String) async throws -> Set<String> {
        var ids = Set(configuration.providers.map(\.id))
        ids.formUnion(try await store.everything(ProviderRecord.self, tenantID: SystemScope.tenantID).map(\.id))
        if tenantID != SystemScope.tenantID { ids.formUnion(try await store.everything(ProviderRecord.self, tenantID: tenantID).map(\.id)) }
        return ids
    }

    func render(_ settings: TenantSettings) -> JSONObject {
        JSONObject([
            ("rateLimits", .object(JSONObject([("maxRequestsPerMinute", .int(settings.rateLimits.maxRequestsPerMinute)),
                                               ("maxRequestsPerDay", .int(settings.rateLimits.maxRequestsPerDay)),
                                               ("maxTokensPerDay", .int(settings.rateLimits.maxTokensPerDay))]))),
            ("caching", .object(JSONObject([("enabled", .bool(settings.caching.enabled)), ("ttlSeconds", .int(settings.caching.ttlSeconds))]))),
            ("defaultRoutingStrategy", .optional(settings.defaultRoutingStrategy)), ("allowedProviders", .strings(settings.allowedProviders)),
            ("customLabels", .object(JSONObject(settings.customLabels.sorted { $0.key < $1.key }.map { ($0.key, JSONValue.string($0.value)) }))),
            ("sso", render(settings.sso, tenantID: settings.tenantID)),
            ("updatedAt", settings.updatedAt == 0 ? .null : .time(settings.updatedAt)),
        ])
    }
}
