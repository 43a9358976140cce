import GatewyseEngine
import GatewyseStorage
import Logging
import ServiceLifecycle

/// Writes the usage queue (`GatewayRuntime.usage`) to the store (decisions/0011): every
/// `interval`, or sooner once the recorder's batch of records waits (it rings `flushDue`,
/// decisions/0037: nothing polls the queue); after a failed write it waits longer each time (up
/// to 30 s) and tries again, the records and their journal segments kept meanwhile. It runs
/// before the app in the service group, so at shutdown it stops after the HTTP server has
/// drained, flushes once more and closes the journal.
struct UsageFlusher: Service {
    let usage: UsageRecorder
    let store: any UsageStore
    var interval: Duration = .seconds(1)
    let logger: Logger

    static let maxBackoff: Duration = .seconds(30)

    func run() async throws {
        try? await cancelWhenGracefulShutdown {
            var backoff: Duration = .zero
            var reportedFailures = 0
            while true {
                do {
                    // While the store refuses, a full batch does not hurry the next try, which
                    // waits the interval at least.
                    if backoff == .zero { try await usage.flushDue.wait(upTo: interval) } else { try await Task.sleep(for: max(interval, backoff)) }
                } catch { return }
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
        let failures = usage.journalWriteFailures
        guard failures > reported else { return }
        logger.error("usage journal: lines could not be written (disk full?); their records are queued but would not survive a crash",
                     metadata: ["failedLines": "\(failures - reported)"])
        reported = failures
    }

    private func flush() async -> Bool {
        do {
            try await usage.flush(to: store, logger: logger)
            return true
        } catch {
            logger.warning("could not store usage records; kept with their journal for the next try",
                           metadata: ["error": "\(error)", "queued": "\(usage.depth)"])
            return false
        }
    }
}
