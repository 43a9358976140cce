import GatewyseCore
import GatewyseRouting
import GatewyseStorage

/// `routes`: model aliases clients send as `model`, each with a strategy, targets and
/// fallbacks. A tenant's routes replace same-named global aliases for that tenant; a
/// super-admin acting on no tenant manages the global ones. Aliases from the configuration file
/// read here with `source: "config"` and ids `config:<name>`.
extension AdminAPI {
    static let routeFields: Set<String> = ["name", "capability", "strategy", "targets", "fallbacks", "enabled"]
    /// The capabilities stored routes serve today (the resolver routes chat aliases).
    static let routableCapabilities: [Capability] = [.chat]

    func routeRoutes() -> [AdminRoute] {
        [
            AdminRoute("GET", "/api/admin/routes", .routesRead, scope: .either) { [self] request in
                let stored = try await store.everything(RouteRecord.self, tenantID: request.principal.tenantID)
                let items = stored.map { ($0.id, render($0)) } + configuredAliases(request.principal.tenantID).map { ("config:" + $0.name, render($0)) }
                return .ok(try AdminListing.page(items, query: request.query, filterable: ["name", "capability", "strategy", "enabled", "source"]))
            },
            AdminRoute("POST", "/api/admin/routes", .routesWrite, scope: .either) { [self] request in
                let body = try FieldReader(request.body, allowed: Self.routeFields)
                let name = try body.requiredString("name")
                let capability = try routeCapability(body) ?? .chat
                let tenant = request.principal.tenantID == SystemScope.tenantID ? nil : request.principal.tenantID
                let settings = try await settings(of: request.principal.tenantID)
                var route = RouteRecord(tenantID: tenant, capability: capability, alias: name,
                                        strategy: settings.defaultRoutingStrategy ?? RoutingStrategyKind.priority.rawValue, targets: [], updatedAt: now)
                route.id = "rt_" + IDGenerator.hex(bytes: 8)
                try await apply(body, to: &route, tenantID: request.principal.tenantID)
                guard !route.targets.isEmpty else { throw GatewayError.invalidField("targets", "'targets' is required: at least one {provider, model}.") }
                do {
                    try await commit([.insert(route, at: now)], audit: [
                        request.principal.audit("route.create", targetType: "route", targetID: route.id,
                                                summary: "created route \(name) (\(route.strategy)) → \(targetSummary(route))", time: nowMilliseconds),
                    ])
                } catch StoreError.duplicate {
                    throw GatewayError.conflict("A \(capability.rawValue) route named '\(name)' already exists.", param: "name")
                }
                return .created(.object(render(route)))
            },
            AdminRoute("GET", "/api/admin/routes/{id}", .routesRead, scope: .either) { [self] request in
                if let alias = configuredAlias(request) { return .ok(.object(render(alias))) }
                return .ok(.object(render(try await existing(RouteRecord.self, "route", request))))
            },
            AdminRoute("PATCH", "/api/admin/routes/{id}", .routesWrite, scope: .either) { [self] request in
                if configuredAlias(request) != nil { throw GatewayError.configManaged("route", request.parameter("id")) }
                var (route, version) = try await existingVersioned(RouteRecord.self, "route", request)
                let body = try FieldReader(request.body, allowed: Self.routeFields.subtracting(["capability"]))
                let before = render(route)
                if let name = try body.string("name") { route.alias = try nonEmpty(name, "name") }
                try await apply(body, to: &route, tenantID: request.principal.tenantID)
                guard !route.targets.isEmpty else { throw GatewayError.invalidField("targets", "A route needs at least one target.") }
                route.updatedAt = now
                do {
                    try await commit([.update(route, at: now, expectedVersion: version)], audit: [
                        request.principal.audit("route.update", targetType: "route", targetID: route.id,
                                                summary: changeSummary(before: before, after: render(route)), time: nowMilliseconds),
                    ])
                } catch StoreError.duplicate {
                    throw GatewayError.conflict("A \(route.capability.rawValue) route named '\(route.alias)' already exists.", param: "name")
                }
                return .ok(.object(render(route)))
            },
            AdminRoute("DELETE", "/api/admin/routes/{id}", .routesWrite, scope: .either) { [self] request in
                if configuredAlias(request) != nil { throw GatewayError.configManaged("route", request.parameter("id")) }
                let route = try await existing(RouteRecord.self, "route", request)
                try await commit([.delete(route)], audit: [
                    request.principal.audit("route.delete", targetType: "route", targetID: route.id, summary: "deleted route \(route.alias)",
                                            time: nowMilliseconds),
                ])
                return .noContent
            },
        ]
    }

    private func routeCapability(_ body: FieldReader) throws(GatewayError) -> Capability? {
        guard let name = try body.string("capability") else { return nil }
        guard let capability = Capability(rawValue: name), Self.routableCapabilities.contains(capability) else {
            throw GatewayError.invalidField("capability", "Routes can be stored for: \(Self.routableCapabilities.map(\.rawValue).joined(separator: ", ")).")
        }
        return capability
    }

