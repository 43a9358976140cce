import GatewyseCore
import GatewyseEngine
import GatewyseProviders
import Logging
import ServiceLifecycle

/// Sends the tracer's finished spans to the configured OTLP/HTTP endpoint (decisions/0019), off
/// the request path: every `exportInterval`, or sooner once a batch is waiting (the queue rings
/// `batchReady`, decisions/0037), it takes up to
/// `batchSize` spans from the bounded queue, encodes them as OTLP JSON and POSTs them with the
/// gateway's own upstream client. A batch the collector refuses or cannot be reached for is
/// dropped and counted (`gatewyse_trace_spans_dropped_total`), not retried: traces are
/// diagnostics, and holding batches would only move the loss to the queue. It runs before the
/// app in the service group, so at shutdown it stops after the HTTP server drained and exports
/// what is left, within the export timeout per batch.
struct TraceExporter: Service {
    let tracer: Tracer
    let settings: TracingSettings
    let endpoint: String
    let transport: any UpstreamTransport
    let encoder: OTLPTraceEncoder
    let logger: Logger

    init?(tracer: Tracer?, settings: TracingSettings, transport: any UpstreamTransport, logger: Logger) {
        guard let tracer, let endpoint = settings.endpoint else { return nil }
        self.tracer = tracer
        self.settings = settings
        self.endpoint = endpoint
        self.transport = transport
        self.logger = logger
        encoder = OTLPTraceEncoder(serviceName: settings.effectiveServiceName, instanceID: "gw_" + IDGenerator.hex(bytes: 8))
    }

    func run() async throws {
        let interval = Duration.milliseconds(Int64(settings.exportInterval * 1000))
        try? await cancelWhenGracefulShutdown {
            var reportedDrops = 0
            while true {
                // Woken by a full batch (decisions/0037), else once per interval.
                do { try await tracer.queue.batchReady.wait(upTo: interval) } catch { return }
                let pending = tracer.queue.count
                guard pending > 0 else { continue }
                await exportPending(maximumBatches: max(1, pending / settings.batchSize))
                reportDrops(since: &reportedDrops)
            }
        }
        // Shutting down: what the drained requests left, batch after batch.
        await exportPending(maximumBatches: Int.max)
    }

    /// Exports up to `maximumBatches` batches; stops early once the queue is empty.
    private func exportPending(maximumBatches: Int) async {
        var batches = 0
        while batches < maximumBatches {
            let spans = tracer.queue.take(upTo: settings.batchSize)
            if spans.isEmpty { return }
            batches += 1
            await export(spans)
        }
    }

    /// One POST; a failure drops the batch and counts it.
    private func export(_ spans: [SpanRecord]) async {
        var headers: [(String, String)] = [("Content-Type", "application/json")]
        for (name, value) in settings.headers ?? [:] { headers.append((name, value.revealed)) }
        var request = UpstreamRequest(url: endpoint, headers: headers, body: encoder.encode(spans), expectsStream: false)
        // The operator's own collector: loopback and private addresses are expected.
        request.allowPrivateNetwork = true
        var timeouts = UpstreamSettings()
        timeouts.connectTimeout = min(settings.exportTimeout, 5)
        timeouts.firstByteTimeout = settings.exportTimeout
        timeouts.totalTimeout = settings.exportTimeout
        do {
            let response = try await transport.send(request, timeouts: timeouts)
            // Read the answer so the connection goes back to the pool.
            let body = (try? await response.collectBody(upTo: 64 * 1024)) ?? []
            guard (200..<300).contains(response.status) else {
                tracer.queue.countDropped(spans.count)
                logger.warning("trace export refused; its spans are dropped",
                               metadata: ["status": "\(response.status)", "spans": "\(spans.count)",
                                          "answer": "\(String(decoding: body.prefix(200), as: UTF8.self))"])
                return
            }
        } catch {
            tracer.queue.countDropped(spans.count)
            logger.warning("trace export failed; its spans are dropped", metadata: ["error": "\(error)", "spans": "\(spans.count)"])
        }
    }

    /// Logs spans dropped since the last report (once per export round, not per span).
    private func reportDrops(since reported: inout Int) {
        let dropped = tracer.queue.dropped
        guard dropped > reported else { return }
        logger.warning("trace spans dropped (queue full or export failed)", metadata: ["dropped": "\(dropped - reported)", "total": "\(dropped)"])
        reported = dropped
    }
}
