/// What the request path reads from memory (ARCHITECTURE §6): the keys and the route table.
/// Immutable; a reload builds a new snapshot and swaps it in atomically
/// (`InferenceEngine.replaceSnapshot`), so a request sees one consistent version from its
/// admission to its end, and never waits on a reload.
///
/// A class so that taking it per request is one reference, not a copy of every table in it.
public final class RuntimeSnapshot: Sendable {
    public let authenticator: APIKeyAuthenticator
    public let resolver: RouteResolver

    public init(authenticator: APIKeyAuthenticator, resolver: RouteResolver) {
        self.authenticator = authenticator
        self.resolver = resolver
    }

    public func replacing(authenticator: APIKeyAuthenticator? = nil, resolver: RouteResolver? = nil) -> RuntimeSnapshot {
        RuntimeSnapshot(authenticator: authenticator ?? self.authenticator, resolver: resolver ?? self.resolver)
    }
}
