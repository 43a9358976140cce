import GatewyseEngine
import Logging
import ServiceLifecycle

/// Sends the cancel calls of upstream jobs the gateway gave up on (`UpstreamCancellations`:
/// a Replicate prediction whose client left, whose deadline passed, whose attempt failed over),
/// as they are submitted (it waits on `UpstreamCancellations.waiting`, decisions/0037), one
/// after the other with short timeouts: a call that fails is logged
/// and not retried (the job then runs to its end upstream). It runs before the app in the
/// service group, so at shutdown it sends the cancels of the requests the drain ended, once.
struct UpstreamCancellationService: Service {
    let cancellations: UpstreamCancellations
    let transport: any UpstreamTransport
    let settings: UpstreamSettings
    let logger: Logger
    /// How long the loop sleeps when nothing rings: only a safety net, every submit rings.
    var idle: Duration = .seconds(30)

    /// A cancel call is small and answered at once: it gets seconds, not the inference timeouts.
    var callSettings: UpstreamSettings {
        var short = settings
        short.firstByteTimeout = min(settings.firstByteTimeout, 10)
        short.totalTimeout = min(settings.totalTimeout, 10)
        return short
    }

    func run() async throws {
        try? await cancelWhenGracefulShutdown {
            while true {
                do { try await cancellations.waiting.wait(upTo: idle) } catch { return }
                await sendPending()
            }
        }
        await sendPending()
    }

    func sendPending() async {
        let timeouts = callSettings
        for request in cancellations.take() {
            do {
                let response = try await transport.send(request, timeouts: timeouts)
                _ = try? await response.collectBody(upTo: 64 * 1024)
                if !(200..<300).contains(response.status) {
                    logger.info("upstream job cancel refused", metadata: ["status": "\(response.status)"])
                }
            } catch {
                logger.info("upstream job cancel not sent", metadata: ["error": "\(error)"])
            }
        }
    }
}
