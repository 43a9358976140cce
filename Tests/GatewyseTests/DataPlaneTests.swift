import GatewyseCore
import GatewyseEngine
import GatewyseTesting
import NIOConcurrencyHelpers
import NIOCore
import Testing

/// `DataPlaneChannelHandler` (docs/decisions/0005) over raw HTTP/1.1: the tests write exact
/// bytes (pipelined requests in one write, bodies in pieces, chunked uploads, half-closes and
/// disconnects) and parse the answers off the wire, so ordering, framing and keep-alive are
/// checked as a client sees them, not as an HTTP client library would smooth them over.
@Suite("Data plane", .serialized)
struct DataPlaneTests {
    static func withGateway(maxBodyBytes: Int = 10 * 1024 * 1024, firstByteTimeout: Double = 1.5, extraModels: [ModelAlias] = [],
                            _ body: (TestGateway) async throws -> Void) async throws {
        let gateway = try await TestGateway.start(maxBodyBytes: maxBodyBytes, firstByteTimeout: firstByteTimeout, extraModels: extraModels)
        do {
            try await body(gateway)
        } catch {
            await gateway.stop()
            throw error
        }
        await gateway.stop()
    }

    /// One raw connection for the body, closed afterwards whatever happens.
    static func withConnection<T>(_ gateway: TestGateway, _ body: (RawHTTPConnection) async throws -> T) async throws -> T {
        let connection = try await RawHTTPConnection.open(port: gateway.gateway.port)
        do {
            let result = try await body(connection)
            await connection.close()
            return result
        } catch {
            await connection.close()
            throw error
        }
    }

    static func chatBody(_ text: String, model: String = "mock-chat", stream: Bool = false) -> String {
        #"{"model":"\#(model)","stream":\#(stream),"messages":[{"role":"user","content":"\#(text)"}]}"#
    }

    static func headers(_ gateway: TestGateway, id: String?, extra: [(String, String)] = []) -> [(String, String)] {
        [("Authorization", "Bearer \(gateway.apiKey)"), ("Content-Type", "application/json")] + (id.map { [("X-Request-ID", $0)] } ?? []) + extra
    }

    static func chat(_ gateway: TestGateway, _ text: String, stream: Bool = false, model: String = "mock-chat", id: String? = nil,
                     extra: [(String, String)] = []) -> String {
        RawRequest.build("POST", "/v1/chat/completions", headers: headers(gateway, id: id, extra: extra), body: chatBody(text, model: model, stream: stream))
    }

    static func get(_ gateway: TestGateway, _ path: String, id: String? = nil, extra: [(String, String)] = []) -> String {
        RawRequest.build("GET", path, headers: headers(gateway, id: id, extra: extra))
    }

