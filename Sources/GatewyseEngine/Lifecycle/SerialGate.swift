import Synchronization

/// Runs async work one call after another: snapshot reloads (they read the store and swap the
/// snapshot, and two at once would only do the same work twice) and usage flushes (two at once
/// would store one batch twice).
final class SerialGate: Sendable {
    private let busy = Mutex<(running: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, []))

    func run<T>(_ body: () async throws -> T) async throws -> T {
        await acquire()
        defer { release() }
        return try await body()
    }

    private func acquire() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let acquired = busy.withLock { state in
                if state.running {
                    state.waiters.append(continuation)
                    return false
                }
                state.running = true
                return true
            }
            if acquired { continuation.resume() }
        }
    }

    private func release() {
        let next = busy.withLock { state -> CheckedContinuation<Void, Never>? in
            if state.waiters.isEmpty {
                state.running = false
                return nil
            }
            return state.waiters.removeFirst()
        }
        next?.resume()
    }
}
