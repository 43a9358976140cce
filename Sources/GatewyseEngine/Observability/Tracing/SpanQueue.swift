import Synchronization

/// Finished spans waiting for the exporter: bounded, so a slow or absent collector costs
/// memory up to `capacity` spans and no more. A span that finds the queue full is dropped and
/// counted (`dropped`), never waited for: the request path does not block on tracing.
public final class SpanQueue: Sendable {
    public let capacity: Int
    /// Spans waiting past which the exporter is woken before its interval (`batchReady`).
    public let batchSize: Int
    /// Rung whenever a full batch waits that no ring announced yet — the queue grew to
    /// `batchSize`, or a take left a full one behind (spans that came during a slow POST) — so
    /// the exporter waits on it instead of polling the queue's length (decisions/0037).
    public let batchReady = Doorbell()
    private let spans: Mutex<[SpanRecord]>
    private let droppedCount = Atomic<Int>(0)

    public init(capacity: Int, batchSize: Int = .max) {
        self.capacity = capacity
        self.batchSize = max(batchSize, 1)
        spans = Mutex([])
    }

    /// Appends what fits; the rest is counted as dropped.
    func push(_ records: [SpanRecord]) {
        let (refused, reachedBatch) = spans.withLock { queue -> (Int, Bool) in
            let before = queue.count
            let room = max(0, capacity - before)
            let taken = min(room, records.count)
            queue.append(contentsOf: records.prefix(taken))
            // Once per crossing: above it the exporter is already on its way.
            return (records.count - taken, before < batchSize && queue.count >= batchSize)
        }
        if refused > 0 { droppedCount.add(refused, ordering: .relaxed) }
        if reachedBatch { batchReady.ring() }
    }

    /// Up to `limit` spans, oldest first, removed from the queue.
    public func take(upTo limit: Int) -> [SpanRecord] {
        let (batch, fullLeft) = spans.withLock { queue in
            let count = min(limit, queue.count)
            let batch = Array(queue.prefix(count))
            queue.removeFirst(count)
            return (batch, queue.count >= batchSize)
        }
        if fullLeft { batchReady.ring() }
        return batch
    }

    public var count: Int { spans.withLock { $0.count } }

    /// Spans dropped since the start: the queue was full, or the exporter gave up on a batch.
    public var dropped: Int { droppedCount.load(ordering: .relaxed) }

    /// Counts spans the exporter could not deliver.
    public func countDropped(_ count: Int) {
        droppedCount.add(count, ordering: .relaxed)
    }
}
