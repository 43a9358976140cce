import GatewyseCore
import NIOCore
import NIOPosix

/// A raw HTTP/1.1 client connection for the data-plane tests: the test decides exactly which
/// bytes go out in which write (pipelining, bodies in pieces, chunked uploads, half-close), and
/// the responses are parsed from the byte stream by hand (status line, headers, `Content-Length`
/// or chunked bodies), so a response that is out of order, cut short or framed wrongly fails.
///
/// Non-blocking (NIO underneath): a blocking socket would hold one of the few cooperative threads
/// the gateway under test also runs on.
final class RawHTTPConnection {
    struct Timeout: Error, CustomStringConvertible {
        var description: String { "no bytes from the server in time" }
    }

    struct ProtocolViolation: Error, CustomStringConvertible {
        var description: String
    }

    let channel: any Channel
    private let inbound: RawBytesHandler
    /// Received and not yet parsed.
    private var pending: [UInt8] = []
    private(set) var sawEOF = false

    private init(channel: any Channel, inbound: RawBytesHandler) {
        self.channel = channel
        self.inbound = inbound
    }

    static func open(port: Int) async throws -> RawHTTPConnection {
        let handler = RawBytesHandler()
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { $0.pipeline.addHandler(handler) }
            .connect(host: "127.0.0.1", port: port).get()
        return RawHTTPConnection(channel: channel, inbound: handler)
    }

    func send(_ text: String) async throws { try await send(Array(text.utf8)) }

    func send(_ bytes: [UInt8]) async throws {
        try await channel.writeAndFlush(channel.allocator.buffer(bytes: bytes)).get()
    }

    /// Starts a write without waiting for it: the future completes once the kernel took every
    /// byte, which a server that stops reading delays (backpressure).
    func startSend(_ bytes: [UInt8]) -> EventLoopFuture<Void> {
        channel.writeAndFlush(channel.allocator.buffer(bytes: bytes))
    }

    /// Shuts down our sending side only (`shutdown(SHUT_WR)`): the server reads EOF and may still answer.
    func closeOutput() async throws { try await channel.close(mode: .output).get() }

    func close() async { try? await channel.close().get() }

    /// The next bytes from the server, or nil once it closed the connection.
    private func receive(timeout: TimeAmount) async throws -> [UInt8]? {
        let inbound = self.inbound
        let loop = channel.eventLoop
        return try await loop.flatSubmit { inbound.next(on: loop, timeout: timeout) }.get()
    }

    private func fill(atLeast count: Int, timeout: TimeAmount) async throws {
        while pending.count < count {
            guard let bytes = try await receive(timeout: timeout) else {
                sawEOF = true
                throw ProtocolViolation(description: "connection closed with \(pending.count) of \(count) bytes received")
            }
            pending += bytes
        }
    }

    /// Reads up to and including the next CRLF, without it.
    func readLine(timeout: TimeAmount) async throws -> [UInt8] {
        var searched = 0
        while true {
            if let end = Self.find([13, 10], in: pending, from: max(0, searched - 1)) {
                let line = Array(pending[..<end])
                pending.removeFirst(end + 2)
                return line
            }
            searched = pending.count
            try await fill(atLeast: pending.count + 1, timeout: timeout)
        }
    }

    private func take(_ count: Int, timeout: TimeAmount) async throws -> [UInt8] {
        try await fill(atLeast: count, timeout: timeout)
        let bytes = Array(pending[..<count])
        pending.removeFirst(count)
        return bytes
    }

    static func find(_ needle: [UInt8], in haystack: [UInt8], from start: Int = 0) -> Int? {
        guard haystack.count >= needle.count, start <= haystack.count - needle.count else { return nil }
        for index in start...(haystack.count - needle.count) where haystack[index] == needle[0] {
            if Array(haystack[index..<(index + needle.count)]) == needle { return index }
        }
        return nil
    }

    /// Status line and headers of the next response (interim 1xx responses are skipped).
    func readHead(timeout: TimeAmount = .seconds(15)) async throws -> RawResponse {
        while true {
            let statusLine = String(decoding: try await readLine(timeout: timeout), as: UTF8.self)
            let words = statusLine.split(separator: " ", maxSplits: 2)
            guard words.count >= 2, words[0].hasPrefix("HTTP/1."), let status = Int(words[1]) else {
                throw ProtocolViolation(description: "not a status line: \(statusLine.debugDescription)")
            }
            var response = RawResponse(status: status)
            while true {
                let line = String(decoding: try await readLine(timeout: timeout), as: UTF8.self)
                if line.isEmpty { break }
                guard let colon = line.firstIndex(of: ":") else { throw ProtocolViolation(description: "bad header line \(line.debugDescription)") }
                response.headers.append((line[..<colon].lowercased(), line[line.index(after: colon)...].trimmed(" \t")))
            }
            if (100..<200).contains(status) { continue }
            return response
        }
    }

    /// The next complete response: head, then the body framed by `Transfer-Encoding: chunked`
    /// or `Content-Length` (a response with neither has no body here: the gateway always frames).
    func readResponse(timeout: TimeAmount = .seconds(15)) async throws -> RawResponse {
        var response = try await readHead(timeout: timeout)
        if response.isChunked {
            while let chunk = try await readChunk(timeout: timeout) { response.body += chunk }
        } else if let length = response.header("content-length").flatMap(Int.init) {
            response.body = try await take(length, timeout: timeout)
        }
        return response
    }

