import CoreMetrics
import GatewyseCore
import GatewyseRouting
import Synchronization

/// The gateway's series, recorded through swift-metrics (the backend — Prometheus in
/// `gatewyse serve` — is the factory's business; decisions/0015). Per-request work happens in
/// `requestCompleted` (the completion event) and `attemptFinished` (the attempt loop): one
/// lookup of handles made the first time a label set is seen, then a few atomic increments and
/// histogram records.
///
/// Label sets are bounded by construction: `route` is an `InferenceEndpoint`, `status` an HTTP
/// status, `provider` a configured provider, and `model` a name the configuration (or the
/// admin API's routes) declares — anything else a client may send is counted as `other`, and a
/// request refused before its model was read as `none`. The handle cache is keyed by what the
/// event carries and holds only label sets that passed that check.
public final class GatewayMetrics: CompletionObserver {
    let factory: any MetricsFactory
    private let requestSeries = Mutex<[RequestKey: RequestSeries]>([:])
    private let deploymentSeries = Mutex<[DeploymentKey: DeploymentSeries]>([:])
    /// Per route (indexed like `InferenceEndpoint.allCases`) and `RejectionReason`.
    private let rejections: [[CoreMetrics.Counter]]
    private let gauges = Mutex<[GaugeKey: Gauge]>([:])
    /// Names last judged `other`, with the series they count in (see `OtherNames`).
    private let otherNames = Mutex(OtherNames())
    /// Caches stop growing here (a table of label sets already bounded by the configuration; the
    /// limit only guards against a configuration with an absurd number of models).
    static let cacheLimit = 50_000

    public init(factory: any MetricsFactory) {
        self.factory = factory
        rejections = InferenceEndpoint.allCases.map { endpoint in
            RejectionReason.allCases.map {
                CoreMetrics.Counter(label: MetricNames.rejections, dimensions: [("route", endpoint.rawValue), ("reason", $0.rawValue)], factory: factory)
            }
        }
    }

    /// The serving snapshot's route table, which decides which models may become labels: told
    /// by the engine at every swap (`watchSnapshots`), so a request to a name the table does
    /// not declare finds its judgment with one lookup — reading the snapshot per request took
    /// two locks more, ~0.4 µs under load for each such request and each of its attempts.
    public func routeTableChanged(to resolver: RouteResolver) {
        otherNames.withLock { $0.renew(for: resolver) }
    }

    // MARK: Completion

    public func requestCompleted(_ event: CompletionEvent) {
        let route = Self.routeIndex(event.endpoint)
        let status = Self.status(of: event.outcome)
        if case .failed(_, let code) = event.outcome, let reason = RejectionReason(code: code) {
            rejections[route][reason.index].increment()
        }
        let series = self.series(route: route, endpoint: event.endpoint, provider: event.providerID, requestedModel: event.requestedModel,
                                 upstreamModel: event.upstreamModel, status: status)
        series.requests.increment(by: 1)
        series.duration.recordNanoseconds(Self.nanoseconds(event.duration))
        if let overhead = event.overhead { series.overhead.recordNanoseconds(Self.nanoseconds(overhead)) }
        switch event.outcome {
        case .streamFinished, .streamFailed:
            if let ttft = event.timeToFirstByte { series.timeToFirstToken.recordNanoseconds(Self.nanoseconds(ttft)) }
        default: break
        }
        guard let deployment = series.deployment else { return }
        if let usage = event.usage {
            deployment.record(usage)
        }
        if let cost = event.cost, cost.nanos > 0 { deployment.cost.increment(by: Double(cost.nanos) / 1e9) }
    }

    // MARK: Attempts

    /// Why an upstream attempt failed: a closed set, so a label.
    public enum FailureReason: String, Sendable, CaseIterable {
        case timeout, unavailable, rateLimited = "rate_limited", serverError = "server_error", auth, clientError = "client_error"
        case badResponse = "bad_response", circuitOpen = "circuit_open"

