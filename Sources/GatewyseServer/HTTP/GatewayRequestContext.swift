import GatewyseEngine
import Hummingbird
import NIOCore

/// Per-request state: the request id (for `X-Request-ID` and logs) and, after authentication,
/// the principal.
public struct GatewayRequestContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    public var requestID: String = ""
    /// Which error envelope to render: OpenAI's, or Anthropic's on `/v1/messages`.
    public var errorEnvelope: ClientFormat = .openAI
    /// The peer of the connection (audit entries of sign-ins name it).
    public var remoteAddress: SocketAddress?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
    }
}
