import GatewyseEngine
import GatewyseStorage
import Logging
import ServiceLifecycle

/// Keeps the request path's snapshot in step with the store (admin-api.md §4: a change reaches
/// every replica within 2 seconds), without a database round trip per request: it polls
/// `store.revision()` every `interval` as the safety net, and, on a store that pushes changes
/// (PostgreSQL's LISTEN/NOTIFY, `RevisionWatching`), reloads as soon as one is announced. A
/// failed reload is logged and tried again at the next poll; it never stops the gateway, and
/// the previous snapshot keeps serving meanwhile.
struct ControlPlaneWatcher: Service {
    let runtime: GatewayRuntime
    var interval: Duration = .seconds(1)
    let logger: Logger

    func run() async throws {
        try? await cancelWhenGracefulShutdown {
            await withDiscardingTaskGroup { group in
                if let watching = runtime.store as? any RevisionWatching {
                    group.addTask { await watch(watching) }
                }
                group.addTask { await poll() }
            }
        }
    }

    private func poll() async {
        while true {
            do { try await Task.sleep(for: interval) } catch { return }
            await check(revision: nil)
        }
    }

    /// `watchRevisions` reconnects by itself; should it give up with an error, it is started
    /// again after a pause (polling goes on meanwhile).
    private func watch(_ watching: any RevisionWatching) async {
        while !Task.isCancelled {
            do {
                try await watching.watchRevisions { revision in await check(revision: revision) }
                return
            } catch {
                if Task.isCancelled { return }
                logger.warning("control-plane change notifications failed; polling meanwhile", metadata: ["error": "\(error)"])
                do { try await Task.sleep(for: .seconds(5)) } catch { return }
            }
        }
    }

    private func check(revision: Int64?) async {
        do {
            let before = runtime.loadedRevision
            if try await runtime.reloadIfChanged(revision: revision) {
                logger.info("control plane reloaded", metadata: ["from": "\(before)", "to": "\(runtime.loadedRevision)"])
            }
        } catch {
            if Task.isCancelled { return }
            logger.error("control-plane reload failed; the previous snapshot keeps serving", metadata: ["error": "\(error)"])
        }
    }
}

/// Writes key last-use times (`GatewayRuntime.keyUses`, recorded in memory from completion
/// events) to the store in batches, every `interval` and once more at shutdown, after the HTTP
/// server has drained (it runs before the app in the service group, so it stops after it). A
/// failed write keeps the batch for the next one.
struct KeyUseFlusher: Service {
    let runtime: GatewayRuntime
    var interval: Duration = .seconds(2)
    let logger: Logger

    func run() async throws {
        try? await cancelWhenGracefulShutdown {
            while true {
                do { try await Task.sleep(for: interval) } catch { return }
                await flush()
            }
        }
        await flush()
    }

    private func flush() async {
        do {
            try await runtime.keyUses.flush(to: runtime.store)
        } catch {
            logger.warning("could not record key use; kept for the next flush", metadata: ["error": "\(error)"])
        }
    }
}
