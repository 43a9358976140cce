import Synchronization

/// Finished spans waiting for the exporter: bounded, so a slow or absent collector costs
/// memory up to `capacity` spans and no more. A span that finds the queue full is dropped and
/// counted (`dropped`), never waited for: the request path does not block on tracing.
public final class SpanQueue: Sendable {
    public let capacity: Int
    private let spans: Mutex<[SpanRecord]>
    private let droppedCount = Atomic<Int>(0)

    public init(capacity: Int) {
        self.capacity = capacity
        spans = Mutex([])
    }

    /// Appends what fits; the rest is counted as dropped.
    func push(_ records: [SpanRecord]) {
        let refused = spans.withLock { queue -> Int in
            let room = max(0, capacity - queue.count)
            if room >= records.count {
                queue.append(contentsOf: records)
                return 0
            }
            queue.append(contentsOf: records.prefix(room))
            return records.count - room
        }
        if refused > 0 { droppedCount.add(refused, ordering: .relaxed) }
    }

    /// Up to `limit` spans, oldest first, removed from the queue.
    public func take(upTo limit: Int) -> [SpanRecord] {
        spans.withLock { queue in
            let count = min(limit, queue.count)
            let batch = Array(queue.prefix(count))
            queue.removeFirst(count)
            return batch
        }
    }

    public var count: Int { spans.withLock { $0.count } }

    /// Spans dropped since the start: the queue was full, or the exporter gave up on a batch.
    public var dropped: Int { droppedCount.load(ordering: .relaxed) }

    /// Counts spans the exporter could not deliver.
    public func countDropped(_ count: Int) {
        droppedCount.add(count, ordering: .relaxed)
    }
}
