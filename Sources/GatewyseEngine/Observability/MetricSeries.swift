import CoreMetrics
import GatewyseCore
import Synchronization

/// The handles of one (route, provider, requested model, status): made once, then only
/// incremented (`GatewayMetrics`).
final class RequestSeries: Sendable {
    let requests: CoreMetrics.Counter
    let duration: CoreMetrics.Timer
    let timeToFirstToken: CoreMetrics.Timer
    let overhead: CoreMetrics.Timer
    /// Tokens, cost and attempts of the answering deployment; nil when no provider was chosen.
    let deployment: DeploymentSeries?

    init(factory: any MetricsFactory, route: String, provider: String, model: String, status: Int, deployment: DeploymentSeries?) {
        let labels = [("route", route), ("provider", provider), ("model", model)]
        requests = CoreMetrics.Counter(label: MetricNames.requests, dimensions: labels + [("status", String(status))], factory: factory)
        duration = CoreMetrics.Timer(label: MetricNames.requestDuration, dimensions: labels + [("status", String(status))], factory: factory)
        timeToFirstToken = CoreMetrics.Timer(label: MetricNames.timeToFirstToken, dimensions: labels, factory: factory)
        overhead = CoreMetrics.Timer(label: MetricNames.overhead, dimensions: [("route", route)], factory: factory)
        self.deployment = deployment
    }
}

/// The handles of one deployment (provider, upstream model): tokens, cost, attempts, failures.
final class DeploymentSeries: Sendable {
    let inputTokens: CoreMetrics.Counter
    let outputTokens: CoreMetrics.Counter
    let cachedTokens: CoreMetrics.Counter
    let reasoningTokens: CoreMetrics.Counter
    let inputUsage: Recorder
    let outputUsage: Recorder
    let cost: FloatingPointCounter
    let attempts: CoreMetrics.Counter
    private let failures: Mutex<[GatewayMetrics.FailureReason: CoreMetrics.Counter]>
    private let factory: any MetricsFactory
    private let provider: String
    private let model: String

    init(factory: any MetricsFactory, provider: String, model: String) {
        self.factory = factory
        self.provider = provider
        self.model = model
        let labels = [("provider", provider), ("model", model)]
        func tokens(_ type: String) -> CoreMetrics.Counter {
            CoreMetrics.Counter(label: MetricNames.tokens, dimensions: labels + [("token_type", type)], factory: factory)
        }
        inputTokens = tokens("input")
        outputTokens = tokens("output")
        cachedTokens = tokens("cached")
        reasoningTokens = tokens("reasoning")
        inputUsage = Recorder(label: MetricNames.tokenUsage, dimensions: labels + [("token_type", "input")], aggregate: true, factory: factory)
        outputUsage = Recorder(label: MetricNames.tokenUsage, dimensions: labels + [("token_type", "output")], aggregate: true, factory: factory)
        cost = FloatingPointCounter(label: MetricNames.cost, dimensions: labels, factory: factory)
        attempts = CoreMetrics.Counter(label: MetricNames.upstreamAttempts, dimensions: labels, factory: factory)
        failures = Mutex([:])
    }

    func record(_ usage: Usage) {
        let input = max(usage.promptTokens, 0), output = max(usage.completionTokens, 0)
        inputTokens.increment(by: Int64(input))
        outputTokens.increment(by: Int64(output))
        if let cached = usage.cachedPromptTokens, cached > 0 { cachedTokens.increment(by: Int64(cached)) }
        if let reasoning = usage.reasoningTokens, reasoning > 0 { reasoningTokens.increment(by: Int64(reasoning)) }
        inputUsage.record(input)
        outputUsage.record(output)
    }

    /// Made the first time a reason occurs, so a healthy deployment shows no failure series.
    func failure(_ reason: GatewayMetrics.FailureReason) -> CoreMetrics.Counter {
        failures.withLock { failures in
            if let counter = failures[reason] { return counter }
            let counter = CoreMetrics.Counter(label: MetricNames.upstreamFailures,
                                              dimensions: [("provider", provider), ("model", model), ("reason", reason.rawValue)], factory: factory)
            failures[reason] = counter
            return counter
        }
    }
}
