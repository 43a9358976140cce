#if DEBUG
import NIOConcurrencyHelpers

/// Debug builds only, for tests: weak references to per-request objects, so that a test can tell
/// a retain cycle (the object stays alive) from a release, without timing or memory figures.
/// Absent from release builds, so the request path pays nothing for it.
final class LiveObjects: Sendable {
    private struct Entry: @unchecked Sendable {
        // @unchecked: only read and written under `state`'s lock.
        weak var object: AnyObject?
    }

    private struct State {
        var entries: [Entry] = []
        var tracked = 0
    }

    private let state = NIOLockedValueBox(State())

    func track(_ object: AnyObject) {
        state.withLockedValue {
            $0.entries.removeAll { $0.object == nil }
            $0.entries.append(Entry(object: object))
            $0.tracked += 1
        }
    }

    /// Objects tracked so far, released or not.
    var tracked: Int { state.withLockedValue { $0.tracked } }

    /// Tracked objects still alive.
    var alive: Int {
        state.withLockedValue {
            $0.entries.removeAll { $0.object == nil }
            return $0.entries.count
        }
    }
}
#endif
