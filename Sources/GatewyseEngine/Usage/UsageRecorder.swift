import GatewyseCore
import GatewyseStorage
import Logging
import Synchronization

/// Takes every completion event off the request path as a `UsageRecord` (decisions/0011):
/// the record's journal line is written (one `write(2)`) and the record queued in memory before
/// the observer returns — and the engine fires the event before the client receives the end of
/// its answer — so a record exists on disk for every answer a client saw complete. The usage
/// flusher (a background service) hands the queue to the store in batches; the journal segment
/// that holds a batch is removed once the store has it.
///
/// The queue is bounded: past `capacity` records not yet stored, `UsageBackpressure` refuses new
/// requests (503 `OVERLOADED`, `Retry-After`), so records are never dropped.
public final class UsageRecorder: CompletionObserver {
    private struct State {
        var journal: UsageJournal?
        var pending: [UsageRecord] = []
        /// Reused for every line: the request path allocates no buffer of its own.
        let line = UsageJournalLineBuffer()
    }

    /// Records handed over by `seal` and not yet acknowledged by the store, oldest first.
    private struct Sealed {
        var records: [UsageRecord]
        var segment: UsageJournal.Segment?
    }

    public let capacity: Int
    /// Records waiting past which the flusher is woken before its interval is up (`flushDue`).
    public let flushBatch: Int
    /// Rung when `flushBatch` records wait: the usage flusher waits on it instead of polling
    /// the queue's length (decisions/0037).
    public let flushDue = Doorbell()
    /// Where segments are written; nil keeps records in memory only (`memory:` databases, whose
    /// store dies with the process anyway).
    public let journalDirectory: String?
    private let state = Mutex(State())
    private let unflushed = Mutex<[Sealed]>([])
    /// Records not yet stored (pending + sealed): the admission check reads only this.
    private let queued = Atomic<Int>(0)
    private let journalFailures = Atomic<Int>(0)
    private let clock: @Sendable () -> Int64
    /// One flush at a time: two at once would both store the first sealed batch and then both
    /// remove it (the second from an empty list). The flusher service is the only caller while
    /// serving, but shutdown, replay and callers that flush on demand must not race it.
    private let flushGate = SerialGate()

    /// `clock`: Unix milliseconds, the records' time.
    /// Whether journal segments are mapped (decisions/0030); nil lets the file system decide.
    let mapsJournal: Bool?

    public init(capacity: Int, journalDirectory: String?, flushBatch: Int = 500, clock: @escaping @Sendable () -> Int64 = UnixClock.milliseconds,
                mapsJournal: Bool? = nil) {
        self.capacity = capacity
        self.flushBatch = max(flushBatch, 1)
        self.journalDirectory = journalDirectory
        self.clock = clock
        self.mapsJournal = mapsJournal
    }

    /// Records waiting for the store.
    public var depth: Int { queued.load(ordering: .relaxed) }

    /// Whether new requests must wait for the store to catch up.
    public var isFull: Bool { depth >= capacity }

    /// Lines that could not be written to the journal (disk full…): their records are still
    /// queued and stored, but would not survive a crash before the next flush.
    public var journalWriteFailures: Int { journalFailures.load(ordering: .relaxed) }

    // MARK: The request path

    public func requestCompleted(_ event: CompletionEvent) {
        // Load-shedding refusals (the in-flight limit, this queue's own bound) used nothing;
        // recording them would grow the very queue that is full.
        if case .failed(503, "OVERLOADED") = event.outcome { return }
        guard let principal = event.principal else { return }
        // The id and time first: with calls among its arguments, the event was copied whole
        // (a retain and a release per field) to keep it across them.
        let id = IDGenerator.usageRecordID(), time = clock()
        // Made as the argument, so it is moved into `record`, not copied out of an optional.
        record(.completed(event, principal: principal, id: id, time: time))
    }

    /// Journals and queues one record.
    public func record(_ record: consuming UsageRecord) {
        // Moved into the queue, not copied (a copy is a retain per string field, per request).
        var moving = Optional(consume record)
        let (written, waiting) = state.withLock { state -> (Bool, Int) in
            let written = Self.enqueue(moving.take()!, in: &state)
            // Counted under the lock, so a concurrent flush never subtracts it first.
            queued.add(1, ordering: .relaxed)
            return (written, state.pending.count)
        }
        if !written { journalFailures.add(1, ordering: .relaxed) }
        // Once per batch: past it the flusher is already on its way.
        if waiting == flushBatch { flushDue.ring() }
    }

    /// Journals the record, then moves it into the queue; returns whether its line was written.
    /// An owned parameter, so the encoder borrows it: read back from the queue (`pending[last]`)
    /// or out of the optional (`moving!`) it was copied, a retain and a release per field.
    private static func enqueue(_ record: consuming UsageRecord, in state: inout State) -> Bool {
        var written = true
        if let journal = state.journal {
            UsageJournalLine.encode(record, into: state.line)
            written = journal.append(state.line.bytes)
        }
        state.pending.append(record)
        return written
    }

