import GatewyseCore
import GatewyseRouting
import GatewyseStorage

/// `GET /api/admin/providers/health`: each provider the caller's tenant can route to, with the
/// health this replica has measured on its real traffic (per deployment, `provider/model`, rolled
/// up per provider). A provider nothing was sent to yet is `unknown`.
extension AdminAPI {
    func providerHealthRoute() -> AdminRoute {
        AdminRoute("GET", "/api/admin/providers/health", .providersRead, scope: .either) { [self] request in
            let tenantID = request.principal.tenantID
            var providers: [(id: String, type: String)] = configuration.providers.map { ($0.id, $0.entry.type) }
            providers += try await store.everything(ProviderRecord.self, tenantID: SystemScope.tenantID).map { ($0.id, $0.type) }
            if tenantID != SystemScope.tenantID {
                providers += try await store.everything(ProviderRecord.self, tenantID: tenantID).map { ($0.id, $0.type) }
            }
            let snapshot = healthSnapshot()
            let rows = providers.sorted { $0.id < $1.id }.map { provider in
                Self.health(of: provider.id, type: provider.type, deployments: snapshot.deployments.filter { $0.key.hasPrefix(provider.id + "/") })
            }
            return .ok(.object(JSONObject([("data", .array(rows.map(JSONValue.object)))])))
        }
    }

    /// One provider's row: the worst circuit, `down` only when every measured deployment is
    /// down, `degraded` when some are not healthy, latency and error rate averaged.
    static func health(of id: String, type: String, deployments: [String: DeploymentHealth]) -> JSONObject {
        let measured = deployments.values.filter { $0.status != .unknown }
        let status: HealthStatus
        if measured.isEmpty {
            status = .unknown
        } else if measured.allSatisfy({ $0.status == .down }) {
            status = .down
        } else if measured.allSatisfy({ $0.status == .healthy }) {
            status = .healthy
        } else {
            status = .degraded
        }
        let circuit = deployments.values.contains { $0.breaker == .open } ? "open"
            : deployments.values.contains { $0.breaker == .halfOpen } ? "half-open" : "closed"
        let latencies = measured.compactMap(\.latency)
        let latency: JSONValue = latencies.isEmpty ? .null : .int(Int((latencies.reduce(0, +) / Double(latencies.count) * 1000).rounded()))
        let errorRate: JSONValue = measured.isEmpty ? .null
            : .number(String(format: "%.4f", measured.map(\.errorRate).reduce(0, +) / Double(measured.count)))
        return JSONObject([
            ("id", .string(id)), ("type", .string(type)), ("status", .string(status.rawValue)), ("latencyMs", latency),
            ("errorRate", errorRate), ("circuit", .string(circuit)),
            ("deployments", .array(deployments.sorted { $0.key < $1.key }.map { key, health in
                .object(JSONObject([("model", .string(String(key.dropFirst(id.count + 1)))), ("status", .string(health.status.rawValue)),
                                    ("circuit", .string(health.breaker.rawValue)),
                                    ("latencyMs", health.latency.map { .int(Int(($0 * 1000).rounded())) } ?? .null)]))
            })),
        ])
    }
}
