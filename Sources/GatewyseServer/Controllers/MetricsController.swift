import GatewyseCore
import GatewyseEngine
import HTTPTypes
import Hummingbird
import NIOCore
import Prometheus

/// `GET /metrics` (`metrics.path`) in the Prometheus text format: the gauges read at scrape time
/// are set, then the registry is rendered. With `metrics.bearer_token` set, the scrape must
/// present it (`Authorization: Bearer …`, compared in constant time); otherwise 401.
struct MetricsController: Sendable {
    let runtime: GatewayRuntime
    let registry: PrometheusCollectorRegistry
    let path: String
    let token: [UInt8]?

    init(runtime: GatewayRuntime, registry: PrometheusCollectorRegistry) {
        self.runtime = runtime
        self.registry = registry
        path = runtime.configuration.metrics.path
        token = runtime.configuration.metrics.bearerToken.map { Array($0.revealed.utf8) }
    }

    func register(on router: Router<GatewayRequestContext>) {
        router.get(RouterPath(path)) { request, _ in handle(request) }
    }

    func handle(_ request: Request) -> Response {
        if let token {
            guard let presented = Self.bearer(request.headers[.authorization]), ConstantTime.equals(Array(presented.utf8), token) else {
                var headers = HTTPFields()
                headers[.contentType] = "application/json"
                headers[.wwwAuthenticate] = "Bearer"
                let body = JSONWriter.bytes(GatewayError.authRequired.openAIBody)
                return Response(status: .unauthorized, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body)))
            }
        }
        runtime.refreshMetricGauges()
        var headers = HTTPFields()
        headers[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
        headers[.cacheControl] = "no-store"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: registry.emitToBuffer())))
    }

    static func bearer(_ header: String?) -> Substring? {
        guard let header, header.count > 7, header.prefix(7).lowercased() == "bearer " else { return nil }
        return header.dropFirst(7).drop { $0 == " " }
    }
}

/// The Prometheus registry and the swift-metrics factory that fills it, with the gateway's
/// histogram buckets (`MetricNames`).
enum MetricsBackend {
    static func make() -> (registry: PrometheusCollectorRegistry, factory: PrometheusMetricsFactory) {
        let registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.durationHistogramBuckets = MetricNames.durationHistograms.mapValues { $0.map { Duration.nanoseconds(Int64($0 * 1e9)) } }
        factory.valueHistogramBuckets = MetricNames.valueHistograms
        return (registry, factory)
    }
}
