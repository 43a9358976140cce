import GatewyseEngine
import ServiceLifecycle

/// Keeps the live requests feed's connections honest: a heartbeat every `heartbeat` (a client
/// that left is found out when it cannot be written to, and proxies keep the stream open), and,
/// once the process starts draining, the end of every feed, so that open dashboards do not hold
/// the graceful shutdown up. It runs until the group shuts down (a service that returns early
/// would end the whole group).
struct RequestFeedService: Service {
    let feed: RequestFeed
    let drain: DrainState
    var heartbeat: Duration = .seconds(15)

    func run() async throws {
        try? await cancelWhenGracefulShutdown {
            while true {
                // Woken by the drain's start (decisions/0037), else once per heartbeat.
                do { try await drain.began.wait(upTo: heartbeat) } catch { return }
                if drain.isDraining {
                    feed.close()
                } else {
                    feed.heartbeat()
                }
            }
        }
        feed.close()
    }
}