        init(code: String, status: Int?) {
            switch code {
            case "UPSTREAM_TIMEOUT": self = .timeout
            case "UPSTREAM_UNAVAILABLE": self = .unavailable
            case "UPSTREAM_BAD_RESPONSE": self = .badResponse
            default:
                switch status ?? 0 {
                case 429: self = .rateLimited
                case 401, 403: self = .auth
                case 400..<500: self = .clientError
                case 500..<600: self = .serverError
                default: self = .badResponse
                }
            }
        }
    }

    /// One upstream attempt's end, from the attempt loop: `failure` nil when it succeeded.
    public func attemptFinished(providerID: String, model: String, failure: FailureReason?) {
        let series = deployment(providerID: providerID, model: model)
        series.attempts.increment(by: 1)
        if let failure { series.failure(failure).increment(by: 1) }
    }

    /// The circuit breaker refused a deployment without an attempt.
    public func circuitRefused(providerID: String, model: String) {
        deployment(providerID: providerID, model: model).failure(.circuitOpen).increment(by: 1)
    }

    // MARK: Gauges (set at scrape time)

    /// Sets a gauge; used when a scrape is answered (queue depths, breaker states, free tiers).
    public func setGauge(_ name: String, _ dimensions: [(String, String)], to value: Double) {
        let key = GaugeKey(name: name, dimensions: dimensions.map { $0.0 + "=" + $0.1 })
        let gauge = gauges.withLock { gauges in
            if let gauge = gauges[key] { return gauge }
            let gauge = Gauge(label: name, dimensions: dimensions, factory: factory)
            if gauges.count < Self.cacheLimit { gauges[key] = gauge }
            return gauge
        }
        gauge.record(value)
    }

    /// Spans dropped so far (`SpanQueue.dropped`, a running total), reported at scrape time: the
    /// counter grows by what was dropped since the previous report.
    public func reportDroppedSpans(total: Int) {
        // Made at the first report, so a gateway without tracing exports no such series.
        let (counter, delta) = droppedSpans.withLock { state -> (CoreMetrics.Counter, Int) in
            let counter = state.counter ?? CoreMetrics.Counter(label: MetricNames.traceSpansDropped, factory: factory)
            state.counter = counter
            let delta = total - state.reported
            state.reported = max(state.reported, total)
            return (counter, delta)
        }
        if delta > 0 { counter.increment(by: delta) }
    }

    private let droppedSpans = Mutex<(reported: Int, counter: CoreMetrics.Counter?)>((0, nil))

    // MARK: Label resolution

    private func series(route: Int, endpoint: InferenceEndpoint, provider: String?, requestedModel: String?, upstreamModel: String?,
                        status: Int) -> RequestSeries {
        let named = RequestKey(provider: provider ?? "", model: requestedModel ?? "", route: UInt8(route), status: Int16(clamping: status))
        if let found = requestSeries.withLock({ $0[named] }) { return found }
        let (judged, current) = otherNames.withLock { ($0.requests[named], $0.resolver) }
        if let judged { return judged }
        let modelLabel = requestedModel.map { current?.isConfiguredModelName($0) == true ? $0 : "other" } ?? "none"
        // A name counted as `other` is cached under the label, not the name (a client could send
        // endless names); it is judged against the route table again once that changes, as its
        // route may have been configured since (`OtherNames`).
        var key = named
        if modelLabel == "other" { key.model = "\u{0}other" }
        let series = Self.cached(key, in: requestSeries) {
            let answering = provider.map { self.deployment(providerID: $0, model: upstreamModel ?? "") }
            return RequestSeries(factory: factory, route: endpoint.rawValue, provider: provider ?? "none", model: modelLabel,
                                 status: status, deployment: answering)
        }
        if modelLabel == "other" { otherNames.withLock { $0.remember(named, series, in: \.requests, under: current) } }
        return series
    }

