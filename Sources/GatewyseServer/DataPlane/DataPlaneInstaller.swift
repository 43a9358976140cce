import GatewyseEngine
import Logging
import NIOCore
import NIOHTTPTypesHTTP1

/// Puts `DataPlaneChannelHandler` in a new connection's pipeline right before Hummingbird's
/// `HTTP1ToHTTPServerCodec`, then leaves. Hummingbird only lets extra handlers in *after* that
/// codec, where every request would already have been converted to Swift HTTP Types — a
/// conversion (and its header validation) chat exchanges do not need (docs/decisions/0005).
final class DataPlaneInstaller: ChannelInboundHandler, RemovableChannelHandler, @unchecked Sendable {
    typealias InboundIn = NIOAny

    private let runtime: GatewayRuntime
    private let logger: Logger

    init(runtime: GatewayRuntime, logger: Logger) {
        self.runtime = runtime
        self.logger = logger
    }

    func handlerAdded(context: ChannelHandlerContext) {
        let pipeline = context.pipeline.syncOperations
        do {
            let codec = try pipeline.context(handlerType: HTTP1ToHTTPServerCodec.self)
            try pipeline.addHandler(DataPlaneChannelHandler(runtime: runtime, logger: logger), position: .before(codec.handler))
        } catch {
            // Hummingbird's pipeline changed shape: fail loudly rather than serve chat without
            // the data plane's ordering guarantees.
            logger.critical("cannot install the data plane handler", metadata: ["error": "\(error)"])
            context.close(promise: nil)
            return
        }
        pipeline.removeHandler(context: context, promise: nil)
    }
}