    static func completion(_ gateway: TestGateway, prompt: String, model: String = "mock-chat", id: String? = nil) -> String {
        RawRequest.build("POST", "/v1/completions", headers: headers(gateway, id: id), body: #"{"model":"\#(model)","prompt":"\#(prompt)"}"#)
    }

    /// A complete, correct chat answer to `text`: JSON framed by Content-Length, or an event
    /// stream framed by chunks and ended by `[DONE]`.
    static func expectChat(_ response: RawResponse, _ text: String, stream: Bool, id: String? = nil,
                           sourceLocation: SourceLocation = #_sourceLocation) throws {
        #expect(response.status == 200, "\(response.status) \(response.text)", sourceLocation: sourceLocation)
        #expect(try response.chatText() == "You said: \(text)", sourceLocation: sourceLocation)
        #expect(response.header("x-provider") == "mock", sourceLocation: sourceLocation)
        if let id { #expect(response.requestID == id, sourceLocation: sourceLocation) }
        if stream {
            #expect(response.isChunked && response.header("content-length") == nil, sourceLocation: sourceLocation)
            #expect(response.header("content-type")?.hasPrefix("text/event-stream") == true, sourceLocation: sourceLocation)
            #expect(try response.events().last == "[DONE]", sourceLocation: sourceLocation)
        } else {
            #expect(!response.isChunked && response.header("content-length") == String(response.body.count), sourceLocation: sourceLocation)
            #expect(response.header("content-type") == "application/json", sourceLocation: sourceLocation)
        }
    }

    static func modelIDs(_ response: RawResponse) -> [String] {
        response.json?["data"]?.arrayValue?.compactMap { $0["id"]?.stringValue } ?? []
    }

    // MARK: Ordering

    @Test("pipelined in one write: chat, models, streamed chat, health come back complete and in order")
    func pipelinedMix() async throws {
        try await Self.withGateway { gateway in
            try await Self.withConnection(gateway) { connection in
                try await connection.send(Self.chat(gateway, "first", id: "pipe-1") + Self.get(gateway, "/v1/models", id: "pipe-2")
                                          + Self.chat(gateway, "second", stream: true, id: "pipe-3") + Self.get(gateway, "/healthz", id: "pipe-4"))
                try Self.expectChat(try await connection.readResponse(), "first", stream: false, id: "pipe-1")
                let models = try await connection.readResponse()
                #expect(models.status == 200 && models.requestID == "pipe-2")
                #expect(Self.modelIDs(models).contains("mock-chat"))
                try Self.expectChat(try await connection.readResponse(), "second", stream: true, id: "pipe-3")
                let health = try await connection.readResponse()
                #expect(health.status == 200 && health.requestID == "pipe-4")
                #expect(health.json?["status"] == "ok")
                #expect(try await !connection.closedByServer(within: .milliseconds(200)))
                #expect(connection.unread.isEmpty)
            }
        }
    }

    @Test("pipelined chats back to back, with a forwarded POST and its body between them")
    func pipelinedChats() async throws {
        try await Self.withGateway { gateway in
            try await Self.withConnection(gateway) { connection in
                // "five" carries a query string, as Azure-style clients send: still the data plane's route.
                let five = RawRequest.build("POST", "/v1/chat/completions?api-version=2024-10-21", headers: Self.headers(gateway, id: nil), body: Self.chatBody("five"))
                try await connection.send(Self.chat(gateway, "one", stream: true) + Self.chat(gateway, "two")
                                          + Self.completion(gateway, prompt: "three") + Self.chat(gateway, "four", stream: true) + five)
                try Self.expectChat(try await connection.readResponse(), "one", stream: true)
                try Self.expectChat(try await connection.readResponse(), "two", stream: false)
                let legacy = try await connection.readResponse()
                #expect(legacy.status == 200 && legacy.json?["choices"]?.arrayValue?.first?["text"] == "You said: three")
                try Self.expectChat(try await connection.readResponse(), "four", stream: true)
                try Self.expectChat(try await connection.readResponse(), "five", stream: false)
            }
        }
    }

    @Test("a slow forwarded request answered before the chat pipelined behind it")
    func slowForwardedThenChat() async throws {
        try await Self.withGateway(firstByteTimeout: 0.5) { gateway in
            try await Self.withConnection(gateway) { connection in
                // The legacy route is Hummingbird's; the mock holds `slow` past the 0.5 s first-byte timeout.
                try await connection.send(Self.completion(gateway, prompt: "wait", model: "mock/slow", id: "slow-1") + Self.chat(gateway, "quick", id: "quick-2"))
                let slow = try await connection.readResponse()
                #expect(slow.status == 504 && slow.errorCode == "UPSTREAM_TIMEOUT" && slow.requestID == "slow-1", "\(slow.text)")
                try Self.expectChat(try await connection.readResponse(), "quick", stream: false, id: "quick-2")
            }
        }
    }

    @Test("a slow chat answered before the forwarded request pipelined behind it")
    func slowChatThenForwarded() async throws {
        try await Self.withGateway(firstByteTimeout: 0.5) { gateway in
            try await Self.withConnection(gateway) { connection in
                try await connection.send(Self.chat(gateway, "wait", model: "mock/slow", id: "slow-1") + Self.get(gateway, "/healthz", id: "health-2"))
                let slow = try await connection.readResponse()
                #expect(slow.status == 504 && slow.errorCode == "UPSTREAM_TIMEOUT" && slow.requestID == "slow-1", "\(slow.text)")
                let health = try await connection.readResponse()
                #expect(health.status == 200 && health.requestID == "health-2")
            }
        }
    }

    /// An upstream connection keeps one timer across its exchanges (armed by an earlier one,
    /// re-armed when it fires early): an exchange on a reused connection still times out at its
    /// own first-byte limit, whether the timer was armed by the quick exchanges just before or
    /// fired while the connection idled in the pool.
    @Test("a reused upstream connection times its exchange out at the first-byte limit, after quick exchanges and after idling")
    func reusedConnectionTimesOut() async throws {
        try await Self.withGateway(firstByteTimeout: 0.5) { gateway in
            try await Self.withConnection(gateway) { connection in
                func slowIsCutAtTheLimit(_ id: String) async throws {
                    let sentAt = ContinuousClock.now
                    try await connection.send(Self.chat(gateway, "wait", model: "mock/slow", id: id))
                    let slow = try await connection.readResponse()
                    let elapsed = ContinuousClock.now - sentAt
                    #expect(slow.status == 504 && slow.errorCode == "UPSTREAM_TIMEOUT" && slow.requestID == id, "\(slow.text)")
                    #expect(elapsed >= .milliseconds(450) && elapsed < .milliseconds(1400), "cut after \(elapsed)")
                }
                for index in 0..<3 {
                    try await connection.send(Self.chat(gateway, "quick \(index)"))
                    try Self.expectChat(try await connection.readResponse(), "quick \(index)", stream: false)
                }
                try await slowIsCutAtTheLimit("slow-1")
                try await connection.send(Self.chat(gateway, "after the first"))
                try Self.expectChat(try await connection.readResponse(), "after the first", stream: false)
                // Past the limit with the connection idle: the timer has fired with nothing to watch.
                try await Task.sleep(for: .milliseconds(700))
                try await connection.send(Self.chat(gateway, "after idling"))
                try Self.expectChat(try await connection.readResponse(), "after idling", stream: false)
                try await slowIsCutAtTheLimit("slow-2")
            }
        }
    }

    @Test("a large forwarded answer (3,000 models) is written whole before the chat behind it")
    func largeForwardedThenChat() async throws {
        let aliases = (0..<3000).map { ModelAlias(name: "bulk-alias-\($0)-with-a-long-name-to-fill-the-listing", strategy: .failover,
                                                  targets: [ModelTarget(provider: "mock", model: "mock-chat")]) }
        try await Self.withGateway(extraModels: aliases) { gateway in
            try await Self.withConnection(gateway) { connection in
                try await connection.send(Self.get(gateway, "/v1/models") + Self.chat(gateway, "after the list", stream: true) + Self.get(gateway, "/v1/models"))
                let models = try await connection.readResponse()
                #expect(models.status == 200 && models.body.count > 200_000)
                #expect(Self.modelIDs(models).filter { $0.hasPrefix("bulk-alias-") }.count == 3000)
                try Self.expectChat(try await connection.readResponse(), "after the list", stream: true)
                #expect(Self.modelIDs(try await connection.readResponse()).count == Self.modelIDs(models).count)
            }
        }
    }

    @Test("bytes pipelined behind a chat in flight are left in the socket until it is answered (backpressure)")
    func readBackpressure() async throws {
        try await Self.withGateway(firstByteTimeout: 1) { gateway in
            try await Self.withConnection(gateway) { connection in
                try await connection.send(Self.chat(gateway, "wait", model: "mock/slow"))
                // 32 MB announced for the next request: read ahead, it would all sit in the gateway's memory.
                let size = 32 * 1024 * 1024
                let next = RawRequest.build("POST", "/v1/chat/completions", headers: Self.headers(gateway, id: nil) + [("Content-Length", String(size))])
                let sentAt = ContinuousClock.now
                let written = connection.startSend(Array(next.utf8) + [UInt8](repeating: UInt8(ascii: " "), count: size))
                let writtenAt = NIOLockedValueBox<ContinuousClock.Instant?>(nil)
                written.whenComplete { _ in writtenAt.withLockedValue { $0 = .now } }
                let slow = try await connection.readResponse()
                #expect(slow.status == 504)
                // The chat ahead is answered after the 1 s first-byte timeout; read ahead, the body
                // would have been taken in a few milliseconds.
                let finished = writtenAt.withLockedValue { $0 } ?? .now
                #expect(finished - sentAt > .milliseconds(900), "the whole body was taken before the chat ahead of it was answered")
                // Then its head alone is answered (413, the declared length is over the limit) and
                // the connection closes, failing the rest of the upload.
                let refused = try await connection.readResponse()
                _ = try? await written.get()
                #expect(refused.status == 413 && refused.errorCode == "PAYLOAD_TOO_LARGE")
            }
        }
    }

    // MARK: Keep-alive and concurrency

    @Test("200 sequential requests on one connection, chat (JSON and streamed) alternating with other routes")
    func keepAlive() async throws {
        try await Self.withGateway { gateway in
            try await Self.withConnection(gateway) { connection in
                for index in 0..<200 {
                    let id = "ka-\(index)"
                    switch index % 5 {
                    case 0:
                        try await connection.send(Self.chat(gateway, "n\(index)", id: id))
                        try Self.expectChat(try await connection.readResponse(), "n\(index)", stream: false, id: id)
                    case 1:
                        try await connection.send(Self.get(gateway, "/v1/models", id: id))
                        let models = try await connection.readResponse()
                        #expect(models.status == 200 && models.requestID == id && Self.modelIDs(models).contains("mock-chat"))
                    case 2:
                        try await connection.send(Self.chat(gateway, "n\(index)", stream: true, id: id))
                        try Self.expectChat(try await connection.readResponse(), "n\(index)", stream: true, id: id)
                    case 3:
                        try await connection.send(Self.get(gateway, "/healthz", id: id))
                        let health = try await connection.readResponse()
                        #expect(health.status == 200 && health.requestID == id && health.json?["status"] == "ok")
                    default:
                        try await connection.send(Self.completion(gateway, prompt: "p\(index)", id: id))
                        let legacy = try await connection.readResponse()
                        #expect(legacy.requestID == id && legacy.json?["choices"]?.arrayValue?.first?["text"]?.stringValue == "You said: p\(index)")
                    }
                }
                #expect(try await !connection.closedByServer(within: .milliseconds(200)))
                #expect(connection.unread.isEmpty)
            }
        }
    }

    @Test("200 concurrent chats over 50 connections, JSON and streamed, half of the connections pipelining")
    func concurrency() async throws {
        try await Self.withGateway { gateway in
            let port = gateway.gateway.port
            let correct = try await withThrowingTaskGroup(of: Int.self) { group in
                for client in 0..<50 {
                    group.addTask {
                        let connection = try await RawHTTPConnection.open(port: port)
                        let requests = (0..<4).map { (text: "c\(client)r\($0)", stream: (client + $0) % 2 == 1) }
                        var responses: [RawResponse] = []
                        if client % 2 == 0 {
                            try await connection.send(requests.map { Self.chat(gateway, $0.text, stream: $0.stream) }.joined())
                            for _ in requests { responses.append(try await connection.readResponse(timeout: .seconds(30))) }
                        } else {
                            for request in requests {
                                try await connection.send(Self.chat(gateway, request.text, stream: request.stream))
                                responses.append(try await connection.readResponse(timeout: .seconds(30)))
                            }
                        }
                        await connection.close()
                        var correct = 0
                        for (request, response) in zip(requests, responses) {
                            try Self.expectChat(response, request.text, stream: request.stream)
                            if response.status == 200, try response.chatText() == "You said: \(request.text)" { correct += 1 }
                        }
                        return correct
                    }
                }
                return try await group.reduce(0, +)
            }
            #expect(correct == 200)
        }
    }
}
