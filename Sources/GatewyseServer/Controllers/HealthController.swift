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
            guard !runtime.configuration.providers.isEmpty else {
                return JSONResponse.make(["status": "unavailable", "reason": "no provider configured"], provider: nil, attempts: nil, status: .serviceUnavailable)
            }
            return JSONResponse.make(["status": "ready", "providers": .int(runtime.configuration.providers.count)], provider: nil, attempts: nil)
        }
    }
}
