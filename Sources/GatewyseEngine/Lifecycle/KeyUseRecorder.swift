import GatewyseStorage
import Synchronization

/// Remembers when each key was last used, in memory, from the completion events (every request
/// whose key authenticated, refused by governance or not); a background service hands the
/// batch to `ControlPlaneStore.recordKeyUse` every few seconds and at shutdown
/// (ARCHITECTURE §6: no database write per request).
public final class KeyUseRecorder: CompletionObserver {
    private struct Use {
        var tenantID: String
        var time: Int64
    }

    private let pending = Mutex<[String: Use]>([:])
    private let clock: @Sendable () -> Int64

    public init(clock: @escaping @Sendable () -> Int64) {
        self.clock = clock
    }

    public func requestCompleted(_ event: CompletionEvent) {
        guard let principal = event.principal else { return }
        let now = clock()
        // Another request of the key recorded this second already (the common case under load).
        guard principal.claimUse(at: now) else { return }
        record(tenantID: principal.tenantID, keyID: principal.keyID, at: now)
    }

    private func record(tenantID: String, keyID: String, at now: Int64) {
        pending.withLock { uses in
            // Same key and second as the last one: nothing to change (the common case under load).
            if let use = uses[keyID], use.time >= now { return }
            uses[keyID] = Use(tenantID: tenantID, time: now)
        }
    }

    /// Takes what was recorded since the last call.
    public func drain() -> [KeyUse] {
        let taken = pending.withLock { uses in
            let taken = uses
            uses = [:]
            return taken
        }
        return taken.map { KeyUse(tenantID: $0.value.tenantID, keyID: $0.key, time: $0.value.time) }
    }

    /// Puts back a batch the store did not take, keeping newer times recorded meanwhile.
    public func restore(_ batch: [KeyUse]) {
        pending.withLock { uses in
            for use in batch where (uses[use.keyID]?.time ?? .min) < use.time {
                uses[use.keyID] = Use(tenantID: use.tenantID, time: use.time)
            }
        }
    }

    /// Hands everything recorded to the store; on failure the batch is kept for the next flush.
    public func flush(to store: any ControlPlaneStore) async throws {
        let batch = drain()
        guard !batch.isEmpty else { return }
        do {
            try await store.recordKeyUse(batch)
        } catch {
            restore(batch)
            throw error
        }
    }
}
