import GatewyseEngine
import Logging
import ServiceLifecycle

/// Keeps a replica's budgets and rate limits in step with the store the replicas share
/// (decisions/0018): every `interval` it reports what this replica spent and counted, renews
/// the budget leases it holds, gives back idle ones, and reads the other replicas' totals back.
/// On shutdown, one last sync gives every lease back so the others can use it at once.
struct ReplicaSyncService: Service {
    let runtime: GatewayRuntime
    var interval: Duration = .milliseconds(100)
    let logger: Logger

    func run() async throws {
        try? await cancelWhenGracefulShutdown {
            var failing = false
            while true {
                do {
                    try await runtime.syncReplicaCounters()
                    if failing { logger.info("replica counters sync recovered") }
                    failing = false
                } catch {
                    if !failing { logger.warning("replica counters sync failed; retrying", metadata: ["error": "\(String(describing: type(of: error)))"]) }
                    failing = true
                }
                do { try await Task.sleep(for: interval) } catch { return }
            }
        }
        do {
            try await runtime.syncReplicaCounters(final: true)
        } catch {
            logger.warning("final replica counters sync failed; the budget leases expire on their own",
                           metadata: ["error": "\(String(describing: type(of: error)))"])
        }
    }
}
