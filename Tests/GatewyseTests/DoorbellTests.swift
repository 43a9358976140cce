import Foundation
import GatewyseCore
import GatewyseProviders
@testable import GatewyseEngine
@testable import GatewyseServer
import GatewyseStorage
import Logging
import ServiceLifecycle
import Synchronization
import Testing

/// The background services wait on a `Doorbell` instead of polling (decisions/0037): what rings
/// wakes them at once, nothing else does before their interval, and a ring is never lost.
@Suite("Doorbell and the services that wait on it", .timeLimit(.minutes(1)))
struct DoorbellTests {
    /// Generous: a loaded CI machine may be slow to schedule the woken task, and a wait that
    /// was not woken runs for the full minute these tests give it.
    static let prompt: Duration = .seconds(10)

    static func elapsed(_ body: () async throws -> Void) async rethrows -> Duration {
        let start = ContinuousClock.now
        try await body()
        return ContinuousClock.now - start
    }

    @Test("a ring wakes the waiting task at once; an unrung wait lasts its timeout")
    func ringWakesWaiter() async throws {
        let bell = Doorbell()
        let waiter = Task { try await Self.elapsed { try await bell.wait(upTo: .seconds(60)) } }
        try await Task.sleep(for: .milliseconds(100))
        bell.ring()
        #expect(try await waiter.value < Self.prompt)

        let unrung = try await Self.elapsed { try await bell.wait(upTo: .milliseconds(200)) }
        #expect(unrung >= .milliseconds(200))
    }

    @Test("a ring with nobody waiting is kept for the next wait, once however many rings")
    func ringIsKept() async throws {
        let bell = Doorbell()
        bell.ring()
        bell.ring()
        #expect(try await Self.elapsed { try await bell.wait(upTo: .seconds(60)) } < Self.prompt)
        #expect(try await Self.elapsed { try await bell.wait(upTo: .milliseconds(200)) } >= .milliseconds(200))
    }

    @Test("cancelling the waiting task ends its wait at once with CancellationError")
    func cancelEndsWait() async throws {
        let bell = Doorbell()
        let waiter = Task { try await bell.wait(upTo: .seconds(60)) }
        try await Task.sleep(for: .milliseconds(100))
        let start = ContinuousClock.now
        waiter.cancel()
        await #expect(throws: CancellationError.self) { try await waiter.value }
        #expect(ContinuousClock.now - start < Self.prompt)
        // The bell still works for the next waiter.
        bell.ring()
        #expect(try await Self.elapsed { try await bell.wait(upTo: .seconds(60)) } < Self.prompt)
    }

