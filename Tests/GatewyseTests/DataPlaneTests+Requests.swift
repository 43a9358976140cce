import GatewyseCore
import GatewyseTesting
import NIOCore
import Testing

/// The data plane's request side over raw HTTP: bodies in pieces and chunked, the body limit,
/// refusals, `X-Request-ID`, and what the connection does when the client closes it (fully,
/// half, or with `Connection: close`).
extension DataPlaneTests {
    // MARK: Bodies

    @Test("a request written a few bytes at a time, and a chunked upload, are read whole")
    func bodiesInPieces() async throws {
        try await Self.withGateway { gateway in
            try await Self.withConnection(gateway) { connection in
                let bytes = Array(Self.chat(gateway, "sent in pieces", stream: true).utf8)
                for (index, start) in stride(from: 0, to: bytes.count, by: 3).enumerated() {
                    try await connection.send(Array(bytes[start..<min(start + 3, bytes.count)]))
                    if index % 10 == 0 { try await Task.sleep(for: .milliseconds(1)) }
                }
                try Self.expectChat(try await connection.readResponse(), "sent in pieces", stream: true)

                let body = Self.chatBody("sent chunked")
                let pieces = [String(body.prefix(5)), String(body.dropFirst(5).prefix(1)), String(body.dropFirst(6))]
                try await connection.send(RawRequest.build("POST", "/v1/chat/completions", headers: Self.headers(gateway, id: nil) + [("Transfer-Encoding", "chunked")]))
                let encoded = RawRequest.chunked(pieces)
                // Cut inside a chunk-size line and inside a chunk, as the network may.
                for cut in encoded.utf8.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).map({ Array($0) + [10] }).dropLast() {
                    try await connection.send(Array(cut.prefix(2)))
                    try await connection.send(Array(cut.dropFirst(2)))
                }
                try Self.expectChat(try await connection.readResponse(), "sent chunked", stream: false)
            }
        }
    }

    @Test("a body exactly at the limit is served; one byte over gets 413 at once (from the head when declared) and the connection closes")
    func bodyLimit() async throws {
        let limit = 2048
        try await Self.withGateway(maxBodyBytes: limit) { gateway in
            let padding = limit - Self.chatBody("").utf8.count
            let atLimit = Self.chatBody(String(repeating: "a", count: padding))
            let over = Self.chatBody(String(repeating: "a", count: padding + 1))
            #expect(atLimit.utf8.count == limit && over.utf8.count == limit + 1)
            let chunkedHeaders = Self.headers(gateway, id: nil) + [("Transfer-Encoding", "chunked")]
            try await Self.withConnection(gateway) { connection in
                try await connection.send(RawRequest.build("POST", "/v1/chat/completions", headers: Self.headers(gateway, id: nil), body: atLimit))
                try Self.expectChat(try await connection.readResponse(), String(repeating: "a", count: padding), stream: false)
                try await connection.send(RawRequest.build("POST", "/v1/chat/completions", headers: chunkedHeaders)
                                          + RawRequest.chunked([String(atLimit.prefix(1000)), String(atLimit.dropFirst(1000))]))
                try Self.expectChat(try await connection.readResponse(), String(repeating: "a", count: padding), stream: false)

                let chunked = RawRequest.build("POST", "/v1/chat/completions", headers: chunkedHeaders)
                    + RawRequest.chunked([String(over.prefix(1000)), String(over.dropFirst(1000))])
                for (request, echoed) in [(chunked, nil as String?)] {
                    try await connection.send(request)
                    let refused = try await connection.readResponse()
                    #expect(refused.status == 413 && refused.errorCode == "PAYLOAD_TOO_LARGE", "\(refused.text)")
                    #expect(refused.json?["error"]?["type"] == "invalid_request_error")
                    #expect(refused.json?["error"]?["message"]?.stringValue?.contains("\(limit)") == true)
                    #expect(refused.json?["error"]?.objectValue?.keys.sorted() == ["code", "message", "param", "type"])
                    if let echoed { #expect(refused.requestID == echoed) } else { #expect(refused.requestID?.hasPrefix("req_") == true) }
                    // The rest of an unannounced body cannot be told from a next request: the connection ends.
                    #expect(refused.header("connection") == "close")
                    #expect(try await connection.closedByServer(within: .seconds(3)))
                }
            }
            // A declared length over the limit is answered from the head alone, before any body
            // byte is sent, and the connection ends (its body would be read as the next request).
            try await Self.withConnection(gateway) { connection in
                let head = RawRequest.build("POST", "/v1/chat/completions", headers: Self.headers(gateway, id: "too-big-1")
                                            + [("Content-Length", String(limit + 1))])
                try await connection.send(head)
                let refused = try await connection.readResponse()
                #expect(refused.status == 413 && refused.errorCode == "PAYLOAD_TOO_LARGE", "\(refused.text)")
                #expect(refused.requestID == "too-big-1" && refused.header("connection") == "close")
            }
            #expect(gateway.mock.requests.count == 2)
        }
    }

    @Test("empty and malformed bodies get 400, missing and wrong keys 401 with or without a body")
    func refusals() async throws {
        try await Self.withGateway(maxBodyBytes: 4096) { gateway in
            try await Self.withConnection(gateway) { connection in
                func expect(_ request: String, _ status: Int, _ code: String, sourceLocation: SourceLocation = #_sourceLocation) async throws -> RawResponse {
                    try await connection.send(request)
                    let response = try await connection.readResponse()
                    #expect(response.status == status && response.errorCode == code, "\(response.status) \(response.text)", sourceLocation: sourceLocation)
                    #expect(response.requestID?.isEmpty == false && response.header("x-provider") == "gatewyse", sourceLocation: sourceLocation)
                    #expect(response.header("content-type") == "application/json", sourceLocation: sourceLocation)
                    return response
                }
                let path = "/v1/chat/completions"
                let authorized = Self.headers(gateway, id: nil)
                _ = try await expect(RawRequest.build("POST", path, headers: authorized, body: ""), 400, "INVALID_REQUEST")
                _ = try await expect(RawRequest.build("POST", path, headers: authorized), 400, "INVALID_REQUEST")

                let malformed = #"{"model":"mock-chat","messages":[}"#
                let offset = try #require(Array(malformed.utf8).lastIndex(of: UInt8(ascii: "}")))
                let bad = try await expect(RawRequest.build("POST", path, headers: authorized, body: malformed), 400, "INVALID_JSON")
                #expect(bad.json?["error"]?["message"]?.stringValue?.contains("at byte \(offset)") == true, "\(bad.text)")

                let anonymous = [("Content-Type", "application/json")]
                let wrongKey = anonymous + [("Authorization", "Bearer aigw_sk_ffffffffffffffffffffffffffffffffffffffffffffffff")]
                _ = try await expect(RawRequest.build("POST", path, headers: anonymous, body: Self.chatBody("x")), 401, "AUTH_REQUIRED")
                _ = try await expect(RawRequest.build("POST", path, headers: anonymous, body: ""), 401, "AUTH_REQUIRED")
                _ = try await expect(RawRequest.build("POST", path, headers: anonymous), 401, "AUTH_REQUIRED")
                _ = try await expect(RawRequest.build("POST", path, headers: wrongKey, body: Self.chatBody("x")), 401, "AUTH_INVALID_KEY")
                _ = try await expect(RawRequest.build("POST", path, headers: wrongKey), 401, "AUTH_INVALID_KEY")
                try await connection.send(Self.chat(gateway, "after the refusals"))
                try Self.expectChat(try await connection.readResponse(), "after the refusals", stream: false)
            }
            // Authentication comes before the size check; the oversized body is not read, so the
            // connection ends after the 401.
            try await Self.withConnection(gateway) { connection in
                try await connection.send(RawRequest.build("POST", "/v1/chat/completions", headers: [("Content-Type", "application/json")],
                                                           body: String(repeating: " ", count: 5000)))
                let response = try await connection.readResponse()
                #expect(response.status == 401 && response.errorCode == "AUTH_REQUIRED" && response.header("connection") == "close")
            }
            #expect(gateway.mock.requests.count == 1)
        }
    }

    // MARK: X-Request-ID

    @Test("X-Request-ID is echoed when sane and minted otherwise, on chats, streams, errors and forwarded routes")
    func requestIDs() async throws {
        let sane = ["client-req_42.ok", String(repeating: "r", count: 128), "~!#$%&'*+-.^_`|"]
        let insane: [String?] = [nil, "", String(repeating: "r", count: 129), "has space", "caf\u{E9}"]
        try await Self.withGateway { gateway in
            try await Self.withConnection(gateway) { connection in
                var minted = Set<String>()
                let requests: [(name: String, make: (String?) -> String, status: Int)] = [
                    ("chat", { Self.chat(gateway, "id", id: $0) }, 200),
                    ("stream", { Self.chat(gateway, "id", stream: true, id: $0) }, 200),
                    ("chat 401", { RawRequest.build("POST", "/v1/chat/completions", headers: ($0.map { [("X-Request-ID", $0)] } ?? []), body: "{}") }, 401),
                    ("chat 400", { RawRequest.build("POST", "/v1/chat/completions", headers: Self.headers(gateway, id: $0), body: "") }, 400),
                    ("chat 404", { Self.chat(gateway, "id", model: "no-such-alias", id: $0) }, 404),
                    ("health", { Self.get(gateway, "/healthz", id: $0) }, 200),
                    ("models", { Self.get(gateway, "/v1/models", id: $0) }, 200),
                    ("legacy 401", { RawRequest.build("POST", "/v1/completions", headers: ($0.map { [("X-Request-ID", $0)] } ?? []), body: "{}") }, 401),
                ]
                for request in requests {
                    for id in sane.map(Optional.some) + insane {
                        try await connection.send(request.make(id))
                        let response = try await connection.readResponse()
                        #expect(response.status == request.status, "\(request.name): \(response.text)")
                        #expect(response.headers("x-request-id").count == 1, "\(request.name)")
                        let returned = try #require(response.requestID, "\(request.name)")
                        if let id, sane.contains(id) {
                            #expect(returned == id, "\(request.name) \(id)")
                        } else {
                            #expect(returned.hasPrefix("req_") && returned != id, "\(request.name) \(String(describing: id)) → \(returned)")
                            #expect(minted.insert(returned).inserted, "\(request.name): \(returned) minted twice")
                        }
                    }
                }
            }
        }
    }

    // MARK: Disconnects and connection semantics

    @Test("a client gone mid-stream cancels the upstream call soon after; the gateway keeps serving")
    func disconnectMidStream() async throws {
        try await Self.withGateway { gateway in
            try await Self.withConnection(gateway) { bystander in
                try await Self.withConnection(gateway) { connection in
                    // A request queued behind the stream must be dropped with the connection, not served into it.
                    try await connection.send(Self.chat(gateway, "x", stream: true, model: "mock/slow-stream") + Self.get(gateway, "/healthz"))
                    let head = try await connection.readHead()
                    #expect(head.status == 200 && head.isChunked)
                    let first = try #require(try await connection.readChunk())
                    #expect(String(decoding: first, as: UTF8.self).hasPrefix("data: "))
                    #expect(gateway.mock.abandonedStreams == 0)
                    await connection.close()
                }
                let closed = ContinuousClock.now
                // The mock sends a piece every 100 ms and counts the stream abandoned when it finds its connection closed.
                while gateway.mock.abandonedStreams == 0, ContinuousClock.now - closed < .seconds(3) {
                    try await Task.sleep(for: .milliseconds(20))
                }
                #expect(gateway.mock.abandonedStreams == 1)
                #expect(ContinuousClock.now - closed < .seconds(1))

                try await bystander.send(Self.chat(gateway, "still serving", stream: true))
                try Self.expectChat(try await bystander.readResponse(), "still serving", stream: true)
            }
            try await Self.withConnection(gateway) { fresh in
                try await fresh.send(Self.chat(gateway, "new connection"))
                try Self.expectChat(try await fresh.readResponse(), "new connection", stream: false)
            }
        }
    }

    @Test("a stream's head is sent at once when its first token is slow; the end leaves with the last bytes")
    func streamHeadNotHeld() async throws {
        try await Self.withGateway(firstByteTimeout: 5) { gateway in
            try await Self.withConnection(gateway) { connection in
                let sent = ContinuousClock.now
                try await connection.send(Self.chat(gateway, "x", stream: true, model: "mock/slow-first-token"))
                let head = try await connection.readHead()
                let headAfter = ContinuousClock.now - sent
                #expect(head.status == 200 && head.isChunked)
                let first = try #require(try await connection.readChunk())
                let firstAfter = ContinuousClock.now - sent
                #expect(String(decoding: first, as: UTF8.self).hasPrefix("data: "))
                #expect(headAfter < .milliseconds(700), "the head waited \(headAfter) for the first token")
                #expect(firstAfter >= .milliseconds(900))
                var rest: [UInt8] = []
                while let chunk = try await connection.readChunk() { rest += chunk }
                #expect(String(decoding: first + rest, as: UTF8.self).hasSuffix("data: [DONE]\n\n"))
            }
        }
    }

    @Test("a client gone while its chat waits on the upstream leaves the gateway serving")
    func disconnectBeforeAnswer() async throws {
        try await Self.withGateway(firstByteTimeout: 0.3) { gateway in
            try await Self.withConnection(gateway) { connection in
                // The close cancels the chat in flight; what was queued behind it is dropped.
                try await connection.send(Self.chat(gateway, "x", model: "mock/slow") + Self.chat(gateway, "queued") + Self.get(gateway, "/healthz"))
                try await Task.sleep(for: .milliseconds(50))
            }
            // Past the first-byte timeout: the answer was produced for a closed connection.
            try await Task.sleep(for: .milliseconds(500))
            try await Self.withConnection(gateway) { fresh in
                try await fresh.send(Self.chat(gateway, "after", stream: true))
                try Self.expectChat(try await fresh.readResponse(), "after", stream: true)
            }
        }
    }

    @Test("Connection: close on a request is honoured: answered, then the connection is closed", arguments: ["chat", "stream", "health"])
    func connectionClose(kind: String) async throws {
        try await Self.withGateway { gateway in
            try await Self.withConnection(gateway) { connection in
                let close = [("Connection", "close")]
                switch kind {
                case "chat": try await connection.send(Self.chat(gateway, "bye", extra: close))
                case "stream": try await connection.send(Self.chat(gateway, "bye", stream: true, extra: close))
                default: try await connection.send(Self.get(gateway, "/healthz", extra: close))
                }
                let response = try await connection.readResponse()
                if kind == "health" { #expect(response.status == 200) } else { try Self.expectChat(response, "bye", stream: kind == "stream") }
                #expect(try await connection.closedByServer(within: .seconds(2)))
                #expect(connection.unread.isEmpty)
            }
        }
    }

    @Test("a client that half-closes while its chat is served is treated as gone: the connection closes; forwarded routes still answer")
    func halfClose() async throws {
        try await Self.withGateway { gateway in
            // TCP cannot tell a half-close from a client that left; a client that left must cancel
            // the upstream call, so the chat in flight ends with the connection (decisions/0006).
            try await Self.withConnection(gateway) { connection in
                try await connection.send(Self.chat(gateway, "alone", stream: true, model: "mock/slow-stream"))
                try await Task.sleep(for: .milliseconds(200))
                try await connection.closeOutput()
                #expect(try await connection.closedByServer(within: .seconds(2)))
            }
            try await eventually { gateway.mock.abandonedStreams == 1 }
            // With nothing of the data plane's in progress, a half-close is Hummingbird's to handle:
            // the answer it owes is written, then the connection closes.
            try await Self.withConnection(gateway) { connection in
                try await connection.send(Self.get(gateway, "/healthz"))
                try await connection.closeOutput()
                #expect(try await connection.readResponse().status == 200)
                #expect(try await connection.closedByServer(within: .seconds(2)))
            }
        }
    }

    @Test("bytes that are not HTTP, pipelined after a chat, get their 400 after the chat's answer")
    func garbageAfterChat() async throws {
        try await Self.withGateway { gateway in
            try await Self.withConnection(gateway) { connection in
                try await connection.send(Self.chat(gateway, "before the garbage") + "NOT HTTP AT ALL\r\n\r\n")
                try Self.expectChat(try await connection.readResponse(), "before the garbage", stream: false)
                #expect(try await connection.readResponse().status == 400)
                #expect(try await connection.closedByServer(within: .seconds(2)))
            }
        }
    }
}
