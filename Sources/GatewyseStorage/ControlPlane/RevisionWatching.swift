/// A store that can push revision changes instead of being polled (PostgreSQL: LISTEN/NOTIFY on
/// `gatewyse_changes`, notified in the transaction that bumps `control_revision`).
///
/// The runtime runs `watchRevisions` in its reload service: `onChange` receives the current
/// revision once the watch is in place (so a change made between the caller's last read and the
/// start of the watch is not missed), then every later revision as writers in any process commit
/// it, and the current one again after a lost connection is re-established if it moved meanwhile.
/// Revisions passed to `onChange` only grow; the caller compares them with the one its snapshot
/// was built from.
public protocol RevisionWatching: Sendable {
    /// Runs until the calling task is cancelled (then returns); reconnects on connection loss.
    func watchRevisions(_ onChange: @escaping @Sendable (Int64) async -> Void) async throws
}
