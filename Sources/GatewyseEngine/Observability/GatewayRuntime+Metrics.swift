import GatewyseRouting

extension GatewayRuntime {
    /// Sets the gauges that are read, not counted, just before a scrape is answered: breaker
    /// state and health of every configured deployment, free-tier quotas left, the usage
    /// queue's depth, open streams, requests in flight, and whether the process is draining.
    public func refreshMetricGauges() {
        guard let metrics else { return }
        let now = routing.clock()
        let health = routing.health.snapshot(at: now)
        for id in engine.snapshot.resolver.configuredDeployments {
            guard let slash = id.firstIndex(of: "/") else { continue }
            let labels = [("provider", String(id[..<slash])), ("model", String(id[id.index(after: slash)...]))]
            let state = health.deployments[id] ?? DeploymentHealth()
            for phase in [CircuitBreaker.Phase.closed, .open, .halfOpen] {
                metrics.setGauge(MetricNames.circuitBreaker, labels + [("state", phase.rawValue)], to: state.breaker == phase ? 1 : 0)
            }
            for status in HealthStatus.allCases {
                metrics.setGauge(MetricNames.deploymentHealth, labels + [("status", status.rawValue)], to: state.status == status ? 1 : 0)
            }
        }
        for quota in routing.freeTier.remainingAll(at: now) {
            metrics.setGauge(MetricNames.freeTierRemaining,
                             [("quota", quota.key), ("metric", quota.limit.metric.rawValue), ("window", quota.limit.window.rawValue)],
                             to: Double(quota.remaining))
        }
        metrics.setGauge(MetricNames.usageQueueDepth, [], to: Double(usage.depth))
        metrics.setGauge(MetricNames.openStreams, [], to: Double(engine.drain.openStreams))
        metrics.setGauge(MetricNames.inFlight, [], to: Double(engine.requestsInFlight))
        metrics.setGauge(MetricNames.draining, [], to: engine.drain.isDraining ? 1 : 0)
        if let tracer {
            metrics.setGauge(MetricNames.traceQueueDepth, [], to: Double(tracer.queue.count))
            metrics.reportDroppedSpans(total: tracer.queue.dropped)
        }
    }
}
