/// What the request path reads from memory (ARCHITECTURE §6): the keys and the route table.
/// Immutable; a reload builds a new snapshot and swaps it in atomically
/// (`InferenceEngine.replaceSnapshot`), so a request sees one consistent version from its
/// admission to its end, and never waits on a reload.
public struct RuntimeSnapshot: Sendable {
    public var authenticator: APIKeyAuthenticator
    public var resolver: RouteResolver

    public init(authenticator: APIKeyAuthenticator, resolver: RouteResolver) {
        self.authenticator = authenticator
        self.resolver = resolver
    }
}
