import GatewyseCore
import GatewyseEngine
import HTTPTypes
import Hummingbird

/// Liveness and readiness for load balancers and orchestrators; no authentication.
struct HealthController: Sendable {
    let runtime: GatewayRuntime

    func register(on router: Router<GatewayRequestContext>) {
        router.get("/healthz") { _, _ in
            JSONResponse.make(["status": "ok"], provider: nil, attempts: nil)
        }
        router.get("/readyz") { _, context in
            // Not ready once a shutdown began: load balancers stop sending before the listener closes.
            if runtime.engine.drain.isDraining {
                return JSONResponse.make(["status": "unavailable", "reason": "shutting down"], provider: nil, attempts: nil, status: .serviceUnavailable)
            }
            // Ready when the store answers and at least one provider is configured.
            do {
                _ = try await runtime.store.tenant(id: "")
            } catch {
                context.logger.warning("readiness: store unavailable")
                return JSONResponse.make(["status": "unavailable", "reason": "database unavailable"], provider: nil, attempts: nil, status: .serviceUnavailable)
            }
            // Providers of the serving snapshot: the configuration's and those added through the
            // admin API (shared or a tenant's), so a gateway set up from the dashboard is ready.
            let resolver = runtime.engine.snapshot.resolver
            let providers = resolver.adapters.count + resolver.tenantAdapters.values.reduce(0) { $0 + $1.count }
            guard providers > 0 else {
                return JSONResponse.make(["status": "unavailable", "reason": "no provider configured"], provider: nil, attempts: nil, status: .serviceUnavailable)
            }
            return JSONResponse.make(["status": "ready", "providers": .int(providers)], provider: nil, attempts: nil)
        }
    }
}
