import GatewyseEngine
import Logging
import ServiceLifecycle

/// Writes the usage queue (`GatewayRuntime.usage`) to the store (decisions/0011): every
/// `interval`, or sooner once `batch` records wait; after a failed write it waits longer each
/// time (up to 30 s) and tries again, the records and their journal segments kept meanwhile. It
/// runs before the app in the service group, so at shutdown it stops after the HTTP server has
/// drained, flushes once more and closes the journal.
struct UsageFlusher: Service {
    let runtime: GatewayRuntime
    var interval: Duration = .seconds(1)
    var batch = 500
    let logger: Logger

    /// How often the queue's length is looked at between flushes (a lock and a count).
    static let tick: Duration = .milliseconds(50)
    static let maxBackoff: Duration = .seconds(30)

    func run() async throws {
        let usage = runtime.usage
        try? await cancelWhenGracefulShutdown {
            var waited: Duration = .zero
            var backoff: Duration = .zero
            var reportedFailures = 0
            while true {
                do { try await Task.sleep(for: Self.tick) } catch { return }
                waited += Self.tick
                let due = waited >= max(interval, backoff) || (backoff == .zero && usage.pendingCount >= batch)
                guard due else { continue }
                waited = .zero
                reportJournalFailures(since: &reportedFailures)
                if await flush() {
                    backoff = .zero
                } else {
                    backoff = backoff == .zero ? .milliseconds(500) : min(backoff * 2, Self.maxBackoff)
                }
            }
        }
        _ = await flush()
        usage.close()
    }

    /// Logs lines the journal could not write since the last report (once per flush, not per request).
    private func reportJournalFailures(since reported: inout Int) {
        let failures = runtime.usage.journalWriteFailures
        guard failures > reported else { return }
        logger.error("usage journal: lines could not be written (disk full?); their records are queued but would not survive a crash",
                     metadata: ["failedLines": "\(failures - reported)"])
        reported = failures
    }

    private func flush() async -> Bool {
        do {
            try await runtime.usage.flush(to: runtime.store, logger: logger)
            return true
        } catch {
            logger.warning("could not store usage records; kept with their journal for the next try",
                           metadata: ["error": "\(error)", "queued": "\(runtime.usage.depth)"])
            return false
        }
    }
}