    /// Targets must name a provider the tenant can reach (its own, or a shared one) and, when its
    /// settings restrict them, one of its `allowedProviders`.
    private func apply(_ body: FieldReader, to route: inout RouteRecord, tenantID: String) async throws {
        if let strategy = try body.choice("strategy", RoutingStrategyKind.allCases.map(\.rawValue)) { route.strategy = strategy }
        if let enabled = try body.bool("enabled") { route.enabled = enabled }
        if let fallbacks = try body.strings("fallbacks") {
            if let own = fallbacks.firstIndex(of: route.alias) {
                throw GatewayError.invalidField("fallbacks[\(own)]", "A route cannot fall back to itself.")
            }
            route.fallbacks = uniqued(fallbacks)
        }
        guard let value = body.object["targets"], !value.isNull else { return }
        guard let items = value.arrayValue else { throw GatewayError.invalidField("targets", "'targets' must be an array of {provider, model, priority, weight}.") }
        let reachable = try await reachableProviderIDs(tenantID)
        let allowed = Set(try await settings(of: tenantID).allowedProviders)
        var targets: [RouteRecord.Target] = []
        for (i, item) in items.enumerated() {
            let target = try FieldReader(item, path: "targets[\(i)]", allowed: ["provider", "model", "priority", "weight"])
            let provider = try target.requiredString("provider")
            guard reachable.contains(provider) else {
                throw GatewayError.invalidField("targets[\(i)].provider", "No provider '\(provider)' (reachable: \(reachable.sorted().joined(separator: ", "))).")
            }
            guard allowed.isEmpty || allowed.contains(provider) else {
                throw GatewayError.invalidField("targets[\(i)].provider", "Provider '\(provider)' is not in this tenant's allowedProviders.")
            }
            let model = try target.requiredString("model")
            if let problem = RouteResolver.unsafeUpstreamModel(model) {
                throw GatewayError.invalidField("targets[\(i)].model", "The model name \(problem).")
            }
            var weight = 1.0
            if let raw = target.object["weight"], !raw.isNull {
                guard let number = raw.doubleValue, number.isFinite, number >= 0 else {
                    throw GatewayError.invalidField("targets[\(i)].weight", "'weight' must be a non-negative number.")
                }
                weight = number
            }
            targets.append(RouteRecord.Target(provider: provider, model: model, priority: try target.count("priority") ?? i + 1, weight: weight))
        }
        route.targets = targets
    }

    /// The configuration's aliases in a scope: the global ones, or a tenant's own.
    private func configuredAliases(_ tenantID: String) -> [ModelAlias] {
        if tenantID == SystemScope.tenantID { return configuration.models }
        return configuration.tenants.first { $0.id == tenantID }?.models ?? []
    }

    private func configuredAlias(_ request: AdminRequest) -> ModelAlias? {
        let id = request.parameter("id")
        guard id.hasPrefix("config:") else { return nil }
        return configuredAliases(request.principal.tenantID).first { "config:" + $0.name == id }
    }

    private func targetSummary(_ route: RouteRecord) -> String {
        route.targets.map { "\($0.provider)/\($0.model)" }.joined(separator: ", ")
    }

    func render(_ route: RouteRecord) -> JSONObject {
        renderRoute(id: route.id, name: route.alias, capability: route.capability, strategy: route.strategy,
                    targets: route.targets.map { ($0.provider, $0.model, $0.priority, $0.weight) }, fallbacks: route.fallbacks,
                    enabled: route.enabled, source: "api", updatedAt: .time(route.updatedAt))
    }

    func render(_ alias: ModelAlias) -> JSONObject {
        renderRoute(id: "config:" + alias.name, name: alias.name, capability: .chat, strategy: alias.strategy.rawValue,
                    targets: alias.targets.map { ($0.provider, $0.model, $0.priority, $0.weight) }, fallbacks: alias.fallbacks,
                    enabled: true, source: "config", updatedAt: .null)
    }

    /// One shape for stored routes and configured aliases.
    private func renderRoute(id: String, name: String, capability: Capability, strategy: String,
                             targets: [(provider: String, model: String, priority: Int, weight: Double)], fallbacks: [String],
                             enabled: Bool, source: String, updatedAt: JSONValue) -> JSONObject {
        JSONObject([
            ("id", .string(id)), ("name", .string(name)), ("capability", .string(capability.rawValue)), ("strategy", .string(strategy)),
            ("targets", .array(targets.map { target in
                .object(JSONObject([("provider", .string(target.provider)), ("model", .string(target.model)),
                                    ("priority", .int(target.priority)), ("weight", .number(String(target.weight)))]))
            })),
            ("fallbacks", .strings(fallbacks)), ("enabled", .bool(enabled)), ("source", .string(source)), ("updatedAt", updatedAt),
        ])
    }
}
