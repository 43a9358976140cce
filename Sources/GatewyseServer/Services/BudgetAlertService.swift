import GatewyseEngine
import Logging
import ServiceLifecycle

/// Drives the budget-alert monitor (decisions/0014): every `interval` it fires the thresholds
/// the budgets' counters reached and attempts the webhook deliveries that are due. Nothing is
/// lost when it stops: alerts are recorded before they are delivered, and pending deliveries
/// are read back from the store by the next process's first round.
struct BudgetAlertService: Service {
    let monitor: BudgetAlertMonitor
    var interval: Duration = .seconds(1)
    let logger: Logger

    func run() async throws {
        try? await cancelWhenGracefulShutdown {
            while true {
                await monitor.tick()
                do { try await Task.sleep(for: interval) } catch { return }
            }
        }
    }
}