    /// The next chunk of a chunked body, or nil after the last one (trailers consumed).
    func readChunk(timeout: TimeAmount = .seconds(15)) async throws -> [UInt8]? {
        let sizeLine = String(decoding: try await readLine(timeout: timeout), as: UTF8.self)
        let hex = sizeLine.split(separator: ";", maxSplits: 1).first.map { $0.trimmed(" ") } ?? ""
        guard let size = Int(hex, radix: 16) else { throw ProtocolViolation(description: "bad chunk size line \(sizeLine.debugDescription)") }
        if size == 0 {
            while !(try await readLine(timeout: timeout)).isEmpty {}
            return nil
        }
        let data = try await take(size, timeout: timeout)
        guard try await take(2, timeout: timeout) == [13, 10] else { throw ProtocolViolation(description: "chunk not followed by CRLF") }
        return data
    }

    /// Whether the server closes the connection within `timeout` (bytes arriving meanwhile are
    /// kept for the next read).
    func closedByServer(within timeout: TimeAmount) async throws -> Bool {
        if sawEOF { return true }
        let deadline = NIODeadline.now() + timeout
        while NIODeadline.now() < deadline {
            do {
                guard let bytes = try await receive(timeout: deadline - NIODeadline.now()) else {
                    sawEOF = true
                    return true
                }
                pending += bytes
            } catch is Timeout {
                return false
            }
        }
        return false
    }

    /// Bytes received but not parsed as part of a response.
    var unread: [UInt8] { pending }
}

extension String {
    fileprivate func trimmed(_ set: String) -> String {
        var scalars = Substring(self)
        while let first = scalars.first, set.contains(first) { scalars.removeFirst() }
        while let last = scalars.last, set.contains(last) { scalars.removeLast() }
        return String(scalars)
    }
}

extension Substring {
    fileprivate func trimmed(_ set: String) -> String { String(self).trimmed(set) }
}

/// One response as it came off the wire.
struct RawResponse {
    var status: Int
    /// Lower-cased names, in order, repeated names kept.
    var headers: [(name: String, value: String)] = []
    var body: [UInt8] = []

    func header(_ name: String) -> String? { headers.first { $0.name == name }?.value }
    func headers(_ name: String) -> [String] { headers.filter { $0.name == name }.map(\.value) }
    var isChunked: Bool { header("transfer-encoding")?.lowercased().contains("chunked") == true }
    var text: String { String(decoding: body, as: UTF8.self) }
    var json: JSONValue? { try? JSONParser.parse(body) }
    var errorCode: String? { json?["error"]?["code"]?.stringValue }
    var requestID: String? { header("x-request-id") }

    /// The `data:` payloads of an event-stream body.
    func events() throws -> [String] {
        var decoder = SSEDecoder()
        return try decoder.feed(body).map(\.data)
    }

    /// The assistant text of a chat answer, streamed or not.
    func chatText() throws -> String? {
        if header("content-type")?.hasPrefix("text/event-stream") == true {
            return try events().filter { $0 != "[DONE]" }
                .compactMap { try JSONParser.parse($0)["choices"]?.arrayValue?.first?["delta"]?["content"]?.stringValue }.joined()
        }
        return json?["choices"]?.arrayValue?.first?["message"]?["content"]?.stringValue
    }
}

/// Collects a client connection's inbound bytes on its event loop and hands them to one waiting
/// reader at a time; end of stream is reported as nil, silence past the timeout as `Timeout`.
final class RawBytesHandler: ChannelInboundHandler, @unchecked Sendable {
    // @unchecked: state is touched on the channel's event loop only.
    typealias InboundIn = ByteBuffer

    private var received: [UInt8] = []
    private var ended = false
    private var waiter: EventLoopPromise<[UInt8]?>?

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        received += buffer.readableBytesView
        deliver()
    }

    func channelInactive(context: ChannelHandlerContext) {
        ended = true
        deliver()
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // A reset by the peer counts as the end of the stream for these tests.
        context.close(promise: nil)
    }

    private func deliver() {
        guard let waiter else { return }
        if !received.isEmpty {
            self.waiter = nil
            let bytes = received
            received = []
            waiter.succeed(bytes)
        } else if ended {
            self.waiter = nil
            waiter.succeed(nil)
        }
    }

    /// Called on `loop`.
    func next(on loop: any EventLoop, timeout: TimeAmount) -> EventLoopFuture<[UInt8]?> {
        precondition(waiter == nil, "one reader at a time")
        let promise = loop.makePromise(of: [UInt8]?.self)
        waiter = promise
        deliver()
        guard waiter != nil else { return promise.futureResult }
        let timer = loop.scheduleTask(in: timeout) {
            guard let waiter = self.waiter, waiter.futureResult === promise.futureResult else { return }
            self.waiter = nil
            waiter.fail(RawHTTPConnection.Timeout())
        }
        promise.futureResult.whenComplete { _ in timer.cancel() }
        return promise.futureResult
    }
}

/// Request text for `RawHTTPConnection.send`: exactly the bytes given, `Content-Length` added
/// when there is a body (pass the header yourself for anything else, e.g. chunked uploads).
enum RawRequest {
    static func build(_ method: String, _ path: String, headers: [(String, String)] = [], body: String? = nil) -> String {
        var text = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        for (name, value) in headers { text += "\(name): \(value)\r\n" }
        if let body { text += "Content-Length: \(body.utf8.count)\r\n" }
        return text + "\r\n" + (body ?? "")
    }

    /// A chunked body: each piece as one chunk, then the last chunk.
    static func chunked(_ pieces: [String]) -> String {
        pieces.map { String($0.utf8.count, radix: 16) + "\r\n" + $0 + "\r\n" }.joined() + "0\r\n\r\n"
    }
}