    private func deployment(providerID: String, model: String) -> DeploymentSeries {
        let named = DeploymentKey(provider: providerID, model: model)
        if let found = deploymentSeries.withLock({ $0[named] }) { return found }
        let (judged, current) = model.isEmpty ? (nil, nil) : otherNames.withLock { ($0.deployments[named], $0.resolver) }
        if let judged { return judged }
        let label = model.isEmpty ? "none" : (current?.configuredDeployments.contains(providerID + "/" + model) == true ? model : "other")
        var key = named
        if label != model { key.model = "\u{0}" + label }
        let series = Self.cached(key, in: deploymentSeries) { DeploymentSeries(factory: factory, provider: providerID, model: label) }
        if label == "other" { otherNames.withLock { $0.remember(named, series, in: \.deployments, under: current) } }
        return series
    }

    /// The series cached under `key`, or the one `make` creates, cached while the table is
    /// under `cacheLimit` (of two made at once, the first cached is kept).
    private static func cached<Key: Hashable & Sendable, Series: Sendable>(_ key: Key, in table: borrowing Mutex<[Key: Series]>, make: () -> Series) -> Series {
        if let found = table.withLock({ $0[key] }) { return found }
        let created = make()
        return table.withLock { table in
            if let raced = table[key] { return raced }
            if table.count < cacheLimit { table[key] = created }
            return created
        }
    }

    // MARK: Helpers

    /// The endpoint's position in `allCases`: a new endpoint needs no change here.
    static func routeIndex(_ endpoint: InferenceEndpoint) -> Int {
        InferenceEndpoint.all.firstIndex(of: endpoint) ?? 0
    }

    /// The status label: what the client was told; a stream that broke after it started counts
    /// as 502 (what the same failure before the start would have been), a client that left as
    /// 499 (nginx's "client closed request").
    static func status(of outcome: CompletionEvent.Outcome) -> Int {
        switch outcome {
        case .answered, .streamFinished: 200
        case .failed(let status, _): status
        case .streamFailed: 502
        case .clientGone: 499
        }
    }

    static func nanoseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return seconds &* 1_000_000_000 &+ attoseconds / 1_000_000_000
    }
}

/// Why the engine refused a request (the `reason` label of `gatewyse_rejections_total`).
enum RejectionReason: String, CaseIterable {
    case rateLimit = "rate_limit", budget, overloaded

    init?(code: String) {
        switch code {
        case "RATE_LIMIT_EXCEEDED": self = .rateLimit
        case "BUDGET_EXCEEDED": self = .budget
        case "OVERLOADED": self = .overloaded
        default: return nil
        }
    }

    var index: Int {
        switch self {
        case .rateLimit: 0
        case .budget: 1
        case .overloaded: 2
        }
    }
}

private struct RequestKey: Hashable {
    var provider: String
    var model: String
    var route: UInt8
    var status: Int16
}

/// Names a client chose that the route table does not declare, remembered with the `other`
/// series they count in, so that each request to one does not judge it again (a hash of the
/// names, a string built, two more lookups). Valid for one route table: when the serving
/// snapshot's resolver changes, every name is judged again. Bounded: once full it is emptied,
/// so endless distinct names cost only the judgment they always cost.
private struct OtherNames {
    static let limit = 4096
    /// Held, not only compared by identity: a freed table's address could be reused.
    private(set) var resolver: RouteResolver?
    var requests: [RequestKey: RequestSeries] = [:]
    var deployments: [DeploymentKey: DeploymentSeries] = [:]

    /// Keeps a judgment made under `judgedUnder`, unless the table changed meanwhile (the name
    /// is then judged again by its next request).
    mutating func remember<Key, Series>(_ key: Key, _ series: Series, in names: WritableKeyPath<OtherNames, [Key: Series]>,
                                        under judgedUnder: RouteResolver?) {
        guard resolver === judgedUnder else { return }
        if self[keyPath: names].count >= Self.limit { self[keyPath: names].removeAll() }
        self[keyPath: names][key] = series
    }

    /// A new route table: every name is judged again.
    mutating func renew(for current: RouteResolver) {
        guard resolver !== current else { return }
        self = OtherNames()
        resolver = current
    }
}

private struct DeploymentKey: Hashable {
    var provider: String
    var model: String
}

private struct GaugeKey: Hashable {
    var name: String
    var dimensions: [String]
}
