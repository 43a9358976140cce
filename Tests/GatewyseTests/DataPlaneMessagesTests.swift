import GatewyseCore
import GatewyseTesting
import Testing

@Suite("Data plane: the Anthropic Messages API")
struct DataPlaneMessagesTests {
    static func messages(_ gateway: TestGateway, _ text: String, stream: Bool = false, key: String? = nil) -> String {
        RawRequest.build("POST", "/v1/messages", headers: [("x-api-key", key ?? gateway.apiKey), ("anthropic-version", "2023-06-01"),
                                                            ("Content-Type", "application/json")],
                         body: #"{"model":"mock/mock-chat","max_tokens":64,"stream":\#(stream),"messages":[{"role":"user","content":"\#(text)"}]}"#)
    }

    @Test("/v1/messages is served in order with chat completions and forwarded routes on one connection, JSON and streamed")
    func pipelined() async throws {
        try await DataPlaneTests.withGateway { gateway in
            try await DataPlaneTests.withConnection(gateway) { connection in
                try await connection.send(Self.messages(gateway, "one") + DataPlaneTests.chat(gateway, "two")
                                          + Self.messages(gateway, "three", stream: true) + DataPlaneTests.get(gateway, "/v1/models"))
                let first = try await connection.readResponse()
                #expect(first.status == 200)
                #expect(first.json?["type"] == "message")
                #expect(first.json?["content"]?.arrayValue?.first?["text"] == "You said: one")
                #expect(first.header("x-provider") == "mock")
                try DataPlaneTests.expectChat(try await connection.readResponse(), "two", stream: false)
                let third = try await connection.readResponse()
                #expect(third.header("content-type")?.hasPrefix("text/event-stream") == true)
                let events = try third.events()
                #expect(events.contains { $0.contains(#""type":"message_start""#) })
                #expect(events.last?.contains(#""type":"message_stop""#) == true)
                let text = events.compactMap { try? JSONParser.parse($0) }.compactMap { $0["delta"]?["text"]?.stringValue }.joined()
                #expect(text == "You said: three")
                #expect(try await connection.readResponse().status == 200)
            }
        }
    }

    @Test("errors on /v1/messages use Anthropic's envelope and carry X-Request-ID")
    func errors() async throws {
        try await DataPlaneTests.withGateway { gateway in
            try await DataPlaneTests.withConnection(gateway) { connection in
                try await connection.send(Self.messages(gateway, "x", key: "aigw_sk_" + String(repeating: "0", count: 48)))
                let denied = try await connection.readResponse()
                #expect(denied.status == 401)
                #expect(denied.json?["type"] == "error")
                #expect(denied.json?["error"]?["type"] == "authentication_error")
                #expect(denied.requestID?.isEmpty == false)
            }
        }
    }
}