    @Test("a task cancelled before it waits does not wait (its ring child was never stored)")
    func cancelledBeforeWaiting() async throws {
        let bell = Doorbell()
        let waiter = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            try await bell.wait(upTo: .seconds(60))
        }
        await #expect(throws: CancellationError.self) { try await waiter.value }
        bell.ring()
        #expect(try await Self.elapsed { try await bell.wait(upTo: .seconds(60)) } < Self.prompt)
    }

    /// A collector that takes a while to answer the first POST, while spans keep coming.
    final class SlowCollector: UpstreamTransport {
        let posts = Atomic<Int>(0)
        let duringFirst: @Sendable () -> Void
        init(duringFirst: @escaping @Sendable () -> Void) { self.duringFirst = duringFirst }
        func send(_ request: UpstreamRequest, timeouts: UpstreamSettings) async throws -> UpstreamResponse {
            if posts.add(1, ordering: .relaxed).newValue == 1 {
                try await Task.sleep(for: .milliseconds(100))
                duringFirst()
            }
            return UpstreamResponse(status: 200, headers: [], body: BudgetAlertTests.EmptyBody())
        }
    }

    @Test("the trace exporter exports a batch that filled during a slow POST without waiting its interval")
    func exporterDrainsFullBatches() async throws {
        var settings = TracingSettings()
        settings.endpoint = "http://127.0.0.1:4318/v1/traces"
        settings.batchSize = 2
        settings.exportInterval = 60
        let tracer = Tracer(settings: settings)
        let span = SpanRecord(traceID: TraceID(high: 1, low: 2), spanID: 3, parentSpanID: 0, name: "x", kind: .server,
                              startUnixNanos: 1, endUnixNanos: 2, attributes: [])
        // The queue stays above a batch across the first export: it never crosses one again.
        let collector = SlowCollector { tracer.queue.push([span, span, span]) }
        let exporter = try #require(TraceExporter(tracer: tracer, settings: settings, transport: collector, logger: Logger(label: "doorbell-test")))
        let running = Task { try await exporter.run() }
        // Two batches and one: the exporter takes two, the queue stays above a batch meanwhile.
        tracer.queue.push([span, span, span, span, span])
        let start = ContinuousClock.now
        while tracer.queue.count > 1 || collector.posts.load(ordering: .relaxed) < 3, ContinuousClock.now - start < Self.prompt {
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(tracer.queue.count <= 1)
        #expect(collector.posts.load(ordering: .relaxed) >= 3)
        running.cancel()
        _ = try? await running.value
    }

    @Test("the usage flusher stores a full batch at once, long before its interval")
    func flusherWokenByBatch() async throws {
        let store = InMemoryStore()
        let usage = UsageRecorder(capacity: 100, journalDirectory: nil, flushBatch: 3)
        let flusher = UsageFlusher(usage: usage, store: store, interval: .seconds(60), logger: Logger(label: "doorbell-test"))
        let running = Task { try await flusher.run() }
        for i in 0..<2 { usage.record(UsageRecorderTests.record(i)) }
        try await Task.sleep(for: .milliseconds(300))
        // Below the batch nothing hurries the flusher.
        #expect(usage.depth == 2)
        let start = ContinuousClock.now
        usage.record(UsageRecorderTests.record(2))
        while usage.depth > 0, ContinuousClock.now - start < Self.prompt { try await Task.sleep(for: .milliseconds(20)) }
        #expect(usage.depth == 0)
        let stored = try await store.recentRequests(RecentRequestsQuery(tenants: .all, limit: 10))
        #expect(Set(stored.map(\.id)) == ["usg_0", "usg_1", "usg_2"])
        // Stopped, it flushes what is left once more.
        usage.record(UsageRecorderTests.record(3))
        running.cancel()
        _ = try? await running.value
        #expect(usage.depth == 0)
    }

    @Test("a submitted cancel call rings the service that sends it")
    func cancellationRings() async throws {
        let cancellations = UpstreamCancellations()
        let request = UpstreamRequest(url: "http://127.0.0.1:9/cancel", headers: [], body: [], expectsStream: false)
        cancellations.submit(request)
        #expect(try await Self.elapsed { try await cancellations.waiting.wait(upTo: .seconds(60)) } < Self.prompt)
    }

    @Test("the span queue rings its exporter when it reaches a batch, once per crossing")
    func spanQueueRingsAtBatch() async throws {
        let queue = SpanQueue(capacity: 100, batchSize: 3)
        let span = SpanRecord(traceID: TraceID(high: 1, low: 2), spanID: 3, parentSpanID: 0, name: "x", kind: .server,
                              startUnixNanos: 1, endUnixNanos: 2, attributes: [])
        queue.push([span, span])
        #expect(try await Self.elapsed { try await queue.batchReady.wait(upTo: .milliseconds(200)) } >= .milliseconds(200))
        queue.push([span, span])
        #expect(try await Self.elapsed { try await queue.batchReady.wait(upTo: .seconds(60)) } < Self.prompt)
        // Still above the batch: no second ring until the exporter takes it below.
        queue.push([span])
        #expect(try await Self.elapsed { try await queue.batchReady.wait(upTo: .milliseconds(200)) } >= .milliseconds(200))
        _ = queue.take(upTo: 5)
        queue.push([span, span, span])
        #expect(try await Self.elapsed { try await queue.batchReady.wait(upTo: .seconds(60)) } < Self.prompt)
    }

    @Test("the drain's start rings what waits for it")
    func drainRings() async throws {
        let drain = DrainState()
        let waiter = Task { try await Self.elapsed { try await drain.began.wait(upTo: .seconds(60)) } }
        try await Task.sleep(for: .milliseconds(100))
        drain.begin(timeout: .seconds(1))
        #expect(try await waiter.value < Self.prompt)
        #expect(drain.isDraining)
    }
}
