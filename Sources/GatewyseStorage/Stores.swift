import GatewyseCore

/// Everything one backend provides: the control plane and the usage records.
public typealias GatewayStore = ControlPlaneStore & UsageStore

/// Errors a store reports for conditions the caller can act on.
public enum StoreError: Error, Equatable, CustomStringConvertible {
    case unknownTenant(String)
    case duplicate(String)
    case notFound(String)
    /// Another writer changed the resource since it was read.
    case conflict(String)
    case unsupportedDatabase(String)
    /// A stored document that does not decode (a bug or a hand-edited row).
    case corrupt(String)

    public var description: String {
        switch self {
        case .unknownTenant(let id): "unknown tenant '\(id)'"
        case .duplicate(let what): "\(what) already exists"
        case .notFound(let what): "\(what) not found"
        case .conflict(let what): "\(what) was changed concurrently"
        case .unsupportedDatabase(let url): "unsupported database URL '\(url)'"
        case .corrupt(let what): "stored \(what) does not decode"
        }
    }
}
