import GatewyseEngine
import Hummingbird

/// Per-request state: the request id (for `X-Request-ID` and logs) and, after authentication,
/// the principal.
public struct GatewayRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public var requestID: String = ""
    /// Which error envelope to render: OpenAI's, or Anthropic's on `/v1/messages`.
    public var errorEnvelope: ClientFormat = .openAI

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
    }
}
