/// Which deployments have free quota left, at one moment, for free-tier-first planning.
///
/// Entries are keyed like `FreeTierTracker` keys: `"providerID/model"` for providers that count
/// per model, `providerID` for those that count per credential; a deployment is looked up by its
/// own `freeTierKey` when it has one, else by its id first, then its provider id. A deployment
/// with no entry is paid.
public struct FreeTierSnapshot: Sendable {
    /// Key → end of exhaustion (`-infinity` when quota is left).
    public var exhaustedUntil: [String: Double]
    public var now: Double

    public init(exhaustedUntil: [String: Double] = [:], now: Double = 0) {
        self.exhaustedUntil = exhaustedUntil
        self.now = now
    }

    public func status(of deployment: Deployment) -> FreeTierStatus {
        let entry: Double?
        if let key = deployment.freeTierKey { entry = exhaustedUntil[key] } else { entry = exhaustedUntil[deployment.id] ?? exhaustedUntil[deployment.providerID] }
        guard let until = entry else { return .paid }
        return now < until ? .exhausted : .available
    }
}

/// A deployment's free-tier position.
public enum FreeTierStatus: Sendable, Hashable {
    /// Free quota left.
    case available
    /// A free tier whose quota is used up until its window resets.
    case exhausted
    /// No free tier declared.
    case paid
}