    // MARK: Start, flush, stop (one caller at a time: bootstrap, then the flusher service)

    /// Before serving: stores every record of the segments dead processes left (idempotent),
    /// removes them, then opens this process's journal. A damaged or torn line is skipped,
    /// counted and logged; it never stops the start.
    @discardableResult
    public func start(replayingInto store: any UsageStore, logger: Logger) async throws -> (records: Int, skippedLines: Int) {
        guard let journalDirectory else { return (0, 0) }
        var records = 0, skipped = 0
        for leftover in try UsageJournal.leftovers(in: journalDirectory) {
            if leftover.skippedLines > 0 {
                logger.warning("usage journal: skipped unreadable lines (a write torn by a crash)",
                               metadata: ["segment": "\(leftover.segment.path)", "lines": "\(leftover.skippedLines)"])
            }
            var start = 0
            while start < leftover.records.count {
                let end = min(start + 5000, leftover.records.count)
                try await store.appendUsage(Array(leftover.records[start..<end]))
                start = end
            }
            leftover.segment.remove()
            records += leftover.records.count
            skipped += leftover.skippedLines
        }
        if records > 0 || skipped > 0 {
            logger.notice("usage journal replayed", metadata: ["records": "\(records)", "skippedLines": "\(skipped)"])
        }
        let journal = try UsageJournal(directory: journalDirectory, mapped: mapsJournal)
        state.withLock { $0.journal = journal }
        return (records, skipped)
    }

    /// Hands everything queued to the store: seals the pending records with their segment, then
    /// writes each sealed batch in order and recycles its segment (decisions/0030). On a store failure the batch
    /// and its segment are kept (and retried first next time) and the error is thrown.
    /// Returns the number of records stored.
    @discardableResult
    public func flush(to store: any UsageStore, logger: Logger? = nil) async throws -> Int {
        try await flushGate.run { try await flushSerially(to: store, logger: logger) }
    }

    private func flushSerially(to store: any UsageStore, logger: Logger?) async throws -> Int {
        seal(logger: logger)
        var stored = 0
        while let batch = unflushed.withLock({ $0.first }) {
            // The segment's lines are the batch's records, encoded, when it holds exactly them
            // (a line that failed to go in leaves it short): a store that keeps lines takes
            // them as they are instead of encoding the records again (decisions/0035).
            let lines = batch.segment.flatMap { $0.lines == batch.records.count ? $0.writtenBytes() : nil }
            try await store.appendUsage(batch.records, journalLines: lines)
            if let segment = batch.segment {
                // Its lines are stored: zeroed here (no one else touches a sealed segment), then
                // given back to the journal as the next segment to write.
                segment.clear()
                state.withLock { state in
                    if let journal = state.journal { journal.recycle(segment) } else { segment.remove() }
                }
            }
            unflushed.withLock { _ = $0.removeFirst() }
            queued.subtract(batch.records.count, ordering: .relaxed)
            stored += batch.records.count
        }
        return stored
    }

    /// Records waiting that are not yet sealed.
    public var pendingCount: Int { state.withLock { $0.pending.count } }

    private func seal(logger: Logger?) {
        state.withLock { state in
            guard !state.pending.isEmpty else { return }
            var segment: UsageJournal.Segment?
            if let journal = state.journal {
                do {
                    segment = try journal.rotate()
                } catch {
                    // The current segment goes on; it is sealed at a later rotation.
                    logger?.error("usage journal: cannot start a new segment", metadata: ["error": "\(error)"])
                }
            }
            let records = state.pending
            state.pending.removeAll(keepingCapacity: true)
            // Handed over under the same lock, so that `unstoredTotals` never misses a batch
            // between the two lists.
            unflushed.withLock { $0.append(Sealed(records: records, segment: segment)) }
        }
    }

    /// What the records not yet in the store add to `UsageStore.usageTotals` for one scope —
    /// read before the store, so that a record is counted twice at worst, never missed (the
    /// budgets' counters are built from both).
    public func unstoredTotals(tenantID: String, scope: UsageScope, scopeID: String, since: Int64) -> UsageTotals {
        state.withLock { state in
            var totals = UsageTotals()
            func add(_ record: UsageRecord) {
                totals.add(record, tenantID: tenantID, scope: scope, scopeID: scopeID, since: since)
            }
            for record in state.pending { add(record) }
            unflushed.withLock { batches in
                for batch in batches { for record in batch.records { add(record) } }
            }
            return totals
        }
    }

    /// At shutdown, after the last flush: closes the journal (an empty segment is removed; one
    /// whose records did not reach the store stays for the next start).
    public func close() {
        state.withLock { state in
            state.journal?.close()
            state.journal = nil
        }
    }
}
