import GatewyseCore
import NIOCore
import NIOHTTP1

// Writing answers, for the mocks of the media providers (ElevenLabs, Stability AI).

extension MockHTTPConnection {
    /// One whole answer with a `content-length`.
    func sendBytes(context: ChannelHandlerContext, status: Int, headers: [(String, String)], _ bytes: [UInt8]) {
        let head = HTTPResponseHead(version: .http1_1, status: HTTPResponseStatus(statusCode: status),
                                    headers: HTTPHeaders(headers + [("content-length", String(bytes.count))]))
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: bytes)))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
    }

    func sendJSONValue(context: ChannelHandlerContext, status: Int, _ json: JSONValue, headers: [(String, String)] = []) {
        sendBytes(context: context, status: status, headers: [("content-type", "application/json")] + headers, JSONWriter.bytes(json))
    }

    /// A chunked answer: `bytes` in `pieces` chunks `interval` apart, the last one after
    /// `lastDelay` when given (so a test can see the first bytes long before the end).
    func sendChunked(context: ChannelHandlerContext, headers: [(String, String)], _ bytes: [UInt8], pieces: Int,
                     interval: TimeAmount, lastDelay: TimeAmount?) {
        let head = HTTPResponseHead(version: .http1_1, status: .ok, headers: HTTPHeaders(headers + [("transfer-encoding", "chunked")]))
        context.writeAndFlush(wrapOutboundOut(.head(head)), promise: nil)
        let size = max(1, (bytes.count + pieces - 1) / pieces)
        let chunks = stride(from: 0, to: bytes.count, by: size).map { Array(bytes[$0..<min($0 + size, bytes.count)]) }
        sendChunks(context: context, chunks[...], interval: interval, lastDelay: lastDelay)
    }

    private func sendChunks(context: ChannelHandlerContext, _ chunks: ArraySlice<[UInt8]>, interval: TimeAmount, lastDelay: TimeAmount?) {
        guard context.channel.isActive else { return recorder.streamAbandoned() }
        guard let first = chunks.first else {
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
            return
        }
        context.writeAndFlush(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: first)))), promise: nil)
        let rest = chunks.dropFirst()
        let delay = rest.count == 1 ? (lastDelay ?? interval) : interval
        let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
        context.eventLoop.scheduleTask(in: delay) { self.sendChunks(context: loopBound.value, rest, interval: interval, lastDelay: lastDelay) }
    }

    /// Lower-cased header names to values.
    static func headerMap(_ head: HTTPRequestHead) -> [String: String] {
        var headers: [String: String] = [:]
        for (name, value) in head.headers { headers[name.lowercased()] = value }
        return headers
    }
}
