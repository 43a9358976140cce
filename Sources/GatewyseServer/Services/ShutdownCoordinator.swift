#if canImport(Glibc)
import Glibc
#endif
import GatewyseEngine
import Logging
import ServiceLifecycle
import UnixSignals

/// SIGTERM and SIGINT for `gatewyse serve` (decisions/0015). The first signal starts the drain:
/// `/readyz` answers 503 at once (`DrainState`), the listener keeps accepting for
/// `server.shutdown_delay_ms` so load balancers see that first, then this service returns and
/// the service group shuts down gracefully in reverse order — the HTTP server stops accepting
/// and waits for requests and streams in flight (streams still open after
/// `server.drain_timeout_ms` end with an in-band `SHUTTING_DOWN` error), then the usage and
/// key-use flushers write what those requests recorded. A second signal exits at once (the usage
/// journal on disk keeps what was not stored; the next start replays it).
///
/// It must be the first service of the group, so that it is the last asked to stop.
struct ShutdownCoordinator: Service {
    let drain: DrainState
    let shutdownDelay: Duration
    let drainTimeout: Duration
    let logger: Logger
    /// Called before an immediate exit (flushes the log sink).
    let beforeExit: @Sendable () -> Void

    func run() async throws {
        let (first, continuation) = AsyncStream<UnixSignal>.makeStream()
        let logger = self.logger, beforeExit = self.beforeExit
        // Detached: it must keep watching after `run` returns, until the process ends.
        Task.detached {
            var seen = 0
            for await signal in await UnixSignalsSequence(trapping: .sigterm, .sigint) {
                seen += 1
                if seen == 1 {
                    continuation.yield(signal)
                    continuation.finish()
                } else {
                    logger.warning("second signal: exiting now", metadata: ["signal": "\(signal)"])
                    beforeExit()
                    _exit(signal == .sigint ? 130 : 143)
                }
            }
        }
        // The first signal, or a graceful shutdown the group was asked for some other way.
        let signal = await withGracefulShutdownHandler {
            var iterator = first.makeAsyncIterator()
            return await iterator.next()
        } onGracefulShutdown: {
            continuation.finish()
        }
        drain.begin(timeout: shutdownDelay + drainTimeout)
        let signalName = signal.map { String(describing: $0) } ?? "none"
        logger.notice("shutting down: not ready, draining", metadata: [
            "signal": "\(signalName)", "shutdown_delay_ms": "\(Self.milliseconds(shutdownDelay))",
            "drain_timeout_ms": "\(Self.milliseconds(drainTimeout))",
        ])
        if shutdownDelay > .zero { try? await Task.sleep(for: shutdownDelay) }
    }

    static func milliseconds(_ duration: Duration) -> Int64 {
        duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
    }
}
